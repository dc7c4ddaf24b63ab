// SPDX-License-Identifier: GPL-2.0
// A tracer under measurement: started like a user starts it, ready when it
// says so, stopped with Ctrl-C; its BPF map memory read from /proc.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace bench {

class Tracer {
public:
	// Runs argv with stdout and stderr in one memory file: the tracer never
	// waits for a reader, and nobody reads while workloads are measured.
	explicit Tracer(std::vector<std::string> argv);
	~Tracer();
	Tracer(const Tracer &) = delete;
	Tracer &operator=(const Tracer &) = delete;

	// Waits for "Hit Ctrl-C", which fsbpf prints once attached; a quiet tracer
	// is ready once it has held BPF programs for a while without exiting.
	// Seconds from exec to ready, or nothing if it died or timed out.
	std::optional<double> wait_ready(std::chrono::seconds timeout, bool quiet = false);
	// Waits until it has used no CPU for a while (at most `timeout`), so a
	// workload is not charged for the backlog of the one before.
	void settle(std::chrono::milliseconds timeout) const;
	// CPU time it has used so far, in seconds (schedstat: nanoseconds).
	double cpu_seconds() const;
	// Bytes of locked memory of the BPF maps it holds (memlock in fdinfo).
	uint64_t map_memlock() const;
	// Stops it with SIGINT; returns everything it printed.
	std::string stop();
	// What it has printed so far.
	std::string output() const;

private:
	pid_t pid_ = -1;
	int output_fd_ = -1;
	std::chrono::steady_clock::time_point started_;
	bool exited_ = false;
};

} // namespace bench
