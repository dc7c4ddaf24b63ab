/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A file's path as BPF captures it: the names from the file up to the root of
 * the mount tree, leaf first, each NUL-terminated. User space reverses them
 * (fsbpf/path.hpp). Shared by the BPF and user-space halves of every tool.
 */
#ifndef FSBPF_BPF_PATH_H
#define FSBPF_BPF_PATH_H

#ifndef __VMLINUX_H__ /* user space; BPF gets the types from vmlinux.h */
#include <linux/types.h>
#endif

#define FSBPF_NAME_MAX   256 /* NAME_MAX + NUL */
#define FSBPF_PATH_BYTES 4096
#define FSBPF_PATH_DEPTH 48 /* names and mount crossings walked at most */

enum fsbpf_path_flags {
	FSBPF_PATH_PRESENT = 1,     /* a file was found; otherwise the path is "-" */
	FSBPF_PATH_TRUNCATED = 2,   /* the root was not reached: the path is a tail */
	FSBPF_PATH_KERNEL_NAME = 4, /* a pipe, socket or anonymous inode: its one name is
				     * the kernel's, e.g. "pipe:[1234]", shown as it is */
	FSBPF_PATH_DELETED = 8,     /* an unlinked file on no mount's tree (memfd,
				     * shared anonymous memory): shown with " (deleted)" */
};

/* What a walk found; the names themselves go wherever the caller keeps them. */
struct fsbpf_path_meta {
	__u32 len;   /* bytes used in names */
	__u16 depth; /* number of names */
	__u16 flags;
};

/* Its first fields are those of struct fsbpf_path_meta, in the same order. */
struct fsbpf_path {
	__u32 len;   /* bytes used in names */
	__u16 depth; /* number of names */
	__u16 flags;
	char names[FSBPF_PATH_BYTES];
};

#endif
