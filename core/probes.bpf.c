// SPDX-License-Identifier: GPL-2.0
/*
 * Smallest programs of each attach type. The host loads and attaches one at a
 * time to learn what really works on this kernel: the helper-probe API of
 * libbpf answers yes for attach types that this kernel then refuses.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

SEC("fentry/vfs_read")
int BPF_PROG(probe_fentry)
{
	return 0;
}

SEC("fexit/vfs_read")
int BPF_PROG(probe_fexit)
{
	return 0;
}

SEC("kprobe/vfs_read")
int BPF_KPROBE(probe_kprobe)
{
	return 0;
}

SEC("kretprobe/vfs_read")
int BPF_KRETPROBE(probe_kretprobe)
{
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(probe_tp_btf)
{
	return 0;
}

SEC("raw_tp/sys_enter")
int probe_raw_tp(void *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int probe_tracepoint(void *ctx)
{
	return 0;
}

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
