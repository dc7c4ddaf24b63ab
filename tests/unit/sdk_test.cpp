// SPDX-License-Identifier: GPL-2.0
// The SDK's C++ helpers (include/fsbpf/skeleton.hpp, plugin.hpp): which
// programs a backend loads on a kernel, and the descriptor a plugin exports.
#include "probes.bpf.skel.h"

#include <fsbpf/plugin.hpp>
#include <fsbpf/skeleton.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cerrno>

namespace {

// A host whose kernel has only the features in `present`.
struct FakeKernel {
	std::array<bool, FSBPF_FEATURE__COUNT> present{};
	fsbpf_host table{};

	explicit FakeKernel(std::initializer_list<fsbpf_feature> features)
	{
		for (const fsbpf_feature feature : features)
			present.at(feature) = true;
		table.impl = this;
		table.probe_feature = [](void *impl, int feature) noexcept {
			return static_cast<FakeKernel *>(impl)->present.at(
				       static_cast<size_t>(feature))
				       ? 0
				       : -ENOENT;
		};
	}
};

constexpr std::array<fsbpf::Backend, 2> kBackends = {{
	{{"tp_btf", FSBPF_ATTACH_TP_BTF, "raw exit"}, {"raw_exit"}},
	{{"kprobe", FSBPF_ATTACH_KPROBE, "pairs"}, {"kprobe_", "kretprobe_"}, true},
}};

TEST(Backends, TheirInfosKeepTheirOrder)
{
	constexpr auto infos = fsbpf::backend_infos(kBackends);
	EXPECT_STREQ(infos[0].name, "tp_btf");
	EXPECT_EQ(infos[1].attach, FSBPF_ATTACH_KPROBE);
}

TEST(Backends, LoadTheirOwnProgramsOnly)
{
	FakeKernel kernel({});
	const fsbpf::plugin::Host host(kernel.table);
	EXPECT_TRUE(fsbpf::loads(kBackends[1], "kprobe_read", host));
	EXPECT_TRUE(fsbpf::loads(kBackends[1], "kretprobe_read", host));
	EXPECT_FALSE(fsbpf::loads(kBackends[1], "raw_exit", host));
	EXPECT_FALSE(fsbpf::loads(kBackends[0], "kprobe_read", host));
}

TEST(Backends, LoadTheVariantTheKernelCanRun)
{
	FakeKernel with_cast({FSBPF_FEATURE_RDONLY_CAST});
	const fsbpf::plugin::Host cast(with_cast.table);
	EXPECT_TRUE(fsbpf::loads(kBackends[0], "raw_exit_cast", cast));
	EXPECT_FALSE(fsbpf::loads(kBackends[0], "raw_exit_core", cast));
	EXPECT_FALSE(fsbpf::loads(kBackends[0], "raw_exit_vma", cast));
	EXPECT_TRUE(fsbpf::loads(kBackends[0], "raw_exit_novma", cast));

	FakeKernel with_find_vma({FSBPF_FEATURE_FIND_VMA});
	const fsbpf::plugin::Host vma(with_find_vma.table);
	EXPECT_FALSE(fsbpf::loads(kBackends[0], "raw_exit_cast", vma));
	EXPECT_TRUE(fsbpf::loads(kBackends[0], "raw_exit_core", vma));
	EXPECT_TRUE(fsbpf::loads(kBackends[0], "raw_exit_vma", vma));
	EXPECT_FALSE(fsbpf::loads(kBackends[0], "raw_exit_novma", vma));
	EXPECT_TRUE(fsbpf::loads(kBackends[0], "raw_exit", vma));
}

TEST(Backends, LoadAProgramOnlyWhenEveryOneOfItsSuffixesFits)
{
	FakeKernel with_both({FSBPF_FEATURE_RDONLY_CAST, FSBPF_FEATURE_FIND_VMA});
	const fsbpf::plugin::Host both(with_both.table);
	EXPECT_TRUE(fsbpf::loads(kBackends[0], "raw_exit_vma_cast", both));
	EXPECT_FALSE(fsbpf::loads(kBackends[0], "raw_exit_vma_core", both));
	EXPECT_FALSE(fsbpf::loads(kBackends[0], "raw_exit_novma_cast", both));

	FakeKernel with_find_vma({FSBPF_FEATURE_FIND_VMA});
	const fsbpf::plugin::Host vma(with_find_vma.table);
	EXPECT_FALSE(fsbpf::loads(kBackends[0], "raw_exit_vma_cast", vma));
	EXPECT_TRUE(fsbpf::loads(kBackends[0], "raw_exit_vma_core", vma));
	EXPECT_FALSE(fsbpf::loads(kBackends[0], "raw_exit_novma_core", vma));
}

TEST(Backends, AVariantsStemIsItsNameWithoutTheSuffix)
{
	EXPECT_EQ(fsbpf::variant_stem("fexit_msync_novma"), "fexit_msync");
	EXPECT_EQ(fsbpf::variant_stem("fexit_msync_vma"), "fexit_msync");
	EXPECT_EQ(fsbpf::variant_stem("raw_exit_cast"), "raw_exit");
	EXPECT_EQ(fsbpf::variant_stem("fexit_msync_novma_core"), "fexit_msync");
	EXPECT_EQ(fsbpf::variant_stem("fexit_sync"), "fexit_sync");
}

// fsbpf's own feature probes serve as a skeleton to own; nothing is loaded.
TEST(Skeletons, AnAttemptThatKeepsNoProgramFailsAndLeavesNothingOpen)
{
	FakeKernel kernel({});
	const fsbpf::plugin::Host host(kernel.table);
	fsbpf::Skeleton<probes_bpf, probes_bpf__open, probes_bpf__destroy> skel;
	bool configured = false;
	const int err = skel.attempt(
		host,
		[&](probes_bpf & /*skel*/) {
			configured = true;
			return 0;
		},
		[](std::string_view /*name*/) { return false; });
	EXPECT_EQ(err, -ENOENT);
	EXPECT_TRUE(configured);
	EXPECT_FALSE(skel);
}

TEST(Skeletons, AnAttemptStopsAtAConfigurationError)
{
	FakeKernel kernel({});
	const fsbpf::plugin::Host host(kernel.table);
	fsbpf::Skeleton<probes_bpf, probes_bpf__open, probes_bpf__destroy> skel;
	bool asked = false;
	const int err = skel.attempt(
		host, [](probes_bpf & /*skel*/) { return -E2BIG; },
		[&](std::string_view /*name*/) {
			asked = true;
			return true;
		});
	EXPECT_EQ(err, -E2BIG);
	EXPECT_FALSE(asked);
	EXPECT_FALSE(skel);
}

struct Tool {
	void add_options(fsbpf::plugin::Options & /*options*/) {}
	int run(fsbpf::plugin::Host & /*host*/) { return 0; }
};

constexpr auto kInfos = fsbpf::backend_infos(kBackends);
constexpr std::array<fsbpf_command, 1> kCommands = {
	fsbpf::plugin::make_command<Tool>("tool", "what it does", kInfos)};

TEST(PluginDescriptor, NamesThisAbiAndItsCommands)
{
	constexpr fsbpf_plugin plugin =
		fsbpf::plugin::make_plugin("tool", "1.0", "MIT", "a tool", kCommands);
	EXPECT_EQ(plugin.abi_major, FSBPF_ABI_MAJOR);
	EXPECT_EQ(plugin.abi_minor, FSBPF_ABI_MINOR);
	EXPECT_EQ(plugin.size, sizeof(fsbpf_plugin));
	EXPECT_EQ(plugin.command_size, sizeof(fsbpf_command));
	EXPECT_EQ(plugin.commands, kCommands.data());
	EXPECT_EQ(plugin.command_count, 1U);
	EXPECT_EQ(plugin.commands[0].backends, kInfos.data());
	EXPECT_EQ(plugin.commands[0].backend_count, 2U);
}

} // namespace
