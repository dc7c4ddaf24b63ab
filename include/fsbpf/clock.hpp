// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// User-space clocks for the tools that print events: BPF stamps each event
// with CLOCK_MONOTONIC; users read seconds since start or wall-clock time.
#pragma once

#include <array>
#include <cstdint>
#include <ctime>
#include <string>

namespace fsbpf {

inline uint64_t clock_ns(clockid_t clock)
{
	timespec ts{};
	clock_gettime(clock, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

// Seconds since the epoch, now.
inline double unix_time()
{
	return static_cast<double>(clock_ns(CLOCK_REALTIME)) / 1e9;
}

// "HH:MM:SS", local time.
inline std::string local_hms(time_t seconds)
{
	tm local{};
	localtime_r(&seconds, &local);
	std::array<char, 16> buf{};
	return {buf.data(), strftime(buf.data(), buf.size(), "%H:%M:%S", &local)};
}

class EventClock {
public:
	// Call when tracing starts.
	void start()
	{
		start_ns_ = clock_ns(CLOCK_MONOTONIC);
		realtime_offset_ns_ = clock_ns(CLOCK_REALTIME) - start_ns_;
	}

	double seconds_since_start(uint64_t monotonic_ns) const
	{
		return static_cast<double>(static_cast<int64_t>(monotonic_ns - start_ns_)) / 1e9;
	}

	// "HH:MM:SS.mmm", local time.
	std::string wall_clock(uint64_t monotonic_ns) const
	{
		const uint64_t realtime_ns = monotonic_ns + realtime_offset_ns_;
		return local_hms(static_cast<time_t>(realtime_ns / 1000000000ULL)) +
		       std::to_string(1000 + realtime_ns / 1000000ULL % 1000).replace(0, 1, ".");
	}

private:
	uint64_t start_ns_ = 0;
	uint64_t realtime_offset_ns_ = 0;
};

} // namespace fsbpf
