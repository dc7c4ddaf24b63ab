// SPDX-License-Identifier: GPL-2.0
#include "btf.hpp"
#include "features.hpp"

#include <bpf/btf.h>

#include <gtest/gtest.h>

#include <array>
#include <cerrno>
#include <optional>
#include <string>
#include <string_view>

namespace {

// Answers from a table instead of the kernel, counting each probe.
class CountingFeatures : public fsbpf::Features {
public:
	using Features::Features;

	std::array<int, FSBPF_ATTACH__COUNT> attach_probes{};
	std::array<int, FSBPF_FEATURE__COUNT> feature_probes{};

protected:
	int probe_attach(fsbpf_attach attach) override
	{
		attach_probes.at(attach)++;
		return attach == FSBPF_ATTACH_FENTRY ? -EOPNOTSUPP : 0;
	}
	int probe_feature(fsbpf_feature feature) override
	{
		feature_probes.at(feature)++;
		return feature == FSBPF_FEATURE_FIND_VMA ? -ENOENT : 0;
	}
};

fsbpf::Disabled disabled(std::string_view names)
{
	std::string unknown;
	return fsbpf::parse_disabled(names, unknown).value();
}

TEST(Features, ProbesEachAttachTypeOnce)
{
	CountingFeatures features;
	EXPECT_EQ(features.attach(FSBPF_ATTACH_FENTRY), -EOPNOTSUPP);
	EXPECT_EQ(features.attach(FSBPF_ATTACH_FENTRY), -EOPNOTSUPP);
	EXPECT_EQ(features.attach(FSBPF_ATTACH_KPROBE), 0);
	EXPECT_EQ(features.attach(FSBPF_ATTACH_KPROBE), 0);
	EXPECT_EQ(features.attach_probes[FSBPF_ATTACH_FENTRY], 1);
	EXPECT_EQ(features.attach_probes[FSBPF_ATTACH_KPROBE], 1);
	EXPECT_EQ(features.attach_probes[FSBPF_ATTACH_FEXIT], 0);
}

TEST(Features, ProbesEachFeatureOnce)
{
	CountingFeatures features;
	EXPECT_EQ(features.feature(FSBPF_FEATURE_FIND_VMA), -ENOENT);
	EXPECT_EQ(features.feature(FSBPF_FEATURE_FIND_VMA), -ENOENT);
	EXPECT_EQ(features.feature(FSBPF_FEATURE_RINGBUF), 0);
	EXPECT_EQ(features.feature_probes[FSBPF_FEATURE_FIND_VMA], 1);
	EXPECT_EQ(features.feature_probes[FSBPF_FEATURE_RINGBUF], 1);
}

TEST(Features, DisabledNamesFailWithoutProbing)
{
	CountingFeatures features(disabled("kprobe,ringbuf"));
	EXPECT_EQ(features.attach(FSBPF_ATTACH_KPROBE), -EPERM);
	EXPECT_EQ(features.feature(FSBPF_FEATURE_RINGBUF), -EPERM);
	EXPECT_EQ(features.attach_probes[FSBPF_ATTACH_KPROBE], 0);
	EXPECT_EQ(features.feature_probes[FSBPF_FEATURE_RINGBUF], 0);
}

TEST(Features, DisablingMatchesWholeNamesOnly)
{
	CountingFeatures features(disabled("kprobe,ringbuf"));
	EXPECT_EQ(features.attach(FSBPF_ATTACH_KRETPROBE), 0);
	EXPECT_EQ(features.feature(FSBPF_FEATURE_PERFBUF), 0);
	EXPECT_EQ(features.attach_probes[FSBPF_ATTACH_KRETPROBE], 1);
	EXPECT_EQ(features.feature_probes[FSBPF_FEATURE_PERFBUF], 1);
}

TEST(Disabled, NamesAttachTypesAndFeaturesAndNothingElse)
{
	std::string unknown;
	const std::optional<fsbpf::Disabled> both =
		fsbpf::parse_disabled(",tp_btf,,d_path,", unknown);
	ASSERT_TRUE(both);
	EXPECT_EQ(both->attach.count(), 1U);
	EXPECT_TRUE(both->attach.test(FSBPF_ATTACH_TP_BTF));
	EXPECT_EQ(both->feature.count(), 1U);
	EXPECT_TRUE(both->feature.test(FSBPF_FEATURE_D_PATH));
	EXPECT_EQ(fsbpf::parse_disabled("", unknown)->attach.count(), 0U);
	for (const std::string bad : {"kprob", "kprobe ", "KPROBE", "kprobe;fentry"}) {
		EXPECT_EQ(fsbpf::parse_disabled("fentry," + bad, unknown), std::nullopt) << bad;
		EXPECT_EQ(unknown, bad);
	}
}

TEST(AttachNames, RoundTripThroughTheirNames)
{
	EXPECT_EQ(fsbpf::attach_from_name("tp_btf"), std::optional(FSBPF_ATTACH_TP_BTF));
	EXPECT_EQ(fsbpf::attach_name(FSBPF_ATTACH_TP_BTF), "tp_btf");
	for (int i = 0; i < FSBPF_ATTACH__COUNT; i++) {
		const auto attach = static_cast<fsbpf_attach>(i);
		EXPECT_EQ(fsbpf::attach_from_name(fsbpf::attach_name(attach)),
			  std::optional(attach));
	}
}

TEST(AttachNames, UnknownNamesHaveNoAttachType)
{
	EXPECT_EQ(fsbpf::attach_from_name("tp"), std::nullopt);
	EXPECT_EQ(fsbpf::attach_from_name("fentry "), std::nullopt);
	EXPECT_EQ(fsbpf::attach_from_name(""), std::nullopt);
}

TEST(FeatureNames, MatchTheDisableKnob)
{
	EXPECT_EQ(fsbpf::feature_name(FSBPF_FEATURE_RINGBUF), "ringbuf");
	EXPECT_EQ(fsbpf::feature_name(FSBPF_FEATURE_RDONLY_CAST), "rdonly_cast");
	EXPECT_EQ(fsbpf::feature_name(FSBPF_FEATURE_D_PATH), "d_path");
}

// struct task { int flags; int pid; } and int wake(struct task *).
struct btf *task_btf()
{
	struct btf *btf = btf__new_empty();
	const int integer = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	const int task = btf__add_struct(btf, "task", 8);
	btf__add_field(btf, "flags", integer, 0, 0);
	btf__add_field(btf, "pid", integer, 32, 0);
	const int pointer = btf__add_ptr(btf, task);
	const int proto = btf__add_func_proto(btf, integer);
	btf__add_func_param(btf, "task", pointer);
	btf__add_func(btf, "wake", BTF_FUNC_GLOBAL, proto);
	return btf;
}

TEST(KernelBtf, FindsIdsOfTheKindAsked)
{
	const fsbpf::KernelBtf btf(task_btf());
	EXPECT_EQ(btf.id_of("task", BTF_KIND_STRUCT), std::optional(2U));
	EXPECT_EQ(btf.id_of("task", BTF_KIND_FUNC), std::nullopt);
	EXPECT_EQ(btf.id_of("wake", BTF_KIND_FUNC), std::optional(5U));
	EXPECT_EQ(btf.id_of("sleep", BTF_KIND_FUNC), std::nullopt);
	EXPECT_TRUE(btf.has_func("wake"));
	EXPECT_TRUE(btf.has_struct("task"));
}

TEST(KernelBtf, AsksAgainAndGetsTheSameAnswers)
{
	const fsbpf::KernelBtf btf(task_btf());
	for (int round = 0; round < 2; round++) {
		EXPECT_EQ(btf.id_of("task", BTF_KIND_STRUCT), std::optional(2U));
		EXPECT_EQ(btf.id_of("task", BTF_KIND_FUNC), std::nullopt);
		EXPECT_EQ(btf.param_types("wake"),
			  std::optional(std::vector<std::string>{"struct task *"}));
		EXPECT_EQ(btf.param_types("sleep"), std::nullopt);
	}
}

// A tracepoint as vmlinux BTF has it: typedef void (*btf_trace_wake)(void *, struct task *).
TEST(KernelBtf, ReadsTracepointParametersFromTheirTypedef)
{
	struct btf *raw = task_btf();
	const int void_pointer = btf__add_ptr(raw, 0);
	const int task_pointer =
		btf__add_ptr(raw, btf__find_by_name_kind(raw, "task", BTF_KIND_STRUCT));
	const int proto = btf__add_func_proto(raw, 0);
	btf__add_func_param(raw, "__data", void_pointer);
	btf__add_func_param(raw, "task", task_pointer);
	btf__add_typedef(raw, "btf_trace_wake", btf__add_ptr(raw, proto));
	const fsbpf::KernelBtf btf(raw);
	EXPECT_EQ(btf.param_types("btf_trace_wake"),
		  std::optional(std::vector<std::string>{"void *", "struct task *"}));
	EXPECT_EQ(btf.param_complete("btf_trace_wake", 1), std::optional(true));
	EXPECT_EQ(btf.param_types("btf_trace_sleep"), std::nullopt);
}

// The kernel lets tracing programs tail-call each other only between
// functions of one prototype; a parameter's name is part of it.
TEST(KernelBtf, GivesEachFunctionItsPrototype)
{
	struct btf *raw = task_btf();
	const int task_pointer = btf__find_by_name_kind(raw, "task", BTF_KIND_STRUCT) + 1;
	btf__add_func(raw, "nap", BTF_FUNC_GLOBAL,
		      btf__find_by_name_kind(raw, "wake", BTF_KIND_FUNC) - 1);
	const int unnamed =
		btf__add_func_proto(raw, btf__find_by_name_kind(raw, "int", BTF_KIND_INT));
	btf__add_func_param(raw, "__unused", task_pointer);
	btf__add_func(raw, "sleep", BTF_FUNC_GLOBAL, unnamed);
	const fsbpf::KernelBtf btf(raw);
	ASSERT_TRUE(btf.func_proto_id("wake").has_value());
	EXPECT_EQ(btf.func_proto_id("nap"), btf.func_proto_id("wake"));
	EXPECT_EQ(btf.func_proto_id("sleep"), std::optional(static_cast<unsigned int>(unnamed)));
	EXPECT_NE(btf.func_proto_id("sleep"), btf.func_proto_id("wake"));
	EXPECT_EQ(btf.func_proto_id("task"), std::nullopt);
	EXPECT_EQ(btf.func_proto_id("yawn"), std::nullopt);
}

TEST(KernelBtf, GivesMemberOffsetsInBytes)
{
	const fsbpf::KernelBtf btf(task_btf());
	EXPECT_EQ(btf.member_offset("task", "flags"), std::optional(0U));
	EXPECT_EQ(btf.member_offset("task", "pid"), std::optional(4U));
	EXPECT_EQ(btf.member_offset("task", "tgid"), std::nullopt);
	EXPECT_EQ(btf.member_offset("wake", "pid"), std::nullopt);
}

} // namespace
