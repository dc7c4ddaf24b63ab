// SPDX-License-Identifier: GPL-2.0
#include "raw_probes.hpp"

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include <linux/bpf.h>
#include <linux/perf_event.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace fsbpf {
namespace {

constexpr const char *kTracedFunction = "vfs_read";
constexpr const char *kTracedTracepoint = "sys_enter";
constexpr const char *kTracepointId = "/sys/kernel/tracing/events/syscalls/sys_enter_getppid/id";
constexpr const char *kKprobePmu = "/sys/bus/event_source/devices/kprobe/";

constexpr bpf_insn instruction(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	bpf_insn insn{};
	insn.code = code;
	insn.dst_reg = dst & 0xf;
	insn.src_reg = src & 0xf;
	insn.off = off;
	insn.imm = imm;
	return insn;
}

constexpr bpf_insn move_imm(uint8_t dst, int32_t imm)
{
	return instruction(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
}

constexpr bpf_insn move_reg(uint8_t dst, uint8_t src)
{
	return instruction(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0);
}

constexpr bpf_insn call_helper(int32_t helper)
{
	return instruction(BPF_JMP | BPF_CALL, 0, 0, 0, helper);
}

constexpr bpf_insn call_kfunc(int32_t btf_id)
{
	return instruction(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, btf_id);
}

constexpr bpf_insn load_word(uint8_t dst, uint8_t src, int16_t off)
{
	return instruction(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0);
}

constexpr std::array<bpf_insn, 2> kReturnZero = {move_imm(BPF_REG_0, 0),
						 instruction(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)};

UniqueFd load(bpf_prog_type type, const bpf_insn *insns, size_t count,
	      bpf_attach_type attach_type = {}, unsigned int attach_btf_id = 0)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach_type,
		    .attach_btf_id = attach_btf_id);
	return UniqueFd(bpf_prog_load(type, nullptr, "GPL", insns, count, &opts));
}

UniqueFd load_empty(bpf_prog_type type, bpf_attach_type attach_type = {},
		    unsigned int attach_btf_id = 0)
{
	return load(type, kReturnZero.data(), kReturnZero.size(), attach_type, attach_btf_id);
}

std::optional<unsigned long long> read_number(const std::string &path, const char *prefix = "")
{
	std::ifstream in(path);
	std::string text;
	if (!(in >> text) || text.rfind(prefix, 0) != 0)
		return std::nullopt;
	try {
		return std::stoull(text.substr(std::string_view(prefix).size()));
	} catch (const std::exception &) {
		return std::nullopt;
	}
}

// Keeps the program attached through `attachment`: 0 or a negative errno.
int keep(UniqueFd attachment, LinkReleaser &attached)
{
	if (!attachment)
		return errno_or(-EINVAL);
	attached.release(std::move(attachment));
	return 0;
}

// fentry, fexit and tp_btf: programs that name their target by BTF id.
int attach_traced(bpf_attach_type type, std::optional<unsigned int> target, LinkReleaser &attached)
{
	if (!target)
		return -ENOENT;
	const UniqueFd prog = load_empty(BPF_PROG_TYPE_TRACING, type, *target);
	if (!prog)
		return errno_or(-EINVAL);
	return keep(UniqueFd(bpf_raw_tracepoint_open(nullptr, prog.get())), attached);
}

int attach_raw_tracepoint(LinkReleaser &attached)
{
	const UniqueFd prog = load_empty(BPF_PROG_TYPE_RAW_TRACEPOINT);
	if (!prog)
		return errno_or(-EINVAL);
	return keep(UniqueFd(bpf_raw_tracepoint_open(kTracedTracepoint, prog.get())), attached);
}

// tracepoint, kprobe and kretprobe: a perf event that runs the program.
int attach_perf_event(bpf_prog_type type, perf_event_attr &attr, LinkReleaser &attached)
{
	const UniqueFd prog = load_empty(type);
	if (!prog)
		return errno_or(-EINVAL);
	attr.size = sizeof(attr);
	UniqueFd event(static_cast<int>(
		syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC)));
	if (!event)
		return errno_or(-EINVAL);
	if (ioctl(event.get(), PERF_EVENT_IOC_SET_BPF, prog.get()) < 0 ||
	    ioctl(event.get(), PERF_EVENT_IOC_ENABLE, 0) < 0)
		return errno_or(-EINVAL);
	return keep(std::move(event), attached);
}

