// When a running command stops: deadlines that cannot overflow.
#include "stop.hpp"

#include <gtest/gtest.h>

namespace {

using fsbpf::StopSource;

TEST(StopSource, TheLongestDurationNeitherEndsAtOnceNorBlocksAPoll)
{
	StopSource stop;
	stop.set_duration(std::chrono::duration<double>(StopSource::kLongestDurationSeconds));
	EXPECT_FALSE(stop.stopped());
	EXPECT_EQ(stop.wait(-1, 0), 0);
}

} // namespace
