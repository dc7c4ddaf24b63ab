// SPDX-License-Identifier: GPL-2.0
/*
 * A separate object because libbpf 1.1 resolves every kfunc extern of an
 * object at load time: kernels without bpf_rdonly_cast must still load the
 * other probes.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

extern void *bpf_rdonly_cast(void *obj, __u32 btf_id) __ksym;

SEC("tp_btf/sys_enter")
int BPF_PROG(probe_rdonly_cast)
{
	struct task_struct *task = bpf_rdonly_cast(bpf_get_current_task_btf(),
						   bpf_core_type_id_kernel(struct task_struct));

	return task->pid == 0;
}

char LICENSE[] SEC("license") = "GPL";
