/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The filters every tool offers, checked in BPF before any other work, so
 * that other processes cost a tool nothing but the check:
 *  - the process: -p PID, -c COMM;
 *  - the workload: --cgroup PATH (a cgroup2 directory and its descendants),
 *    --mntns ID, --containers-only (a mount or PID namespace other than the
 *    host's).
 * User space sets them before loading (fsbpf/filter.hpp); a workload filter
 * nobody asked for compiles to nothing, as the read-only data says it is off.
 */
#ifndef FSBPF_FILTER_BPF_H
#define FSBPF_FILTER_BPF_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#define FSBPF_COMM_LEN 16

const volatile __u32 target_tgid = 0;
const volatile char target_comm[FSBPF_COMM_LEN] = {};

const volatile bool target_cgroup = false; /* the cgroup is fsbpf_cgroup_filter[0] */
const volatile __u64 target_cgroup_id = 0; /* its id: its directory's inode number */
const volatile __u32 target_mntns = 0;
const volatile bool containers_only = false;
const volatile __u32 host_mntns = 0; /* PID 1's, for containers_only */

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} fsbpf_cgroup_filter SEC(".maps");

static __always_inline bool fsbpf_comm_matches(const char *comm)
{
	if (!target_comm[0])
		return true;
	for (int i = 0; i < FSBPF_COMM_LEN; i++) {
		if (comm[i] != target_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

/*
 * The inode number of the current task's mount namespace, as /proc/PID/ns/mnt
 * shows it: four plain loads through BTF (5.11+), else four probe reads.
 */
static __always_inline __u32 fsbpf_current_mntns(void)
{
	struct task_struct *task;

	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf))
		return bpf_get_current_task_btf()->nsproxy->mnt_ns->ns.inum;
	task = (struct task_struct *)bpf_get_current_task();
	return BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
}

#define FSBPF_CGROUP_WALK 8 /* levels compared by plain loads before the helper decides */

/* kernfs_node's parent before 6.15 renamed it. */
struct kernfs_node___parent {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

/* barrier_var: clang would otherwise load both names before the check. */
static __always_inline struct kernfs_node *fsbpf_kernfs_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(kn->__parent)) {
		barrier_var(kn);
		return kn->__parent;
	}
	barrier_var(kn);
	return ((struct kernfs_node___parent *)kn)->parent;
}

/*
 * Whether the current task is in the target cgroup or below it. Plain loads
 * up the first levels of the task's cgroup (5.11+) cost a few nanoseconds:
 * they climb the cgroup's kernfs directories, whose ids are the cgroups',
 * one load per level where struct cgroup's parents take two.
 * bpf_current_task_under_cgroup() added 40-50 ns a call on one CPU (6 on
 * another), so it only decides for deeper cgroups and on older kernels.
 */
static __always_inline bool fsbpf_in_target_cgroup(void)
{
	struct kernfs_node *dir;

	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf)) {
		dir = bpf_get_current_task_btf()->cgroups->dfl_cgrp->kn;
#pragma unroll
		for (int level = 0; level < FSBPF_CGROUP_WALK; level++) {
			if (!dir)
				return false;
			if (dir->id == target_cgroup_id)
				return true;
			dir = fsbpf_kernfs_parent(dir);
		}
		if (!dir)
			return false;
	}
	return bpf_current_task_under_cgroup(&fsbpf_cgroup_filter, 0) == 1;
}

/* Whether the current task belongs to the cgroup and namespaces asked for. */
static __always_inline bool fsbpf_traced_workload(void)
{
	struct task_struct *task;
	__u32 mntns;

	if (target_cgroup && !fsbpf_in_target_cgroup())
		return false;
	if (!target_mntns && !containers_only)
		return true;
	mntns = fsbpf_current_mntns();
	if (target_mntns && mntns != target_mntns)
		return false;
	if (!containers_only || mntns != host_mntns)
		return true;
	/* In a PID namespace of its own? */
	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf))
		return bpf_get_current_task_btf()->thread_pid->level > 0;
	task = (struct task_struct *)bpf_get_current_task();
	return BPF_CORE_READ(task, thread_pid, level) > 0;
}

/*
 * Whether the current task belongs to the process and workload asked for.
 * The exit of an entry/exit pair asks this before it looks for its entry,
 * which the entry stashed only after fsbpf_traced_process().
 */
static __always_inline bool fsbpf_traced_task(void)
{
	if (target_tgid && (bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return false;
	return fsbpf_traced_workload();
}

/* Reads the command only when -c asked for one: the helper costs tens of nanoseconds. */
static __always_inline bool fsbpf_current_comm_matches(void)
{
	char comm[FSBPF_COMM_LEN];

	if (!target_comm[0])
		return true;
	bpf_get_current_comm(comm, sizeof(comm));
	return fsbpf_comm_matches(comm);
}

/* Whether the current task belongs to the process, command and workload asked for. */
static __always_inline bool fsbpf_traced_process(void)
{
	return fsbpf_traced_task() && fsbpf_current_comm_matches();
}

#endif
