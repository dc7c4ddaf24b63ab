// SPDX-License-Identifier: GPL-2.0
// The SDK's example tool (examples/plugin), built outside the tree against
// the installed SDK by example_plugin.sh, which names its directory in
// FSBPF_EXAMPLE_PLUGIN_PATH; fsbpf loads it from FSBPF_PLUGIN_PATH.
#include "temp_dir.hpp"
#include "tracing.hpp"
#include "workload.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace fsbpf::test {
namespace {

constexpr int kFiles = 25;
constexpr int kMissing = 5;

// Per file: one open that creates it, one fstat, two stats by path and one
// unlink; then opens of a name that does not exist. Raw system calls, so
// that each is exactly the call counted.
void file_calls(const TempDir &dir)
{
	const std::string missing = dir.file("missing");
	for (int i = 0; i < kFiles; i++) {
		const std::string path = dir.file("f" + std::to_string(i));
		struct stat st {};
		const auto fd = static_cast<int>(
			syscall(SYS_openat, AT_FDCWD, path.c_str(), O_CREAT | O_WRONLY, 0600));
		syscall(SYS_fstat, fd, &st);
		close(fd);
		syscall(SYS_newfstatat, AT_FDCWD, path.c_str(), &st, 0);
		syscall(SYS_newfstatat, AT_FDCWD, path.c_str(), &st, 0);
		syscall(SYS_unlinkat, AT_FDCWD, path.c_str(), 0);
	}
	for (int i = 0; i < kMissing; i++)
		syscall(SYS_openat, AT_FDCWD, missing.c_str(), O_RDONLY);
}

class ExamplePlugin : public testing::TestWithParam<const char *> {};

TEST_P(ExamplePlugin, CountsEveryCallOfItsCommand)
{
	const char *plugin_dir = std::getenv("FSBPF_EXAMPLE_PLUGIN_PATH");
	if (!plugin_dir)
		GTEST_SKIP()
			<< "tests/integration/example_plugin.sh builds the example and runs this";
	TempDir dir;
	Workload child("fscalls-work", [&] { file_calls(dir); });
	Tracer tracer("fscalls",
		      {"--backend", GetParam(), "--json", "-c", "fscalls-work", "-i", "3600"},
		      {std::string("FSBPF_PLUGIN_PATH=") + plugin_dir});
	ASSERT_TRUE(tracer.attached()) << tracer.process().err();
	child.go();
	ASSERT_EQ(child.wait(), 0);
	const Finished done = tracer.stop();
	ASSERT_EQ(done.status, 0) << done.err;

	const auto lines = json_lines(done.out);
	const json *summary = summary_of(lines);
	ASSERT_NE(summary, nullptr) << done.out;
	EXPECT_EQ((*summary)["table_full"], 0);
	uint64_t opens = 0;
	uint64_t stats = 0;
	uint64_t unlinks = 0;
	for (const json &row : events_of(lines)) {
		EXPECT_EQ(row["comm"], "fscalls-work") << row.dump();
		opens += row["opens"].get<uint64_t>();
		stats += row["stats"].get<uint64_t>();
		unlinks += row["unlinks"].get<uint64_t>();
	}
	// A run the kernel skipped is counted in skipped instead of a row.
	const uint64_t expected = kFiles * 5 + kMissing;
	const uint64_t reported = opens + stats + unlinks;
	EXPECT_LE(reported, expected);
	EXPECT_LE(expected - reported, (*summary)["skipped"].get<uint64_t>()) << done.out;
	if ((*summary)["skipped"] == 0) {
		EXPECT_EQ(opens, kFiles + kMissing);
		EXPECT_EQ(stats, kFiles * 3);
		EXPECT_EQ(unlinks, kFiles);
	}
}

INSTANTIATE_TEST_SUITE_P(Backends, ExamplePlugin, testing::Values("tp_btf", "raw_tp"),
			 [](const testing::TestParamInfo<const char *> &info) {
				 return std::string(info.param);
			 });

} // namespace
} // namespace fsbpf::test
