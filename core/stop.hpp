// SPDX-License-Identifier: GPL-2.0
// When a running command must stop: SIGINT, SIGTERM, SIGHUP or SIGQUIT (read
// from a signalfd, so no handler and no global flag), --duration elapsed, or
// output closed.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>

namespace fsbpf {

// Threads may share one: a stop seen by any wakes every wait().
class StopSource {
public:
	// Blocks the four stop signals for this thread (inherited by later
	// threads), so that each ends a command as Ctrl-C does, counters and
	// all; ignores SIGPIPE, so a closed pipe shows up as EPIPE on write.
	StopSource();
	~StopSource();
	StopSource(const StopSource &) = delete;
	StopSource &operator=(const StopSource &) = delete;

	// The longest --duration, about 31 years: a deadline is nanoseconds of
	// steady_clock in 64 bits, which would overflow at about 292 years.
	static constexpr double kLongestDurationSeconds = 1e9;

	// duration: at most kLongestDurationSeconds.
	void set_duration(std::chrono::duration<double> duration);
	void request_stop();
	bool stopped();

	// 1 fd readable, 0 timeout, -1 stop. fd may be -1 to only wait.
	int wait(int fd, int timeout_ms);
	double elapsed() const;

private:
	int remaining_ms(int timeout_ms) const;

	int signal_fd_ = -1;
	int wake_fd_ = -1; // readable once stopped
	std::atomic<bool> stopped_ = false;
	std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
	std::optional<std::chrono::steady_clock::time_point> deadline_;
};

} // namespace fsbpf
