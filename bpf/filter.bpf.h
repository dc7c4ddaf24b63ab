/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The process filter every tool offers (-p PID, -c COMM), checked in BPF
 * before any other work, so that other processes cost a tool nothing but the
 * check. User space sets the two before loading.
 */
#ifndef FSBPF_FILTER_BPF_H
#define FSBPF_FILTER_BPF_H

#include <bpf/bpf_helpers.h>

#define FSBPF_COMM_LEN 16

const volatile __u32 target_tgid = 0;
const volatile char target_comm[FSBPF_COMM_LEN] = {};

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

/* Whether the current task belongs to the process and command asked for. */
static __always_inline bool fsbpf_traced_process(void)
{
	char comm[FSBPF_COMM_LEN];

	if (target_tgid && (bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return false;
	if (!target_comm[0])
		return true;
	bpf_get_current_comm(comm, sizeof(comm));
	return fsbpf_comm_matches(comm);
}

#endif
