// SPDX-License-Identifier: GPL-2.0
/*
 * fscalls: counts each command's open, stat and unlink system calls in a
 * hash map that user space reads every interval. One program on the raw
 * sys_exit tracepoint, built twice: tp_btf (BTF-typed arguments) and raw_tp
 * (for kernels that refuse tp_btf). A call that finds the map full is
 * counted in table_full, never silently dropped.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "filter.bpf.h"
#include "syscall.bpf.h"
#include "fscalls.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FSCALLS_MAX_COMMS);
	__type(key, struct fscalls_key);
	__type(value, struct fscalls_counts);
} counts SEC(".maps");

__u64 table_full = 0;

static __always_inline int kind_of(long nr)
{
	switch (nr) {
	case FSBPF_NR_OPEN:
	case FSBPF_NR_CREAT:
	case FSBPF_NR_OPENAT:
	case FSBPF_NR_OPENAT2:
		return FSCALLS_OPEN;
	case FSBPF_NR_STAT:
	case FSBPF_NR_FSTAT:
	case FSBPF_NR_LSTAT:
	case FSBPF_NR_NEWFSTATAT:
	case FSBPF_NR_STATX:
		return FSCALLS_STAT;
	case FSBPF_NR_UNLINK:
	case FSBPF_NR_UNLINKAT:
		return FSCALLS_UNLINK;
	default:
		return -1;
	}
}

static __always_inline struct fscalls_counts *counts_of(const struct fscalls_key *key)
{
	static const struct fscalls_counts zero;
	struct fscalls_counts *found = bpf_map_lookup_elem(&counts, key);

	if (found)
		return found;
	bpf_map_update_elem(&counts, key, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&counts, key);
}

static __always_inline int count(const struct pt_regs *regs)
{
	int kind = kind_of(BPF_CORE_READ(regs, orig_ax));
	struct fscalls_key key = {};
	struct fscalls_counts *found;

	if ((unsigned int)kind >= FSCALLS_KIND__COUNT || !fsbpf_traced_process())
		return 0;
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	found = counts_of(&key);
	if (!found) {
		__sync_fetch_and_add(&table_full, 1);
		return 0;
	}
	__sync_fetch_and_add(&found->calls[kind], 1);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tp_btf_exit, struct pt_regs *regs, long ret)
{
	return count(regs);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(raw_tp_exit, struct pt_regs *regs, long ret)
{
	return count(regs);
}
