// SPDX-License-Identifier: GPL-2.0
// Output sinks: the one place that turns rows into a terminal table, JSON
// Lines or CSV. Tools describe columns and hand over values; they never print.
#pragma once

#include <fsbpf/clock.hpp>
#include <fsbpf/plugin.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fsbpf {

enum class OutputFormat { Table, Json, Csv };

// The version of the records' shape in share/fsbpf/records.schema.json.
inline constexpr int kRecordSchemaVersion = 1;

// What every JSON record says about itself, and the clock that stamps
// records without a time of their own.
struct Envelope {
	std::string tool;           // the command that writes the records
	std::string record = "row"; // the kind of record a row is: "event", "row"
	uint64_t started_ns = 0;    // wall clock when the command started
	uint64_t (*now_ns)() = [] { return clock_ns(CLOCK_REALTIME); }; // wall clock now
};

// Rows go to out; counters that people read go to notes (stderr).
class Sink {
public:
	Sink(std::vector<fsbpf_column> columns, std::FILE *out, std::FILE *notes, Envelope envelope)
		: columns_(std::move(columns)), out_(out), notes_(notes),
		  envelope_(std::move(envelope))
	{
	}
	virtual ~Sink() = default;
	Sink(const Sink &) = delete;
	Sink &operator=(const Sink &) = delete;

	size_t column_count() const { return columns_.size(); }

	// Each returns 0, or the negative errno of the first write to out that
	// failed (-EPIPE: the reader has gone); after that nothing more is
	// written to out. A summary goes to notes in every format.
	virtual int row(std::span<const fsbpf_value> values) = 0;
	virtual int frame(const std::string &title) = 0;
	virtual int summary(std::span<const fsbpf_column> columns,
			    std::span<const fsbpf_value> values) = 0;
	// Later frames keep what is on the screen; only the table ever clears it.
	virtual void keep_screen() {}
	// Writes out what the calls above buffered.
	int flush();

protected:
	const std::vector<fsbpf_column> &columns() const { return columns_; }
	std::FILE *out() const { return out_; }
	const Envelope &envelope() const { return envelope_; }
	int write(const std::string &text);
	// One line on notes: "name=value name=value", after "# " beside CSV.
	void note_counters(std::span<const fsbpf_column> columns,
			   std::span<const fsbpf_value> values, std::string_view prefix = "") const;

private:
	int failed(bool ok);

	std::vector<fsbpf_column> columns_;
	std::FILE *out_;
	std::FILE *notes_;
	Envelope envelope_;
	int error_ = 0; // errno of the first failed write to out
};

// Frames clear the screen only when clear_screen is set (stdout is a terminal).
std::unique_ptr<Sink> make_sink(OutputFormat format, std::vector<fsbpf_column> columns,
				std::FILE *out, std::FILE *notes, bool clear_screen,
				Envelope envelope = {});

// Whether a plugin's column can be written: a name, a known type.
bool is_valid_column(const fsbpf_column &column);
// A record kind is a lower-case word: "event", "row".
bool is_record_kind(std::string_view kind);

// A value as plain text: integers in full; doubles with the column's
// precision for people, or shortest round-trip form for machines; times in
// RFC 3339 UTC.
enum class Precision { Column, Exact };
std::string format_value(const fsbpf_column &column, const fsbpf_value &value,
			 Precision precision = Precision::Column);

} // namespace fsbpf
