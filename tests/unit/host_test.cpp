// SPDX-License-Identifier: GPL-2.0
#include "host.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <map>
#include <vector>

namespace {

// Every attach type works except `broken`, and nothing touches the kernel.
class FakeFeatures : public fsbpf::Features {
public:
	explicit FakeFeatures(fsbpf_attach broken) : broken_(broken) {}

protected:
	int probe_attach(fsbpf_attach attach) override
	{
		return attach == broken_ ? -EOPNOTSUPP : 0;
	}
	int probe_feature(fsbpf_feature /*feature*/) override { return 0; }

private:
	fsbpf_attach broken_;
};

// What each backend's load-and-attach returns, and which were tried.
struct Attempts {
	std::map<size_t, int> results;
	std::vector<size_t> tried;

	static int attempt(void *state, size_t index)
	{
		auto &self = *static_cast<Attempts *>(state);
		self.tried.push_back(index);
		return self.results.count(index) ? self.results[index] : 0;
	}
};

const fsbpf_backend kBackends[] = {
	{"fentry", FSBPF_ATTACH_FENTRY, "best"},
	{"kprobe", FSBPF_ATTACH_KPROBE, "broken here"},
	{"tracepoint", FSBPF_ATTACH_TRACEPOINT, "last resort"},
};

class SelectBackendTest : public ::testing::Test {
protected:
	SelectBackendTest()
	{
		command_.name = "x";
		command_.entry.size = sizeof(fsbpf_command);
		command_.entry.name = "x";
		command_.entry.backends = kBackends;
		command_.entry.backend_count = 3;
	}

	int select(const std::string &forced = "")
	{
		fsbpf::RunOptions options;
		options.backend = forced;
		fsbpf::Host host(features_, command_, options, stop_);
		return host.select_backend(&Attempts::attempt, &attempts_);
	}

	fsbpf::StopSource stop_;
	FakeFeatures features_{FSBPF_ATTACH_KPROBE};
	fsbpf::Command command_;
	Attempts attempts_;
};

TEST(FallbackError, CoversWhatAnotherBackendMayAvoid)
{
	for (int err : {EPERM, ENOENT, EINVAL, EOPNOTSUPP, ESRCH, E2BIG, EACCES})
		EXPECT_TRUE(fsbpf::is_fallback_error(-err)) << err;
	EXPECT_FALSE(fsbpf::is_fallback_error(-ENOMEM));
	EXPECT_FALSE(fsbpf::is_fallback_error(-EFAULT));
	EXPECT_FALSE(fsbpf::is_fallback_error(0));
}

TEST_F(SelectBackendTest, StopsAtTheFirstBackendThatAttaches)
{
	EXPECT_EQ(select(), 0);
	EXPECT_EQ(attempts_.tried, std::vector<size_t>{0});
}

TEST_F(SelectBackendTest, SkipsBackendsTheKernelLacks)
{
	attempts_.results[0] = -ENOENT;
	EXPECT_EQ(select(), 2);
	EXPECT_EQ(attempts_.tried, (std::vector<size_t>{0, 2}));
}

TEST_F(SelectBackendTest, StopsAtAnErrorNoOtherBackendCanAvoid)
{
	attempts_.results[0] = -ENOMEM;
	EXPECT_EQ(select(), -ENOMEM);
	EXPECT_EQ(attempts_.tried, std::vector<size_t>{0});
}

TEST_F(SelectBackendTest, ReportsNotSupportedWhenEveryBackendFails)
{
	attempts_.results[0] = -EINVAL;
	attempts_.results[2] = -EPERM;
	EXPECT_EQ(select(), -ENOTSUP);
	EXPECT_EQ(attempts_.tried, (std::vector<size_t>{0, 2}));
}

TEST_F(SelectBackendTest, ForcedBackendIsTheOnlyOneTried)
{
	EXPECT_EQ(select("tracepoint"), 2);
	EXPECT_EQ(attempts_.tried, std::vector<size_t>{2});
}

TEST_F(SelectBackendTest, ForcedBackendFailureIsFinal)
{
	attempts_.results[0] = -ENOENT;
	EXPECT_EQ(select("fentry"), -ENOENT);
	EXPECT_EQ(attempts_.tried, std::vector<size_t>{0});
}

TEST_F(SelectBackendTest, ForcedBackendTheKernelLacksIsNotTried)
{
	EXPECT_EQ(select("kprobe"), -EOPNOTSUPP);
	EXPECT_TRUE(attempts_.tried.empty());
}

TEST_F(SelectBackendTest, ForcedUnknownBackendIsInvalid)
{
	EXPECT_EQ(select("uprobe"), -EINVAL);
	EXPECT_TRUE(attempts_.tried.empty());
}

TEST_F(SelectBackendTest, TheCTableReachesTheSameSelection)
{
	fsbpf::Host host(features_, command_, fsbpf::RunOptions{}, stop_);
	const fsbpf_host *table = host.table();
	EXPECT_EQ(table->size, sizeof(fsbpf_host));
	EXPECT_EQ(table->abi_minor, static_cast<uint32_t>(FSBPF_ABI_MINOR));
	attempts_.results[0] = -EACCES;
	EXPECT_EQ(table->select_backend(table->impl, &Attempts::attempt, &attempts_), 2);
	EXPECT_EQ(table->probe_attach(table->impl, FSBPF_ATTACH_KPROBE), -EOPNOTSUPP);
	EXPECT_EQ(table->probe_attach(table->impl, FSBPF_ATTACH__COUNT), -EINVAL);
	EXPECT_EQ(table->probe_feature(table->impl, -1), -EINVAL);
}

// A plugin's sink must be one the sinks can write: a malformed one is
// refused before any record, not dereferenced at the first row.
TEST(HostSinks, RefuseMalformedRecordsThroughTheCTable)
{
	FakeFeatures features{FSBPF_ATTACH_KPROBE};
	fsbpf::StopSource stop;
	fsbpf::Command command;
	command.name = "x";
	fsbpf::Host host(features, command, fsbpf::RunOptions{}, stop);
	const fsbpf_host *table = host.table();
	const fsbpf_column good[] = {{"time", nullptr, FSBPF_VAL_TIME, 0, 0}};
	const fsbpf_column unnamed[] = {{nullptr, nullptr, FSBPF_VAL_UINT, 0, 0}};
	const fsbpf_column unknown[] = {{"x", nullptr, FSBPF_VAL_TIME + 1, 0, 0}};
	EXPECT_NE(table->sink_open_records(table->impl, "event", good, 1), nullptr);
	EXPECT_NE(table->sink_open(table->impl, good, 1), nullptr);
	EXPECT_EQ(table->sink_open_records(table->impl, nullptr, good, 1), nullptr);
	EXPECT_EQ(table->sink_open_records(table->impl, "summary", good, 1), nullptr);
	EXPECT_EQ(table->sink_open_records(table->impl, "ev\"nt", good, 1), nullptr);
	EXPECT_EQ(table->sink_open_records(table->impl, "event", nullptr, 1), nullptr);
	EXPECT_EQ(table->sink_open_records(table->impl, "event", unnamed, 1), nullptr);
	EXPECT_EQ(table->sink_open(table->impl, unknown, 1), nullptr);
}

} // namespace
