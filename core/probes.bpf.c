// SPDX-License-Identifier: GPL-2.0
/*
 * The probes that need a callback or a BTF-typed context, which libbpf
 * describes to the kernel: the others load without an object (raw_probes.cpp).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

static long no_vma(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	return 0;
}

SEC("raw_tp/sys_enter")
int probe_find_vma(void *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();

	bpf_find_vma(task, 0, no_vma, NULL, 0);
	return 0;
}

SEC("iter/task_file")
int probe_d_path(struct bpf_iter__task_file *ctx)
{
	char path[64];
	struct file *file = ctx->file;

	if (file)
		bpf_d_path((struct path *)&file->f_path, path, sizeof(path));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
