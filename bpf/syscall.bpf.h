/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Contexts of the classic syscalls:sys_enter_* and sys_exit_* tracepoints,
 * and the system call numbers the raw ones report.
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

/*
 * x86-64 system call numbers, as the raw sys_enter and sys_exit tracepoints
 * report them (BTF has no __NR_ constants): those fsbpf's tools filter by.
 */
enum fsbpf_syscall_nr {
	FSBPF_NR_READ = 0,
	FSBPF_NR_WRITE = 1,
	FSBPF_NR_OPEN = 2,
	FSBPF_NR_STAT = 4,
	FSBPF_NR_FSTAT = 5,
	FSBPF_NR_LSTAT = 6,
	FSBPF_NR_PREAD64 = 17,
	FSBPF_NR_PWRITE64 = 18,
	FSBPF_NR_READV = 19,
	FSBPF_NR_WRITEV = 20,
	FSBPF_NR_MSYNC = 26,
	FSBPF_NR_SENDFILE = 40,
	FSBPF_NR_FSYNC = 74,
	FSBPF_NR_FDATASYNC = 75,
	FSBPF_NR_RENAME = 82,
	FSBPF_NR_RMDIR = 84,
	FSBPF_NR_CREAT = 85,
	FSBPF_NR_LINK = 86,
	FSBPF_NR_UNLINK = 87,
	FSBPF_NR_MKNOD = 133,
	FSBPF_NR_SYNC = 162,
	FSBPF_NR_OPENAT = 257,
	FSBPF_NR_MKNODAT = 259,
	FSBPF_NR_NEWFSTATAT = 262,
	FSBPF_NR_UNLINKAT = 263,
	FSBPF_NR_RENAMEAT = 264,
	FSBPF_NR_LINKAT = 265,
	FSBPF_NR_SPLICE = 275,
	FSBPF_NR_SYNC_FILE_RANGE = 277,
	FSBPF_NR_PREADV = 295,
	FSBPF_NR_PWRITEV = 296,
	FSBPF_NR_SYNCFS = 306,
	FSBPF_NR_RENAMEAT2 = 316,
	FSBPF_NR_COPY_FILE_RANGE = 326,
	FSBPF_NR_PREADV2 = 327,
	FSBPF_NR_PWRITEV2 = 328,
	FSBPF_NR_STATX = 332,
	FSBPF_NR_OPENAT2 = 437,
};

struct sys_exit_ctx {
	struct trace_entry ent;
	int nr;
	long ret;
};

#endif
