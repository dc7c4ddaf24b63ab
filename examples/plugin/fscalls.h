/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* fscalls: what its BPF and user-space halves share. */
#ifndef FSCALLS_H
#define FSCALLS_H

#ifndef __VMLINUX_H__ /* user space; BPF gets the types from vmlinux.h */
#include <linux/types.h>
#endif

#define FSCALLS_COMM_LEN  16
#define FSCALLS_MAX_COMMS 1024

enum fscalls_kind {
	FSCALLS_OPEN = 0, /* open, creat, openat, openat2 */
	FSCALLS_STAT,     /* stat, fstat, lstat, newfstatat, statx */
	FSCALLS_UNLINK,   /* unlink, unlinkat */
	FSCALLS_KIND__COUNT,
};

struct fscalls_key {
	char comm[FSCALLS_COMM_LEN];
};

/* Since tracing started: user space prints the difference each interval. */
struct fscalls_counts {
	__u64 calls[FSCALLS_KIND__COUNT];
};

#endif
