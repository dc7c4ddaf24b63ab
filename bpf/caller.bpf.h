/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Who calls, for every tool's record: fields pid, tid, mntns, cgroup_id and
 * comm of any struct. A direct build (bpf_rdonly_cast kernels, see
 * bpf/path.bpf.h) reads the task through BTF: one helper call instead of
 * four, and bpf_get_current_comm() alone cost about 60 ns here.
 */
#ifndef FSBPF_CALLER_BPF_H
#define FSBPF_CALLER_BPF_H

#include <bpf/bpf_helpers.h>

#include "filter.bpf.h"
#include "path.bpf.h"

#define FSBPF_SET_CALLER(record, direct)                                                       \
	do {                                                                                   \
		if (direct) {                                                                  \
			struct task_struct *task_ = fsbpf_current_task(true);                  \
			(record)->pid = task_->tgid;                                           \
			(record)->tid = task_->pid;                                            \
			(record)->mntns = task_->nsproxy->mnt_ns->ns.inum;                     \
			__builtin_memcpy((record)->comm, task_->comm, sizeof((record)->comm)); \
		} else {                                                                       \
			__u64 pid_tgid_ = bpf_get_current_pid_tgid();                          \
			(record)->pid = pid_tgid_ >> 32;                                       \
			(record)->tid = (__u32)pid_tgid_;                                      \
			(record)->mntns = fsbpf_current_mntns();                               \
			bpf_get_current_comm((record)->comm, sizeof((record)->comm));          \
		}                                                                              \
		(record)->cgroup_id = bpf_get_current_cgroup_id();                             \
	} while (0)

#endif
