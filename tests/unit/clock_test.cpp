// SPDX-License-Identifier: GPL-2.0
// EventClock: BPF's monotonic stamps as seconds since start and wall-clock
// time, against clocks the test moves.
#include <fsbpf/clock.hpp>

#include <gtest/gtest.h>

#include <cstdint>

namespace {

constexpr uint64_t kSecond = 1000000000ULL;

// The two clocks EventClock reads, as the test sets them.
struct FakeClocks {
	static inline uint64_t monotonic = 0;
	static inline uint64_t realtime = 0;

	static uint64_t read(clockid_t clock)
	{
		return clock == CLOCK_MONOTONIC ? monotonic : realtime;
	}
};

TEST(EventClock, FollowsAStepOfTheWallClockOnceEventsPassASecond)
{
	FakeClocks::monotonic = 100 * kSecond;
	FakeClocks::realtime = 1000000 * kSecond;
	fsbpf::EventClock clock(&FakeClocks::read);
	clock.start();
	EXPECT_EQ(clock.realtime_ns(100 * kSecond + kSecond / 2), 1000000 * kSecond + kSecond / 2);

	// The wall clock steps 5 s ahead (an administrator, or NTP at boot).
	FakeClocks::monotonic = 101 * kSecond;
	FakeClocks::realtime = 1000006 * kSecond;
	EXPECT_EQ(clock.realtime_ns(100 * kSecond + 9 * kSecond / 10),
		  1000000 * kSecond + 9 * kSecond / 10)
		<< "within a second of the last sample, the offset stands";
	EXPECT_EQ(clock.realtime_ns(101 * kSecond + kSecond / 5), 1000006 * kSecond + kSecond / 5)
		<< "past it, the offset is sampled again";
}

} // namespace
