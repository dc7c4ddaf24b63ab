/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* hookcost: what its BPF programs and its driver share. */
#ifndef FSBPF_HOOKCOST_H
#define FSBPF_HOOKCOST_H

#define HOOKCOST_MAX_FILES 10240

/* x86-64 numbers of the read/write family that filetop counts. */
enum hookcost_nr {
	HOOKCOST_NR_READ = 0,
	HOOKCOST_NR_WRITE = 1,
	HOOKCOST_NR_PREAD64 = 17,
	HOOKCOST_NR_PWRITE64 = 18,
	HOOKCOST_NR_READV = 19,
	HOOKCOST_NR_WRITEV = 20,
	HOOKCOST_NR_PREADV = 295,
	HOOKCOST_NR_PWRITEV = 296,
	HOOKCOST_NR_PREADV2 = 327,
	HOOKCOST_NR_PWRITEV2 = 328,
};

struct hookcost_key {
	__u64 ino;
	__u32 dev;
	__u32 tid;
};

struct hookcost_counts {
	__u64 reads, writes, rbytes, wbytes;
};

#endif
