// SPDX-License-Identifier: GPL-2.0
// The services table handed to a running plugin command. Every entry is a
// noexcept trampoline onto the host's C++ objects: nothing C++ crosses.
#pragma once

#include "cgroups.hpp"
#include "features.hpp"
#include "metrics.hpp"
#include "plugin_loader.hpp"
#include "sink.hpp"
#include "stop.hpp"

#include <fsbpf/plugin.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fsbpf {

// Where a command under `fsbpf exporter` counts, instead of printing.
struct MetricsTarget {
	MetricRegistry *registry = nullptr;
	double interval = 1;      // seconds between collections
	uint64_t file_series = 0; // series a file-path label may take
	std::function<void(std::string_view backend)> on_backend;
};

struct RunOptions {
	OutputFormat format = OutputFormat::Table;
	std::optional<double> duration;
	std::string backend; // forced backend name, "" for automatic
	MetricsTarget metrics;
};

// Is `err` a reason to try the next backend rather than give up?
bool is_fallback_error(int err);

class Host {
public:
	// command_state: what the command's create() returned, for check_backend.
	Host(Features &features, const Command &command, RunOptions options, StopSource &stop,
	     void *command_state = nullptr);
	Host(const Host &) = delete;
	Host &operator=(const Host &) = delete;

	const fsbpf_host *table() const { return &table_; }
	// errno of the first write to the output that failed (EPIPE: the
	// reader has gone), or 0.
	int output_error() const { return output_error_; }

	// Tries backends best first as the C entry does; see fsbpf_host.select_backend.
	int select_backend(fsbpf_try_backend_fn try_backend, void *state);
	// 0 when backend `index` can work here: its attach type does, and the
	// command's own check_backend (if any) agrees. Else a negative errno.
	int check_backend(size_t index);
	// Writes out every sink's buffered rows; a failed write stops the command.
	void flush();

private:
	static Host &self(void *impl) { return *static_cast<Host *>(impl); }
	void add_btf_services();
	void add_probe_services();
	void add_sink_services();
	void add_run_services();
	void add_metric_services();
	void add_cgroup_services();
	int sink_result(int err);
	int wait(int fd, int timeout_ms);
	fsbpf_sink *open_sink(const char *record, const fsbpf_column *columns, size_t count);
	Sink &sink(fsbpf_sink *handle);

	Features &features_;
	const Command &command_;
	RunOptions options_;
	StopSource &stop_;
	void *command_state_;
	int output_error_ = 0;
	std::vector<std::unique_ptr<Sink>> sinks_;
	CgroupNames cgroups_;
	fsbpf_host table_;
};

} // namespace fsbpf
