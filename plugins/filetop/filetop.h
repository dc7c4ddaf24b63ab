/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * filetop: what its BPF and user-space halves share.
 *
 * Counting is double-buffered by epoch. The BPF side adds each call to a
 * per-CPU pending cache (struct filetop_set), a set of ways chosen by a hash
 * of the file and thread, and moves a way's counts into the epoch's hash map
 * (filetop_key -> filetop_counts) only when the way goes to another file or
 * thread. A loop over up to about a hundred files costs no map update per
 * call; a call on a file its set has no way for goes straight to the map.
 * User space flips the epoch, waits for every program that may still use the
 * old one, then reads and clears the old epoch's map and cache.
 */
#ifndef FSBPF_FILETOP_H
#define FSBPF_FILETOP_H

#include <fsbpf/path.h>

#define FILETOP_COMM_LEN  16
#define FILETOP_MAX_FILES 10240
#define FILETOP_EPOCHS    2

/* The read and write family; backends with a program per call give each its own sets. */
enum filetop_call {
	FILETOP_READ = 0,
	FILETOP_WRITE,
	FILETOP_PREAD64,
	FILETOP_PWRITE64,
	FILETOP_READV,
	FILETOP_WRITEV,
	FILETOP_PREADV,
	FILETOP_PWRITEV,
	FILETOP_PREADV2,
	FILETOP_PWRITEV2,
	FILETOP_SENDFILE,        /* reads in_fd, writes out_fd */
	FILETOP_SPLICE,          /* reads fd_in, writes fd_out */
	FILETOP_COPY_FILE_RANGE, /* reads fd_in, writes fd_out */
	FILETOP_CALL__COUNT,
};
/* io_uring's read and write requests, at completion: sets of their own too. */
#define FILETOP_IO_URING FILETOP_CALL__COUNT

/*
 * The pending cache of one epoch on one CPU: FILETOP_SETS sets of FILETOP_WAYS
 * ways. A backend with one program per call gives each call
 * FILETOP_SETS_PER_CALL sets of its own, so that programs that may preempt
 * each other never share a way; tp_btf's one program hashes over the sets of
 * all calls. io_uring's program has the sets after those.
 */
#define FILETOP_SETS          128
#define FILETOP_SETS_PER_CALL 8
#define FILETOP_WAYS          2
#define FILETOP_SYSCALL_SETS  (FILETOP_CALL__COUNT * FILETOP_SETS_PER_CALL)

/* How a row's calls came: its key's `via`. */
enum filetop_via {
	FILETOP_VIA_SYSCALL = 0,
	FILETOP_VIA_IO_URING,
};

enum filetop_type {
	FILETOP_TYPE_REGULAR = 'R',
	FILETOP_TYPE_SOCKET = 'S',
	FILETOP_TYPE_OTHER = 'O',
};

/* ino and gen: a file whose inode number a deleted file had is another row. */
struct filetop_key {
	__u64 ino;
	__u32 dev; /* the kernel's encoding: major << 20 | minor */
	__u32 tid;
	__u32 gen; /* i_generation */
	__u32 via; /* enum filetop_via */
};

struct filetop_counts {
	__u64 reads;
	__u64 writes;
	__u64 rbytes;
	__u64 wbytes;
};

enum filetop_pending_state {
	FILETOP_PENDING_EMPTY = 0,
	FILETOP_PENDING_TRACKED,  /* its key has an entry in the epoch's map */
	FILETOP_PENDING_OVERFLOW, /* the map was full: counted as overflow */
	FILETOP_PENDING_IGNORED,  /* filtered out (comm) */
};

/* One way of a set: a file and thread's calls not yet added to the epoch's map. */
struct filetop_pending {
	__u64 inode; /* kernel address: identity only, with ino against reuse */
	struct filetop_key key;
	struct filetop_counts counts;
	__u32 state; /* enum filetop_pending_state */
	__u32 pad;
};

/* A set of the pending cache, one map value: its ways are found by one lookup. */
struct filetop_set {
	struct filetop_pending ways[FILETOP_WAYS];
	__u32 recent; /* the way that took the last call */
	__u32 missed; /* the hash of the last file that found no way */
};

/*
 * The ring buffer's record, sent once per new map entry: what the row shows
 * besides its counts. Kept out of the map so that entries stay small.
 */
struct filetop_name {
	__u32 epoch;
	__u32 dev;
	__u64 ino;
	__u64 cgroup_id; /* the caller's, on the unified hierarchy */
	__u32 gen;
	__u32 tid;
	__u32 pid;
	__u32 type;  /* enum filetop_type */
	__u32 mntns; /* the inode number of the caller's mount namespace */
	__u32 via;
	char comm[FILETOP_COMM_LEN];
	struct fsbpf_path path; /* only path.len bytes of names are sent */
};

#endif
