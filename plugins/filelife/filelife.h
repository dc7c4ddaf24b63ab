/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * filelife: what its BPF and user-space halves share.
 *
 * The kernel reports what happened to names (created, linked, unlinked,
 * renamed); user space keeps the table of lives and decides births and
 * deaths. The vfs backends see dentries and report exact identities, parent
 * directories and link counts. The system-call backends see the text a caller
 * passed and, exactly, the directory it is relative to; for a name with
 * slashes they add that directory's path, and every birth its directory's
 * path, so user space can tell which directory the text named at the time of
 * the call without looking at the file system later.
 */
#ifndef FSBPF_FILELIFE_H
#define FSBPF_FILELIFE_H

#include <fsbpf/path.h>

#define FILELIFE_COMM_LEN  16
#define FILELIFE_LEAF_LEN  256  /* NAME_MAX + NUL: a dentry's name */
#define FILELIFE_TEXT_LEN  1024 /* a path a system call was given; longer ones are flagged */
#define FILELIFE_MAX_FILES 10240
#define FILELIFE_MAX_CALLS 4096 /* vfs calls in flight between entry and exit */
#define FILELIFE_TAIL_LEN  (2 * FILELIFE_TEXT_LEN + 2 * FSBPF_PATH_BYTES)

/* Macros of include/linux/fs.h and fcntl.h, absent from BTF; unchanged since 4.19. */
#define FILELIFE_FMODE_CREATED   0x100000
#define FILELIFE_O_CREAT         0100
#define FILELIFE_O_TMPFILE       020000000 /* __O_TMPFILE */
#define FILELIFE_AT_FDCWD        (-100)
#define FILELIFE_AT_REMOVEDIR    0x200
#define FILELIFE_AT_EMPTY_PATH   0x1000
#define FILELIFE_S_IFMT          0170000
#define FILELIFE_S_IFREG         0100000
#define FILELIFE_RENAME_EXCHANGE 2

enum filelife_kind {
	FILELIFE_CREATE = 0, /* an open created the file (or an O_TMPFILE) */
	FILELIFE_MKNOD,      /* mknod created a regular file */
	FILELIFE_LINK,       /* names[1] is a new name of names[0] or of `file` */
	FILELIFE_UNLINK,
	FILELIFE_RENAME,       /* names[0] became names[1]; `victim` was replaced */
	FILELIFE_RMDIR,        /* system calls: names[0], a directory, was removed */
	FILELIFE_REQUEST_DONE, /* io_uring: `request` completed with `result` */
};

enum filelife_event_flags {
	FILELIFE_TMPFILE = 1,     /* CREATE: an O_TMPFILE, nameless until linked */
	FILELIFE_NLINK_KNOWN = 2, /* the vfs backends saw the link count */
	FILELIFE_LAST_LINK = 4,   /* UNLINK, RENAME: that was the last name of the file removed */
	FILELIFE_EXCHANGE = 8,    /* RENAME: RENAME_EXCHANGE swapped the two names */
	FILELIFE_REQUEST = 16,    /* io_uring: happened if `request` completes without error */
};

enum filelife_name_flags {
	FILELIFE_NAME_SET = 1,
	FILELIFE_NAME_EXACT = 2,      /* dir is the parent directory and text the leaf */
	FILELIFE_NAME_TRUNCATED = 4,  /* text was longer than FILELIFE_TEXT_LEN */
	FILELIFE_NAME_BASE_PATH = 8,  /* the name's paths[] entry is the path of dir */
	FILELIFE_NAME_FULL_PATH = 16, /* the name's paths[] entry is its own path */
};

/*
 * dev is the kernel's dev_t: major << 20 | minor. gen is i_generation, which
 * ext4, xfs, btrfs and tmpfs draw anew when they reuse an inode number.
 */
struct filelife_inode {
	__u64 dev;
	__u64 ino;
	__u32 gen;
	__u32 pad;
};

/* A name; its text is in the event's tail. */
struct filelife_name {
	struct filelife_inode dir; /* parent (EXACT), or the directory text is relative to */
	__u32 flags;
	__u32 size; /* bytes of text in the tail, its NUL included; 0 when not SET */
};

/*
 * What the ring buffer carries: this header, then in `tail` the bytes used,
 * in order: names[0]'s text, names[1]'s text, paths[0]'s names, paths[1]'s
 * names. Records are as long as what they hold (`size`), not the largest.
 */
struct filelife_event {
	__u64 ts;                     /* CLOCK_MONOTONIC */
	struct filelife_inode file;   /* the file, when the kernel told; else zero */
	struct filelife_inode victim; /* RENAME: the file names[1] named before */
	__u32 kind;                   /* enum filelife_kind */
	__u32 flags;                  /* enum filelife_event_flags */
	__u32 pid;
	__u32 tid;
	__u32 mntns;     /* the inode number of the caller's mount namespace */
	__u32 size;      /* of the whole record */
	__u64 cgroup_id; /* the caller's, on the unified hierarchy */
	__u64 request;   /* io_uring: the request's address, a name for it while in flight */
	__s64 result;    /* FILELIFE_REQUEST_DONE: the request's result, -errno on failure */
	char comm[FILELIFE_COMM_LEN];
	struct filelife_name names[2];
	/* paths[i]: names[i]'s own path (NAME_FULL_PATH) or its directory's (NAME_BASE_PATH). */
	struct fsbpf_path_meta paths[2];
	char tail[FILELIFE_TAIL_LEN];
};

#endif
