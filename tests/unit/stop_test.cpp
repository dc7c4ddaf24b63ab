// SPDX-License-Identifier: GPL-2.0
// When a running command stops: the signals that stop it, deadlines that
// cannot overflow.
#include "stop.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstring>

namespace {

using fsbpf::StopSource;

TEST(StopSource, TheLongestDurationNeitherEndsAtOnceNorBlocksAPoll)
{
	StopSource stop;
	stop.set_duration(std::chrono::duration<double>(StopSource::kLongestDurationSeconds));
	EXPECT_FALSE(stop.stopped());
	EXPECT_EQ(stop.wait(-1, 0), 0);
}

TEST(StopSource, EachStopSignalStopsInsteadOfKilling)
{
	for (const int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
		StopSource stop;
		ASSERT_FALSE(stop.stopped());
		// Blocked by StopSource, the signal waits in its signalfd; were it
		// not, it would end this test binary.
		ASSERT_EQ(raise(sig), 0);
		EXPECT_TRUE(stop.stopped()) << strsignal(sig);
	}
}

} // namespace
