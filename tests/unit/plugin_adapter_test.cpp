// SPDX-License-Identifier: GPL-2.0
// The C++ adapter over the plain C ABI (include/fsbpf/plugin.hpp): what a
// tool class gives, and what it may leave out, reaches struct fsbpf_command.
#include <fsbpf/plugin.hpp>

#include <gtest/gtest.h>

#include <cerrno>
#include <memory>

namespace {

using fsbpf::plugin::Host;
using fsbpf::plugin::Options;

// The least a tool gives: options and run.
struct Minimal {
	void add_options(Options & /*options*/) {}
	int run(Host & /*host*/) { return 0; }
};

// A tool that also says which of its backends can work.
struct Checking : Minimal {
	int check_backend(const Host & /*host*/, size_t index) { return index == 0 ? 0 : -ENOENT; }
};

TEST(PluginAdapter, CheckBackendIsOptional)
{
	constexpr fsbpf_command minimal = fsbpf::plugin::make_command<Minimal>("m", "", nullptr, 0);
	EXPECT_EQ(minimal.check_backend, nullptr);
	EXPECT_NE(minimal.run, nullptr);
}

// A tool with examples for its --help.
struct Documented : Minimal {
	static constexpr const char *kExamples = "d -x  # what -x does";
};

TEST(PluginAdapter, ExamplesAreOptionalAndReachTheCommand)
{
	constexpr fsbpf_command minimal = fsbpf::plugin::make_command<Minimal>("m", "", nullptr, 0);
	EXPECT_EQ(minimal.examples, nullptr);
	constexpr fsbpf_command documented =
		fsbpf::plugin::make_command<Documented>("d", "", nullptr, 0);
	EXPECT_STREQ(documented.examples, "d -x  # what -x does");
}

TEST(PluginAdapter, CheckBackendReachesTheTool)
{
	constexpr fsbpf_command checking =
		fsbpf::plugin::make_command<Checking>("c", "", nullptr, 0);
	ASSERT_NE(checking.check_backend, nullptr);
	const std::unique_ptr<void, void (*)(void *)> state(checking.create(), checking.destroy);
	ASSERT_NE(state, nullptr);
	const fsbpf_host host{};
	EXPECT_EQ(checking.check_backend(state.get(), &host, 0), 0);
	EXPECT_EQ(checking.check_backend(state.get(), &host, 1), -ENOENT);
}

} // namespace
