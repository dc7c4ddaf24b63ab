/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Contexts of the classic syscalls:sys_enter_* and sys_exit_* tracepoints.
 * A program may read only the arguments its call has: reading past them
 * makes the kernel refuse the attachment with EACCES.
 */
#ifndef FSBPF_SYSCALL_BPF_H
#define FSBPF_SYSCALL_BPF_H

struct sys_enter_ctx {
	struct trace_entry ent;
	int nr;
	unsigned long args[6];
};

struct sys_exit_ctx {
	struct trace_entry ent;
	int nr;
	long ret;
};

#endif
