// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// User-space clocks for the tools that print events: BPF stamps each event
// with CLOCK_MONOTONIC; users read wall-clock time.
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

// "HH:MM:SS", local time.
inline std::string local_hms(time_t seconds)
{
	tm local{};
	localtime_r(&seconds, &local);
	std::array<char, 16> buf{};
	return {buf.data(), strftime(buf.data(), buf.size(), "%H:%M:%S", &local)};
}

// Wall-clock event times from BPF's CLOCK_MONOTONIC stamps. The offset to the wall
// clock is sampled again once events are a second past the last sample, so
// that NTP's slewing and a stepped clock reach a long run's wall-clock times.
class EventClock {
public:
	using Reader = uint64_t (*)(clockid_t);

	explicit EventClock(Reader read = clock_ns) : read_(read) {}

	// Call when tracing starts.
	void start() { sample(); }

	// Nanoseconds since the epoch at monotonic_ns.
	uint64_t realtime_ns(uint64_t monotonic_ns)
	{
		if (monotonic_ns > sampled_at_ns_ + kResampleNs)
			sample();
		return monotonic_ns + realtime_offset_ns_;
	}

private:
	static constexpr uint64_t kResampleNs = 1000000000ULL;

	// The wall clock between two monotonic reads, against their midpoint.
	void sample()
	{
		const uint64_t before = read_(CLOCK_MONOTONIC);
		const uint64_t realtime = read_(CLOCK_REALTIME);
		const uint64_t after = read_(CLOCK_MONOTONIC);
		sampled_at_ns_ = before + (after - before) / 2;
		realtime_offset_ns_ = realtime - sampled_at_ns_;
	}

	Reader read_;
	uint64_t sampled_at_ns_ = 0;
	uint64_t realtime_offset_ns_ = 0;
};

} // namespace fsbpf
