/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * filetop: what its BPF and user-space halves share.
 *
 * Counting is double-buffered by epoch. The BPF side adds each call to a
 * per-CPU pending slot (struct filetop_pending) and moves it into the
 * epoch's hash map (filetop_key -> filetop_counts) only when the slot's way
 * goes to another file or thread, so a loop over one or two files costs no
 * map update per call.
 * User space flips the epoch, waits for every program that may still use the
 * old one, then reads and clears the old epoch's map and slots.
 */
#ifndef FSBPF_FILETOP_H
#define FSBPF_FILETOP_H

#include <fsbpf/path.h>

#define FILETOP_COMM_LEN  16
#define FILETOP_MAX_FILES 10240
#define FILETOP_EPOCHS    2

/* The read and write family, one pending slot per call and side. */
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

enum filetop_side {
	FILETOP_SIDE_READ = 0,
	FILETOP_SIDE_WRITE,
	FILETOP_SIDES,
};

#define FILETOP_SLOTS ((int)FILETOP_CALL__COUNT * (int)FILETOP_SIDES)
/*
 * Each slot holds two files or threads, so that calls taking turns between
 * two (cmp and diff reading two files, two threads on one CPU) stay pending.
 */
#define FILETOP_WAYS  2

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
	__u32 pad;
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

struct filetop_pending {
	__u64 inode; /* kernel address: identity only, with ino against reuse */
	struct filetop_key key;
	__u64 calls;
	__u64 bytes;
	__u32 state;  /* enum filetop_pending_state */
	__u32 recent; /* the way of its slot that took the last call */
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
	char comm[FILETOP_COMM_LEN];
	struct fsbpf_path path; /* only path.len bytes of names are sent */
};

#endif
