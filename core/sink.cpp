// SPDX-License-Identifier: GPL-2.0
#include "sink.hpp"

#include "text.hpp"

#include <fmt/compile.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include <sys/ioctl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <ctime>

namespace fsbpf {
namespace {

constexpr uint64_t kNsPerSecond = 1000000000ULL;

// ".123" for digits 3: the first digits of the second's fraction.
std::string fraction(uint64_t ns, int digits)
{
	if (digits <= 0)
		return {};
	const int shown = std::min(digits, 9);
	uint64_t part = ns % kNsPerSecond;
	for (int i = shown; i < 9; i++)
		part /= 10;
	return fmt::format(FMT_COMPILE(".{:0{}}"), part, shown);
}

// Times as text. Rows come by the thousands a second, so the calendar part
// is worked out once a second.
class TimeText {
public:
	// RFC 3339, UTC, to the nanosecond: "2026-12-04T19:50:00.123456789Z".
	std::string utc(uint64_t ns)
	{
		return utc_.of(ns, gmtime_r, "%Y-%m-%dT%H:%M:%S") + fraction(ns, 9) + 'Z';
	}
	// The local time of day: "19:50:00.123" for digits 3.
	std::string time_of_day(uint64_t ns, int digits)
	{
		return local_.of(ns, localtime_r, "%H:%M:%S") + fraction(ns, digits);
	}

private:
	class SecondText {
	public:
		using Convert = tm *(*)(const time_t *, tm *);
		const std::string &of(uint64_t ns, Convert convert, const char *format)
		{
			const uint64_t second = ns / kNsPerSecond;
			if (second != second_) {
				const auto seconds = static_cast<time_t>(second);
				tm parts{};
				convert(&seconds, &parts);
				std::array<char, 32> buf{};
				text_.assign(buf.data(),
					     strftime(buf.data(), buf.size(), format, &parts));
				second_ = second;
			}
			return text_;
		}

	private:
		uint64_t second_ = UINT64_MAX;
		std::string text_;
	};