int attach_tracepoint(LinkReleaser &attached)
{
	const std::optional<unsigned long long> id = read_number(kTracepointId);
	if (!id)
		return -ENOENT;
	perf_event_attr attr{};
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.config = *id;
	return attach_perf_event(BPF_PROG_TYPE_TRACEPOINT, attr, attached);
}

int attach_kprobe(bool retprobe, LinkReleaser &attached)
{
	const std::optional<unsigned long long> pmu = read_number(std::string(kKprobePmu) + "type");
	if (!pmu)
		return -ENOENT;
	perf_event_attr attr{};
	attr.type = static_cast<uint32_t>(*pmu);
	attr.config1 = reinterpret_cast<uintptr_t>(kTracedFunction);
	if (retprobe) {
		const std::optional<unsigned long long> bit =
			read_number(std::string(kKprobePmu) + "format/retprobe", "config:");
		if (!bit || *bit >= 64)
			return -ENOENT;
		attr.config = 1ULL << *bit;
	}
	return attach_perf_event(BPF_PROG_TYPE_KPROBE, attr, attached);
}

// The typedef that names sys_enter's BTF-typed tracepoint.
std::optional<unsigned int> sys_enter_id(const KernelBtf &btf)
{
	return btf.id_of(std::string("btf_trace_") + kTracedTracepoint, BTF_KIND_TYPEDEF);
}

} // namespace

int errno_or(int fallback)
{
	return errno ? -errno : fallback;
}

int raw_probe_attach(fsbpf_attach attach, const KernelBtf &btf, LinkReleaser &attached)
{
	errno = 0;
	switch (attach) {
	case FSBPF_ATTACH_FENTRY:
		return attach_traced(BPF_TRACE_FENTRY, btf.id_of(kTracedFunction, BTF_KIND_FUNC),
				     attached);
	case FSBPF_ATTACH_FEXIT:
		return attach_traced(BPF_TRACE_FEXIT, btf.id_of(kTracedFunction, BTF_KIND_FUNC),
				     attached);
	case FSBPF_ATTACH_TP_BTF:
		return attach_traced(BPF_TRACE_RAW_TP, sys_enter_id(btf), attached);
	case FSBPF_ATTACH_RAW_TP:
		return attach_raw_tracepoint(attached);
	case FSBPF_ATTACH_TRACEPOINT:
		return attach_tracepoint(attached);
	case FSBPF_ATTACH_KPROBE:
	case FSBPF_ATTACH_KRETPROBE:
		return attach_kprobe(attach == FSBPF_ATTACH_KRETPROBE, attached);
	case FSBPF_ATTACH__COUNT:
		break;
	}
	return -EINVAL;
}

int raw_probe_rdonly_cast(const KernelBtf &btf)
{
	const std::optional<unsigned int> kfunc = btf.id_of("bpf_rdonly_cast", BTF_KIND_FUNC);
	const std::optional<unsigned int> task = btf.id_of("task_struct", BTF_KIND_STRUCT);
	const std::optional<unsigned int> pid = btf.member_offset("task_struct", "pid");
	const std::optional<unsigned int> sys_enter = sys_enter_id(btf);
	if (!kfunc || !task || !pid || !sys_enter)
		return -ENOENT;
	const std::array<bpf_insn, 7> insns = {
		call_helper(BPF_FUNC_get_current_task_btf),
		move_reg(BPF_REG_1, BPF_REG_0),
		move_imm(BPF_REG_2, static_cast<int32_t>(*task)),
		call_kfunc(static_cast<int32_t>(*kfunc)),
		load_word(BPF_REG_0, BPF_REG_0, static_cast<int16_t>(*pid)),
		kReturnZero[0],
		kReturnZero[1],
	};
	errno = 0;
	const UniqueFd prog = load(BPF_PROG_TYPE_TRACING, insns.data(), insns.size(),
				   BPF_TRACE_RAW_TP, *sys_enter);
	return prog ? 0 : errno_or(-EINVAL);
}

} // namespace fsbpf
