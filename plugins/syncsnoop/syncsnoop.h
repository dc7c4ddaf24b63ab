/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* syncsnoop: what its BPF and user-space halves share. */
#ifndef FSBPF_SYNCSNOOP_H
#define FSBPF_SYNCSNOOP_H

#include <fsbpf/path.h>

#define SYNCSNOOP_COMM_LEN     16
#define SYNCSNOOP_MAX_INFLIGHT 10240
#define SYNCSNOOP_MAX_PATHS    10240 /* files whose path BPF remembers sending */

/* io_uring's IORING_FSYNC_DATASYNC, and REQ_F_FIXED_FILE (IOSQE_FIXED_FILE's bit). */
#define SYNCSNOOP_FSYNC_DATASYNC 1
#define SYNCSNOOP_REQ_FIXED_FILE 1

enum syncsnoop_event_flags {
	SYNCSNOOP_IO_URING = 1, /* an io_uring request, not a system call */
};

enum sync_call {
	SYNC_CALL_SYNC = 0,
	SYNC_CALL_SYNCFS,
	SYNC_CALL_FSYNC,
	SYNC_CALL_FDATASYNC,
	SYNC_CALL_SYNC_FILE_RANGE,
	SYNC_CALL_MSYNC,
	SYNC_CALL__COUNT,
};

/*
 * A file as the kernel holds it open (its struct path): BPF sends a file's
 * path once per path epoch, and later events of the epoch only this.
 */
struct syncsnoop_file {
	__u64 mnt;    /* struct vfsmount * */
	__u64 dentry; /* struct dentry * */
};

struct syncsnoop_event {
	__u64 start_ns; /* CLOCK_MONOTONIC */
	__u64 latency_ns;
	__s64 ret;
	__u32 pid;
	__u32 tid;
	__u32 call;      /* enum sync_call */
	__s32 fd;        /* -1 when the call takes none */
	__u64 addr;      /* msync's start address */
	__u64 cgroup_id; /* on the unified hierarchy */
	__u32 mntns;     /* the inode number of the caller's mount namespace */
	__u32 path_epoch;
	struct syncsnoop_file file; /* zero when the call has no file */
	__u32 path_sent;            /* 1: path is empty, an earlier event of path_epoch had it */
	__u32 flags;                /* enum syncsnoop_event_flags */
	char comm[SYNCSNOOP_COMM_LEN];
	struct fsbpf_path path;
};

#endif