	SecondText utc_;
	SecondText local_;
};

} // namespace

int Sink::failed(bool ok)
{
	if (!ok && !error_)
		error_ = errno ? errno : EIO;
	return -error_;
}

int Sink::write(const std::string &text)
{
	if (error_)
		return -error_;
	return failed(std::fwrite(text.data(), 1, text.size(), out_) == text.size());
}

int Sink::flush()
{
	if (error_)
		return -error_;
	return failed(std::fflush(out_) == 0);
}

void Sink::note_counters(std::span<const fsbpf_column> columns, std::span<const fsbpf_value> values,
			 std::string_view prefix) const
{
	std::string line(prefix);
	for (size_t i = 0; i < columns.size(); i++)
		line += fmt::format("{}{}={}", i ? " " : "", columns[i].name,
				    sanitize_for_terminal(format_value(columns[i], values[i])));
	fmt::print(notes_, "{}\n", line);
	std::fflush(notes_);
}

std::string format_value(const fsbpf_column &column, const fsbpf_value &value, Precision precision)
{
	switch (column.type) {
	case FSBPF_VAL_STR:
		return value.s ? value.s : "";
	case FSBPF_VAL_INT:
		return fmt::format_int(value.i).str();
	case FSBPF_VAL_UINT:
		return fmt::format_int(value.u).str();
	case FSBPF_VAL_DOUBLE:
		if (precision == Precision::Exact)
			return fmt::format(FMT_COMPILE("{}"), value.d);
		return fmt::format(FMT_COMPILE("{:.{}f}"), value.d, column.precision);
	case FSBPF_VAL_TIME:
		return TimeText().utc(value.u);
	default:
		break;
	}
	return {};
}

bool is_record_kind(std::string_view kind)
{
	return !kind.empty() && kind != "summary" &&
	       std::ranges::all_of(kind, [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
}

bool is_valid_column(const fsbpf_column &column)
{
	return column.name && *column.name && column.type >= FSBPF_VAL_STR &&
	       column.type <= FSBPF_VAL_TIME;
}

namespace {

std::string heading_of(const fsbpf_column &column)
{
	if (column.heading)
		return column.heading;
	std::string heading = column.name;
	for (char &c : heading)
		c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
	return heading;
}

// Rows go out by the tens of thousands a second: ASCII, the common case, is
// padded by byte count; anything else by fmt, which counts display width.
std::string pad(const std::string &text, int width)
{
	const size_t wanted = static_cast<size_t>(width < 0 ? -width : width);
	if (std::ranges::all_of(text,
				[](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
		if (text.size() >= wanted)
			return text;
		return width < 0 ? text + std::string(wanted - text.size(), ' ')
				 : std::string(wanted - text.size(), ' ') + text;
	}
	if (width < 0)
		return fmt::format("{:<{}}", text, -width);
	return fmt::format("{:>{}}", text, width);
}

// The terminal's width in columns, or 0 when out is no terminal.
size_t terminal_width(std::FILE *out)
{
	winsize size{};
	if (ioctl(fileno(out), TIOCGWINSZ, &size) != 0)
		return 0;
	return size.ws_col;
}

bool is_continuation_byte(char c)
{
	return (static_cast<unsigned char>(c) & 0xc0U) == 0x80U;
}

// Characters, not bytes: the table's text is sanitized UTF-8.
size_t characters(std::string_view text)
{
	return static_cast<size_t>(
		std::ranges::count_if(text, [](char c) { return !is_continuation_byte(c); }));
}

// The first `count` characters of text, or the last ones.
std::string_view first_characters(std::string_view text, size_t count)
{
	size_t end = 0;
	for (size_t seen = 0; end < text.size(); end++)
		if (!is_continuation_byte(text[end]) && seen++ == count)
			break;
	return text.substr(0, end);
}
std::string_view last_characters(std::string_view text, size_t count)
{
	size_t start = text.size();
	for (size_t seen = 0; start > 0 && seen < count;)
		if (!is_continuation_byte(text[--start]))
			seen++;
	return text.substr(start);
}

// Text cut to `width` characters by an ellipsis in the middle: a path keeps
// its start and its file name.
std::string shortened(const std::string &text, size_t width)
{
	constexpr size_t kNarrowest = 5;
	if (characters(text) <= width || width < kNarrowest)
		return text;
	const size_t tail = (width - 1) / 2;
	return std::string(first_characters(text, width - 1 - tail)) + "\u2026" +
	       std::string(last_characters(text, tail));
}

class TableSink final : public Sink {
public:
	TableSink(std::vector<fsbpf_column> columns, std::FILE *out, std::FILE *notes,
		  bool clear_screen, Envelope envelope)
		: Sink(std::move(columns), out, notes, std::move(envelope)),
		  clear_screen_(clear_screen), width_(terminal_width(out))
	{
	}

	int row(std::span<const fsbpf_value> values) override
	{
		std::string line;
		if (header_pending_) {
			line = header_line();
			header_pending_ = false;
		}
		const size_t start = line.size();
		for (size_t i = 0; i < columns().size(); i++) {
			const fsbpf_column &column = columns()[i];
			std::string text = text_of(column, values[i]);
			if (column.type == FSBPF_VAL_STR)
				text = sanitize_for_terminal(text);
			if (i)
				line += ' ';
			if (i + 1 == columns().size() && column.width < 0)
				line += fit(text, characters(std::string_view(line).substr(start)));
			else
				line += pad(text, column.width);
		}
		line += '\n';
		return write(line);
	}

	int frame(const std::string &title) override
	{
		if (width_)
			width_ = terminal_width(out()); // it may have been resized
		std::string text = clear_screen_ ? "\033[H\033[2J" : (framed_ ? "\n" : "");
		framed_ = true;
		text += sanitize_for_terminal(title) + "\n\n" + header_line();
		header_pending_ = false;
		return write(text);
	}

	void keep_screen() override { clear_screen_ = false; }

	int summary(std::span<const fsbpf_column> columns,
		    std::span<const fsbpf_value> values) override
	{
		note_counters(columns, values);
		return flush();
	}

private:
	std::string text_of(const fsbpf_column &column, const fsbpf_value &value)
	{
		if (column.type != FSBPF_VAL_TIME)
			return format_value(column, value);
		if (column.precision >= 0)
			return times_.time_of_day(value.u, column.precision);
		const auto since_start = static_cast<int64_t>(value.u - envelope().started_ns);
		return fmt::format(FMT_COMPILE("{:.{}f}"),
				   static_cast<double>(since_start) / kNsPerSecond,
				   -column.precision);
	}

	std::string header_line() const
	{
		std::string line;
		for (size_t i = 0; i < columns().size(); i++) {
			const fsbpf_column &column = columns()[i];
			if (i)
				line += ' ';
			line += i + 1 == columns().size() && column.width < 0
					? heading_of(column)
					: pad(heading_of(column), column.width);
		}
		return line + '\n';
	}

	// On a terminal, the last column (a name or path) shortened to what is left of the line.
	std::string fit(const std::string &text, size_t used) const
	{
		if (!width_ || used >= width_)
			return text;
		return shortened(text, width_ - used);
	}

	TimeText times_;
	bool clear_screen_;
	bool header_pending_ = true;
	bool framed_ = false;
	size_t width_; // 0: not a terminal, rows keep everything
};

std::string json_value(const fsbpf_column &column, const fsbpf_value &value)
{
	if (column.type == FSBPF_VAL_STR)
		return '"' + json_escape(value.s ? value.s : "") + '"';
	if (column.type == FSBPF_VAL_DOUBLE && !std::isfinite(value.d))
		return "null"; // JSON has no NaN or infinity
	return format_value(column, value, Precision::Exact);
}

bool is_record_time(const fsbpf_column &column)
{
	return column.type == FSBPF_VAL_TIME && std::string_view(column.name) == "time";
}

// One object per line, the envelope first:
// {"record":"event","tool":"syncsnoop","schema":1,"time_ns":...,"time":"...Z",...}
class JsonSink final : public Sink {
public:
	JsonSink(std::vector<fsbpf_column> columns, std::FILE *out, std::FILE *notes,
		 Envelope envelope)
		: Sink(std::move(columns), out, notes, std::move(envelope)),
		  tool_(json_escape(this->envelope().tool)),
		  record_(json_escape(this->envelope().record))
	{
	}

	int row(std::span<const fsbpf_value> values) override
	{
		return write(object(record_, columns(), values));
	}

	int frame(const std::string & /*title*/) override { return 0; }

	// On notes as in the table, whatever becomes of out; on out as the
	// last record, flushed at once, where out can still be written.
	int summary(std::span<const fsbpf_column> columns,
		    std::span<const fsbpf_value> values) override
	{
		write(object("summary", columns, values));
		note_counters(columns, values);
		return flush();
	}

private:
	std::string object(std::string_view record, std::span<const fsbpf_column> columns,
			   std::span<const fsbpf_value> values)
	{
		const auto time = std::ranges::find_if(columns, is_record_time);
		const uint64_t time_ns = time == columns.end() ? envelope().now_ns()
							       : values[time - columns.begin()].u;
		std::string line =
			fmt::format(FMT_COMPILE(R"({{"record":"{}","tool":"{}","schema":{},)"),
				    record, tool_, kRecordSchemaVersion) +
			time_fields("time", time_ns);
		for (size_t i = 0; i < columns.size(); i++)
			if (columns.begin() + static_cast<ptrdiff_t>(i) != time)
				line += ',' + field(columns[i], values[i]);
		return line + "}\n";
	}

	std::string time_fields(std::string_view name, uint64_t ns)
	{
		return fmt::format(FMT_COMPILE(R"("{}_ns":{},"{}":"{}")"), name, ns, name,
				   times_.utc(ns));
	}

	std::string field(const fsbpf_column &column, const fsbpf_value &value)
	{
		const std::string name = json_escape(column.name);
		if (column.type == FSBPF_VAL_TIME)
			return time_fields(name, value.u);
		std::string text = '"' + name + "\":" + json_value(column, value);
		// A name that is not UTF-8 travels exactly beside its readable form.
		if (column.type == FSBPF_VAL_STR && value.s && !is_utf8(value.s))
			text += ",\"" + name + "_bytes\":\"" + hex_bytes(value.s) + '"';
		return text;
	}

	std::string tool_;
	std::string record_;
	TimeText times_;
};

// CSV keeps exact bytes for files and pipes; on a terminal it is sanitized.
// The header comes first, rows or none: a quiet run still names its columns.
class CsvSink final : public Sink {
public:
	CsvSink(std::vector<fsbpf_column> columns, std::FILE *out, std::FILE *notes,
		Envelope envelope)
		: Sink(std::move(columns), out, notes, std::move(envelope)),
		  to_terminal_(isatty(fileno(out)) == 1)
	{
		std::string header;
		for (const fsbpf_column &column : this->columns()) {
			const std::string name = csv_field(column.name);
			if (!header.empty())
				header += ',';
			// A time is two fields, as in JSON.
			header += column.type == FSBPF_VAL_TIME
					  ? csv_field(column.name + std::string("_ns")) + ',' + name
					  : name;
		}
		write(header + '\n'); // a failure shows at the next row or flush
	}

	int row(std::span<const fsbpf_value> values) override
	{
		std::string line;
		for (size_t i = 0; i < columns().size(); i++) {
			const fsbpf_column &column = columns()[i];
			if (i)
				line += ',';
			if (column.type == FSBPF_VAL_TIME)
				line += fmt::format_int(values[i].u).str() + ',' +
					times_.utc(values[i].u);
			else
				line += field(format_value(column, values[i], Precision::Exact));
		}
		return write(line + '\n');
	}

	int frame(const std::string & /*title*/) override { return 0; }

	// CSV has one record shape, so totals go beside it, to stderr.
	int summary(std::span<const fsbpf_column> columns,
		    std::span<const fsbpf_value> values) override
	{
		note_counters(columns, values, "# ");
		return flush();
	}

private:
	std::string field(const std::string &text) const
	{
		return csv_field(to_terminal_ ? sanitize_for_terminal(text) : text);
	}

	TimeText times_;
	bool to_terminal_;
};

} // namespace

std::unique_ptr<Sink> make_sink(OutputFormat format, std::vector<fsbpf_column> columns,
				std::FILE *out, std::FILE *notes, bool clear_screen,
				Envelope envelope)
{
	switch (format) {
	case OutputFormat::Json:
		return std::make_unique<JsonSink>(std::move(columns), out, notes,
						  std::move(envelope));
	case OutputFormat::Csv:
		return std::make_unique<CsvSink>(std::move(columns), out, notes,
						 std::move(envelope));
	case OutputFormat::Table:
		break;
	}
	return std::make_unique<TableSink>(std::move(columns), out, notes, clear_screen,
					   std::move(envelope));
}

} // namespace fsbpf
