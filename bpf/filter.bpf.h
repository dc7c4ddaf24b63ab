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

/* The inode number of the current task's mount namespace, as /proc/PID/ns/mnt shows it. */
static __always_inline __u32 fsbpf_current_mntns(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
}

/* Whether the current task belongs to the cgroup and namespaces asked for. */
static __always_inline bool fsbpf_traced_workload(void)
{
	struct task_struct *task;
	__u32 mntns;

	if (target_cgroup && bpf_current_task_under_cgroup(&fsbpf_cgroup_filter, 0) != 1)
		return false;
	if (!target_mntns && !containers_only)
		return true;
	mntns = fsbpf_current_mntns();
	if (target_mntns && mntns != target_mntns)
		return false;
	if (!containers_only || mntns != host_mntns)
		return true;
	task = (struct task_struct *)bpf_get_current_task();
	return BPF_CORE_READ(task, thread_pid, level) > 0; /* in a PID namespace of its own */
}

/* Whether the current task belongs to the process, command and workload asked for. */
static __always_inline bool fsbpf_traced_process(void)
{
	char comm[FSBPF_COMM_LEN];

	if (target_tgid && (bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return false;
	if (!fsbpf_traced_workload())
		return false;
	if (!target_comm[0])
		return true;
	bpf_get_current_comm(comm, sizeof(comm));
	return fsbpf_comm_matches(comm);
}

#endif
