// SPDX-License-Identifier: GPL-2.0
/*
 * filetop: bytes and calls of the read and write family per thread and file.
 *
 * Each backend ends in count_call(): find the file behind the fd, add the
 * call to a way of this CPU's pending cache, and touch the epoch's hash map
 * only when the file's set has no way for it (see filetop.h). The kernel
 * never runs a program twice at once on one CPU (a nested run is skipped and
 * counted in recursion_misses), and no two programs share a set, so the ways
 * need no atomics.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "caller.bpf.h"
#include "filetop.h"
#include "filter.bpf.h"
#include "path.bpf.h"
#include "ringbuf.bpf.h"
#include "stash.bpf.h"
#include "syscall.bpf.h"
#include "uring.bpf.h"

#define S_IFMT   0170000
#define S_IFREG  0100000
#define S_IFSOCK 0140000
#define EEXIST   17

#define NAME_RING_BYTES (256 * 1024)

const volatile bool all_files = false;
const volatile bool count_reads = true;
const volatile bool count_writes = true;

/* Written by user space only (see filetop.cpp's snapshot). */
__u32 epoch = 0;
/* Per epoch: calls that found the map full, names the ring had no room for. */
__u64 overflow_calls[FILETOP_EPOCHS] = {};
__u64 lost_names[FILETOP_EPOCHS] = {};

struct counts_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FILETOP_MAX_FILES);
	__type(key, struct filetop_key);
	__type(value, struct filetop_counts);
} counts0 SEC(".maps"), counts1 SEC(".maps");

/*
 * The epoch's map. User space also rewrites an element with the same map
 * after flipping the epoch: the kernel waits for every running program
 * before a map-in-map update returns. That wait (a grace period, about 10 ms)
 * is why epoch 1's slot is filled at the first flip, not at load.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, FILETOP_EPOCHS);
	__type(key, __u32);
	__array(values, struct counts_map);
} counts SEC(".maps") = {
	.values = {&counts0},
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FILETOP_EPOCHS *FILETOP_SETS);
	__type(key, __u32);
	__type(value, struct filetop_set);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, NAME_RING_BYTES);
} names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct filetop_name);
} name_scratch SEC(".maps");

/* What the hot path needs of a call's file. */
struct seen_file {
	struct file *file;
	__u64 inode;
	__u64 ino;
	__u32 gen;
	__u32 mode;
	__u32 tid;
	/* The thread that submitted an io_uring request; NULL for a system call, the current
	 * thread's. */
	struct task_struct *submitter;
};

/* ---- fd -> file, two ways ---- */

/*
 * Direct loads (6.2+): the task through BTF, the fd table slot and the file
 * through bpf_rdonly_cast. BTF has no type for a slot of fdt->fd, an array
 * of pointers, so the slot is read as the first member of struct kiocb,
 * ki_filp, a struct file * at offset 0.
 */
static __always_inline bool see_file_cast(int fd, struct seen_file *out)
{
	struct task_struct *task = fsbpf_current_task(true);
	struct fdtable *fdt = task->files->fdt;
	struct kiocb *slot;
	struct file *file;
	struct inode *inode;

	if ((unsigned int)fd >= fdt->max_fds)
		return false;
	slot = bpf_rdonly_cast(fdt->fd + fd, bpf_core_type_id_kernel(struct kiocb));
	file = slot->ki_filp;
	if (!file)
		return false;
	inode = file->f_inode;
	out->file = file;
	out->inode = (__u64)inode;
	out->ino = inode->i_ino;
	out->gen = inode->i_generation;
	out->mode = inode->i_mode;
	out->tid = task->pid;
	return true;
}

/* CO-RE probe reads: every kernel. */
static __always_inline bool see_file_core(int fd, struct seen_file *out)
{
	struct file *file = fsbpf_fd_file(fd, false);
	struct inode *inode;

	if (!file)
		return false;
	inode = BPF_CORE_READ(file, f_inode);
	out->file = file;
	out->inode = (__u64)inode;
	out->ino = BPF_CORE_READ(inode, i_ino);
	out->gen = BPF_CORE_READ(inode, i_generation);
	out->mode = BPF_CORE_READ(inode, i_mode);
	out->tid = (__u32)bpf_get_current_pid_tgid();
	return true;
}

/* ---- the slow path: a way moves to another file or thread ---- */

static __always_inline __u32 type_of(__u32 mode)
{
	if ((mode & S_IFMT) == S_IFREG)
		return FILETOP_TYPE_REGULAR;
	if ((mode & S_IFMT) == S_IFSOCK)
		return FILETOP_TYPE_SOCKET;
	return FILETOP_TYPE_OTHER;
}

/* A name record's caller fields, of the thread that submitted an io_uring request. */
static __always_inline void set_submitter(struct filetop_name *name, struct task_struct *task)
{
	name->pid = BPF_CORE_READ(task, tgid);
	name->tid = BPF_CORE_READ(task, pid);
	name->mntns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	name->cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	BPF_CORE_READ_STR_INTO(&name->comm, task, comm);
}

/* -c against the submitting thread's command, read only when -c is given. */
static __always_inline bool submitter_comm_matches(struct task_struct *task)
{
	char comm[FILETOP_COMM_LEN];

	if (!target_comm[0])
		return true;
	BPF_CORE_READ_STR_INTO(&comm, task, comm);
	return fsbpf_comm_matches(comm);
}

/* The file's name, once per row: user space reads the ring every interval. */
static __always_inline void send_name(__u32 epoch_now, const struct filetop_key *key,
				      const struct seen_file *seen, bool cast)
{
	__u32 zero = 0;
	struct filetop_name *name = bpf_map_lookup_elem(&name_scratch, &zero);
	__u64 size;

	if (!name)
		return;
	name->epoch = epoch_now;
	name->dev = key->dev;
	name->ino = key->ino;
	name->gen = key->gen;
	name->type = type_of(seen->mode);
	name->via = key->via;
	if (seen->submitter)
		set_submitter(name, seen->submitter);
	else
		FSBPF_SET_CALLER(name, cast);
	fsbpf_read_file_path(&name->path, seen->file, cast);
	size = fsbpf_path_record_size(&name->path, offsetof(struct filetop_name, path));
	if (bpf_ringbuf_output(&names, name, size, fsbpf_ringbuf_wakeup(size)))
		__sync_fetch_and_add(&lost_names[epoch_now & 1], 1);
}

/* Adds a way's counts to its entry in the epoch's map, or to overflow where it has none. */
static __always_inline void deliver(const struct filetop_pending *way,
				    struct filetop_counts *counts, __u32 epoch_now)
{
	const struct filetop_counts *pending = &way->counts;

	if (way->state == FILETOP_PENDING_IGNORED)
		return;
	if (!counts) {
		__sync_fetch_and_add(&overflow_calls[epoch_now & 1],
				     pending->reads + pending->writes);
		return;
	}
	if (pending->reads) {
		__sync_fetch_and_add(&counts->reads, pending->reads);
		__sync_fetch_and_add(&counts->rbytes, pending->rbytes);
	}
	if (pending->writes) {
		__sync_fetch_and_add(&counts->writes, pending->writes);
		__sync_fetch_and_add(&counts->wbytes, pending->wbytes);
	}
}

static __always_inline void flush(const struct filetop_pending *way, void *map, __u32 epoch_now)
{
	if (way->state == FILETOP_PENDING_IGNORED || !(way->counts.reads | way->counts.writes))
		return;
	deliver(way,
		way->state == FILETOP_PENDING_TRACKED ? bpf_map_lookup_elem(map, &way->key) : NULL,
		epoch_now);
}

/*
 * Points the way at the call's file, makes sure the map has its entry and
 * returns that entry: NULL for a file filtered out or a full map.
 */
static __always_inline struct filetop_counts *track(struct filetop_pending *way, void *map,
						    __u32 epoch_now, const struct seen_file *seen,
						    bool cast)
{
	const struct filetop_counts zero = {};
	struct filetop_counts *counts;
	struct file *file = seen->file;
	long err;

	way->inode = seen->inode;
	way->key.ino = seen->ino;
	way->key.gen = seen->gen;
	way->key.tid = seen->tid;
	way->key.via = seen->submitter ? FILETOP_VIA_IO_URING : FILETOP_VIA_SYSCALL;
	way->key.dev = FSBPF_READ(cast, file, f_inode, i_sb, s_dev);
	way->counts = zero;
	if (seen->submitter ? !submitter_comm_matches(seen->submitter)
			    : !fsbpf_current_comm_matches()) {
		way->state = FILETOP_PENDING_IGNORED;
		return NULL;
	}
	way->state = FILETOP_PENDING_TRACKED;
	/*
	 * Not left to BPF_NOEXIST alone: on 5.10 and 6.1 (kernel matrix) that
	 * insert of an existing key did not return -EEXIST.
	 */
	counts = bpf_map_lookup_elem(map, &way->key);
	if (counts)
		return counts;
	err = bpf_map_update_elem(map, &way->key, &zero, BPF_NOEXIST);
	if (!err)
		send_name(epoch_now, &way->key, seen, cast);
	else if (err != -EEXIST) {
		way->state = FILETOP_PENDING_OVERFLOW;
		return NULL;
	}
	return bpf_map_lookup_elem(map, &way->key);
}

static __always_inline void add_call(struct filetop_counts *counts, bool write, long bytes)
{
	if (write) {
		counts->writes++;
		counts->wbytes += bytes;
	} else {
		counts->reads++;
		counts->rbytes += bytes;
	}
}

/* A call on a file its set has no way for: one lookup, straight into the map. */
static __always_inline void count_in_map(void *map, __u32 epoch_now, const struct seen_file *seen,
					 bool write, long bytes, bool cast)
{
	struct filetop_pending call;
	struct filetop_counts *counts = track(&call, map, epoch_now, seen, cast);

	add_call(&call.counts, write, bytes);
	deliver(&call, counts, epoch_now);
}

/* ---- the hot path ---- */

static __always_inline bool holds(const struct filetop_pending *way, const struct seen_file *seen)
{
	return way->inode == seen->inode && way->key.ino == seen->ino &&
	       way->key.gen == seen->gen && way->key.tid == seen->tid &&
	       way->key.via == (seen->submitter ? FILETOP_VIA_IO_URING : FILETOP_VIA_SYSCALL);
}

/* The sets of the pending cache a program may use (see filetop.h). */
enum sets_used {
	ALL_SETS,      /* tp_btf: one program takes every system call */
	OWN_CALL_SETS, /* one program per call (or io_uring), which may preempt another */
};

/* The file's hash, which picks its set in this CPU's cache. */
static __always_inline __u32 hash_of(const struct seen_file *seen)
{
	return ((seen->ino ^ seen->tid) * 0x9e3779b97f4a7c15ULL) >> 32;
}

static __always_inline __u32 set_of(__u32 call, __u32 hash, enum sets_used sets)
{
	/* hash * n >> 32 spreads over n sets as hash % n does, without a division. */
	if (sets == ALL_SETS)
		return ((__u64)hash * FILETOP_SYSCALL_SETS) >> 32;
	return call * FILETOP_SETS_PER_CALL + hash % FILETOP_SETS_PER_CALL;
}

/*
 * Adds a finished call on a file that seen describes to this CPU's pending
 * cache. A way changes hands only when the same file misses its set twice in
 * a row: files that pass through once each (a walk over more files than the
 * cache holds) cost one map lookup per call, as a plain hash map would, and
 * never push out a file that recurs.
 */
static __always_inline void count_seen(__u32 call, bool write, const struct seen_file *seen,
				       long bytes, bool cast, enum sets_used sets)
{
	struct filetop_pending *first, *second, *way;
	struct filetop_set *set;
	__u32 epoch_now;
	__u32 index;
	__u32 hash;
	void *map;

	if (!all_files && (seen->mode & S_IFMT) != S_IFREG)
		return;
	hash = hash_of(seen);
	epoch_now = epoch & 1;
	index = epoch_now * FILETOP_SETS + set_of(call, hash, sets);
	set = bpf_map_lookup_elem(&pending, &index);
	if (!set)
		return;
	first = &set->ways[0];
	second = &set->ways[1];
	if (holds(first, seen)) {
		way = first;
	} else if (holds(second, seen)) {
		way = second;
	} else {
		map = bpf_map_lookup_elem(&counts, &epoch_now);
		if (!map)
			return;
		/* The way that did not take the last call is the one to give up. */
		way = set->recent ? first : second;
		if (way->state != FILETOP_PENDING_EMPTY && set->missed != hash) {
			set->missed = hash;
			count_in_map(map, epoch_now, seen, write, bytes, cast);
			return;
		}
		flush(way, map, epoch_now);
		track(way, map, epoch_now, seen, cast);
	}
	set->recent = way == second;
	add_call(&way->counts, write, bytes);
}

static __always_inline void count_call(enum filetop_call call, bool write, int fd, long bytes,
				       bool cast, enum sets_used sets)
{
	struct seen_file seen;

	seen.submitter = NULL;
	if (fd < 0 || (write ? !count_writes : !count_reads))
		return;
	/* Before the walk to the file: a call filtered out pays for the filter only. */
	if (!fsbpf_traced_task())
		return;
	if (cast ? !see_file_cast(fd, &seen) : !see_file_core(fd, &seen))
		return;
	count_seen(call, write, &seen, bytes, cast, sets);
}

/* A call's descriptors: `in` is read, `out` written; -1 when the call has none. */
struct call_fds {
	int in, out;
};

static __always_inline bool is_write_call(enum filetop_call call)
{
	return call == FILETOP_WRITE || call == FILETOP_PWRITE64 || call == FILETOP_WRITEV ||
	       call == FILETOP_PWRITEV || call == FILETOP_PWRITEV2;
}

static __always_inline struct call_fds fds_of(enum filetop_call call, long arg1, long arg2,
					      long arg3)
{
	switch (call) {
	case FILETOP_SENDFILE: /* sendfile(out_fd, in_fd, ...) */
		return (struct call_fds){(int)arg2, (int)arg1};
	case FILETOP_SPLICE: /* splice(fd_in, off_in, fd_out, ...) */
	case FILETOP_COPY_FILE_RANGE:
		return (struct call_fds){(int)arg1, (int)arg3};
	default:
		if (is_write_call(call))
			return (struct call_fds){-1, (int)arg1};
		return (struct call_fds){(int)arg1, -1};
	}
}

static __always_inline void count_finished(enum filetop_call call, struct call_fds fds, long ret,
					   bool cast, enum sets_used sets)
{
	if (ret < 0)
		return;
	count_call(call, false, fds.in, ret, cast, sets);
	count_call(call, true, fds.out, ret, cast, sets);
}

/* ---- tp_btf: one program on every syscall exit ---- */

static __always_inline int call_of_nr(long nr)
{
	switch (nr) {
	case FSBPF_NR_READ:
		return FILETOP_READ;
	case FSBPF_NR_WRITE:
		return FILETOP_WRITE;
	case FSBPF_NR_PREAD64:
		return FILETOP_PREAD64;
	case FSBPF_NR_PWRITE64:
		return FILETOP_PWRITE64;
	case FSBPF_NR_READV:
		return FILETOP_READV;
	case FSBPF_NR_WRITEV:
		return FILETOP_WRITEV;
	case FSBPF_NR_PREADV:
		return FILETOP_PREADV;
	case FSBPF_NR_PWRITEV:
		return FILETOP_PWRITEV;
	case FSBPF_NR_PREADV2:
		return FILETOP_PREADV2;
	case FSBPF_NR_PWRITEV2:
		return FILETOP_PWRITEV2;
	case FSBPF_NR_SENDFILE:
		return FILETOP_SENDFILE;
	case FSBPF_NR_SPLICE:
		return FILETOP_SPLICE;
	case FSBPF_NR_COPY_FILE_RANGE:
		return FILETOP_COPY_FILE_RANGE;
	default:
		return -1;
	}
}

/*
 * A finished system call, named by its number: tp_btf's one program sees
 * every call, fexit_count those its jumps bring.
 */
static __always_inline int count_exit(const struct pt_regs *regs, long ret, bool cast,
				      enum sets_used sets)
{
	int call;

	if (ret < 0)
		return 0;
	call = call_of_nr(regs->orig_ax);
	if (call >= 0)
		count_finished(call, fds_of(call, regs->di, regs->si, regs->dx), ret, cast, sets);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(raw_exit_cast, struct pt_regs *regs, long ret)
{
	return count_exit(regs, ret, true, ALL_SETS);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(raw_exit_core, struct pt_regs *regs, long ret)
{
	return count_exit(regs, ret, false, ALL_SETS);
}

/*
 * ---- fexit on the syscall functions: only the traced calls pay ----
 * A function whose prototype is read's jumps to one counting program, which
 * takes the call from the system-call number as tp_btf's does: the verifier
 * checks the counting once, not once per function (13 copies were most of the
 * 0.75 s filetop took to load in a TCG guest). The kernel refuses the jump
 * from a function of another prototype (a parameter named otherwise is
 * enough, 6.11 on): such a function counts in a program of its own. Each
 * function keeps its own sets either way: its program's recursion guard keeps
 * one call of it per CPU, but another function's may preempt it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} fexit_count SEC(".maps");

/* fexit_count's program (fsbpf/skeleton.hpp's jump tables), never attached itself. */
SEC("fexit/__x64_sys_read")
int BPF_PROG(fexit_count_cast, const struct pt_regs *regs, long ret)
{
	return count_exit(regs, ret, true, OWN_CALL_SETS);
}

SEC("fexit/__x64_sys_read")
int BPF_PROG(fexit_count_core, const struct pt_regs *regs, long ret)
{
	return count_exit(regs, ret, false, OWN_CALL_SETS);
}

/* Counted in missed_calls: only an empty jump table would let the jump fall through. */
#define FEXIT(name, call)                                                                    \
	SEC("fexit/__x64_sys_" #name)                                                        \
	int BPF_PROG(fexit_jump_##name)                                                      \
	{                                                                                    \
		bpf_tail_call(ctx, &fexit_count, 0);                                         \
		__sync_fetch_and_add(&missed_calls, 1);                                      \
		return 0;                                                                    \
	}                                                                                    \
	SEC("fexit/__x64_sys_" #name)                                                        \
	int BPF_PROG(fexit_##name##_cast, const struct pt_regs *regs, long ret)              \
	{                                                                                    \
		count_finished(call, fds_of(call, regs->di, regs->si, regs->dx), ret, true,  \
			       OWN_CALL_SETS);                                               \
		return 0;                                                                    \
	}                                                                                    \
	SEC("fexit/__x64_sys_" #name)                                                        \
	int BPF_PROG(fexit_##name##_core, const struct pt_regs *regs, long ret)              \
	{                                                                                    \
		count_finished(call, fds_of(call, regs->di, regs->si, regs->dx), ret, false, \
			       OWN_CALL_SETS);                                               \
		return 0;                                                                    \
	}

FEXIT(read, FILETOP_READ)
FEXIT(write, FILETOP_WRITE)
FEXIT(pread64, FILETOP_PREAD64)
FEXIT(pwrite64, FILETOP_PWRITE64)
FEXIT(readv, FILETOP_READV)
FEXIT(writev, FILETOP_WRITEV)
FEXIT(preadv, FILETOP_PREADV)
FEXIT(pwritev, FILETOP_PWRITEV)
FEXIT(preadv2, FILETOP_PREADV2)
FEXIT(pwritev2, FILETOP_PWRITEV2)
FEXIT(sendfile64, FILETOP_SENDFILE)
FEXIT(splice, FILETOP_SPLICE)
FEXIT(copy_file_range, FILETOP_COPY_FILE_RANGE)

/* ---- entry/exit pairs: kprobes and classic tracepoints ---- */

/* What an entry saw, for its exit. */
struct inflight {
	struct call_fds fds;
	__u32 call;
};

/* Sized by user space: one entry unless a pair backend is loaded. */
FSBPF_STASH(inflights, struct inflight, FILETOP_MAX_FILES);

static __always_inline int pair_enter(enum filetop_call call, long arg1, long arg2, long arg3)
{
	struct inflight entry = {.fds = fds_of(call, arg1, arg2, arg3), .call = call};

	if (!fsbpf_traced_task())
		return 0;
	FSBPF_STASH_PUT(inflights, &entry);
	return 0;
}

static __always_inline int pair_exit(enum filetop_call call, long ret)
{
	struct inflight *entry = fsbpf_traced_task() ? FSBPF_STASH_GET(inflights) : NULL;

	if (!entry)
		return 0;
	if (entry->call == call)
		count_finished(call, entry->fds, ret, false, OWN_CALL_SETS);
	FSBPF_STASH_DROP(inflights, entry);
	return 0;
}

/*
 * On the x86-64 wrappers by name, as fexit: libbpf's ksyscall would have
 * every load of the object probe for the wrappers with a kprobe of its own
 * (55 ms in a TCG guest), whatever backend it loads.
 */
#define KPROBE_PAIR(name, call)                                           \
	SEC("kprobe/__x64_sys_" #name)                                    \
	int BPF_KPROBE(kprobe_##name, const struct pt_regs *regs)         \
	{                                                                 \
		return pair_enter(call, PT_REGS_PARM1_CORE_SYSCALL(regs), \
				  PT_REGS_PARM2_CORE_SYSCALL(regs),       \
				  PT_REGS_PARM3_CORE_SYSCALL(regs));      \
	}                                                                 \
	SEC("kretprobe/__x64_sys_" #name)                                 \
	int BPF_KRETPROBE(kretprobe_##name, long ret)                     \
	{                                                                 \
		return pair_exit(call, ret);                              \
	}

KPROBE_PAIR(read, FILETOP_READ)
KPROBE_PAIR(write, FILETOP_WRITE)
KPROBE_PAIR(pread64, FILETOP_PREAD64)
KPROBE_PAIR(pwrite64, FILETOP_PWRITE64)
KPROBE_PAIR(readv, FILETOP_READV)
KPROBE_PAIR(writev, FILETOP_WRITEV)
KPROBE_PAIR(preadv, FILETOP_PREADV)
KPROBE_PAIR(pwritev, FILETOP_PWRITEV)
KPROBE_PAIR(preadv2, FILETOP_PREADV2)
KPROBE_PAIR(pwritev2, FILETOP_PWRITEV2)
KPROBE_PAIR(sendfile64, FILETOP_SENDFILE)
KPROBE_PAIR(splice, FILETOP_SPLICE)
KPROBE_PAIR(copy_file_range, FILETOP_COPY_FILE_RANGE)

#define TRACEPOINT_PAIR(name, call)                                                \
	SEC("tracepoint/syscalls/sys_enter_" #name)                                \
	int tp_enter_##name(struct sys_enter_ctx *ctx)                             \
	{                                                                          \
		return pair_enter(call, ctx->args[0], ctx->args[1], ctx->args[2]); \
	}                                                                          \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                 \
	int tp_exit_##name(struct sys_exit_ctx *ctx)                               \
	{                                                                          \
		return pair_exit(call, ctx->ret);                                  \
	}

TRACEPOINT_PAIR(read, FILETOP_READ)
TRACEPOINT_PAIR(write, FILETOP_WRITE)
TRACEPOINT_PAIR(pread64, FILETOP_PREAD64)
TRACEPOINT_PAIR(pwrite64, FILETOP_PWRITE64)
TRACEPOINT_PAIR(readv, FILETOP_READV)
TRACEPOINT_PAIR(writev, FILETOP_WRITEV)
TRACEPOINT_PAIR(preadv, FILETOP_PREADV)
TRACEPOINT_PAIR(pwritev, FILETOP_PWRITEV)
TRACEPOINT_PAIR(preadv2, FILETOP_PREADV2)
TRACEPOINT_PAIR(pwritev2, FILETOP_PWRITEV2)
TRACEPOINT_PAIR(sendfile64, FILETOP_SENDFILE)
TRACEPOINT_PAIR(splice, FILETOP_SPLICE)
TRACEPOINT_PAIR(copy_file_range, FILETOP_COPY_FILE_RANGE)

/*
 * ---- io_uring's reads and writes, on every backend (6.1 on) ----
 * Counted at completion with the bytes it posts, on the request's own file
 * (fixed files too), for the thread that submitted it, which the request
 * names: io-wq workers and SQPOLL do the work, but the application asked.
 */

/* 6.13 moved the submitting task into the request's io_uring task context. */
struct io_kiocb___6_1 {
	struct task_struct *task;
} __attribute__((preserve_access_index));

static __always_inline struct task_struct *request_submitter(struct io_kiocb *req, bool cast)
{
	if (bpf_core_field_exists(((struct io_kiocb___6_1 *)0)->task))
		return FSBPF_READ(cast, (struct io_kiocb___6_1 *)req, task);
	return FSBPF_READ(cast, req, tctx, task);
}

/* What a request's opcode does with its files. TEE, as tee(2), moves data between pipes only. */
enum request_io {
	REQUEST_OTHER,
	REQUEST_READS,   /* reads its file */
	REQUEST_WRITES,  /* writes its file */
	REQUEST_SPLICES, /* reads its input, writes its file */
};

static __always_inline enum request_io request_io(struct io_kiocb *req, bool cast)
{
	switch (FSBPF_READ(cast, req, opcode)) {
	case IORING_OP_READ:
	case IORING_OP_READV:
	case IORING_OP_READ_FIXED:
	case IORING_OP_READV_FIXED:
		return count_reads ? REQUEST_READS : REQUEST_OTHER;
	case IORING_OP_WRITE:
	case IORING_OP_WRITEV:
	case IORING_OP_WRITE_FIXED:
	case IORING_OP_WRITEV_FIXED:
		return count_writes ? REQUEST_WRITES : REQUEST_OTHER;
	case IORING_OP_SPLICE:
		return REQUEST_SPLICES;
	default:
		return REQUEST_OTHER;
	}
}

/* include/uapi/linux/io_uring.h: splice_fd_in names a fixed file slot. */
#define SPLICE_F_FD_IN_FIXED (1U << 31)
/* The low bits of a fixed file slot's pointer are flags (FFS_*). */
#define FIXED_FILE_FLAGS     7UL

/*
 * Up to 6.12 the fixed file table was an array of tagged file pointers,
 * struct io_fixed_file { unsigned long file_ptr; }. That type is not asked of
 * BTF: where vmlinux lacks it, libbpf looks in the modules' BTF, which needs
 * CAP_SYS_ADMIN.
 */
struct io_file_table___6_1 {
	unsigned long *files;
} __attribute__((preserve_access_index));
struct io_ring_ctx___6_1 {
	unsigned int nr_user_files;
} __attribute__((preserve_access_index));

/* The file in slot `slot` of the ring's fixed file table, or NULL. */
static __always_inline struct file *fixed_file(struct io_ring_ctx *ctx, unsigned int slot)
{
	struct io_file_table *table = &ctx->file_table;
	struct io_file_table___6_1 *table_6_1 = (void *)table;
	unsigned long *files;
	struct io_rsrc_node **nodes;
	struct io_rsrc_node *node = NULL;
	unsigned long file_ptr;

	if (bpf_core_field_exists(table->data)) {
		if (slot >= BPF_CORE_READ(table, data.nr))
			return NULL;
		nodes = BPF_CORE_READ(table, data.nodes);
		bpf_probe_read_kernel(&node, sizeof(node), nodes + slot);
		file_ptr = BPF_CORE_READ(node, file_ptr);
	} else {
		if (slot >= BPF_CORE_READ((struct io_ring_ctx___6_1 *)ctx, nr_user_files))
			return NULL;
		files = BPF_CORE_READ(table_6_1, files);
		bpf_probe_read_kernel(&file_ptr, sizeof(file_ptr), files + slot);
	}
	return (struct file *)(file_ptr & ~FIXED_FILE_FLAGS);
}

/*
 * The file a splice request read. The request keeps only its number: a fixed
 * file slot, or a descriptor of the submitter's process, whose table every
 * thread that completes the request shares.
 */
static __always_inline struct file *splice_input(struct io_kiocb *req, bool cast)
{
	struct io_splice *splice = FSBPF_REQUEST_CMD(struct io_splice, req);
	int input = BPF_CORE_READ(splice, splice_fd_in);
	struct file *file;

	if (!(BPF_CORE_READ(splice, flags) & SPLICE_F_FD_IN_FIXED))
		return fsbpf_fd_file(input, cast);
	file = fixed_file(BPF_CORE_READ(req, ctx), input);
	return cast ? bpf_rdonly_cast(file, bpf_core_type_id_kernel(struct file)) : file;
}

/* Adds a request's bytes on one of its files to its submitter's row. */
static __always_inline void count_request(bool write, struct file *file,
					  struct task_struct *submitter, long bytes, bool cast)
{
	struct seen_file seen;
	struct inode *inode;

	if (!file || (write ? !count_writes : !count_reads))
		return;
	inode = FSBPF_READ(cast, file, f_inode);
	seen.file = file;
	seen.submitter = submitter;
	seen.inode = (__u64)inode;
	seen.ino = FSBPF_READ(cast, inode, i_ino);
	seen.gen = FSBPF_READ(cast, inode, i_generation);
	seen.mode = FSBPF_READ(cast, inode, i_mode);
	seen.tid = FSBPF_READ(cast, submitter, pid);
	count_seen(FILETOP_IO_URING, write, &seen, bytes, cast, OWN_CALL_SETS);
}

/*
 * The container filters apply to the completing thread, which is the
 * submitter, one of its io-wq workers or its ring's SQPOLL thread, all in the
 * submitter's process and cgroup; -p to the submitter. Both come before the
 * request's files are read: a request filtered out pays for little else.
 */
static __always_inline int request_completed(struct io_kiocb *req, bool cast)
{
	enum request_io io = request_io(req, cast);
	struct task_struct *submitter;
	__u32 tgid;
	long bytes;

	if (io == REQUEST_OTHER || !fsbpf_traced_workload())
		return 0;
	bytes = FSBPF_READ(cast, req, cqe.res);
	submitter = request_submitter(req, cast);
	if (bytes < 0 || !submitter)
		return 0;
	tgid = FSBPF_READ(cast, submitter, tgid);
	if (target_tgid && tgid != target_tgid)
		return 0;
	if (io == REQUEST_SPLICES)
		count_request(false, splice_input(req, cast), submitter, bytes, cast);
	count_request(io != REQUEST_READS, FSBPF_READ(cast, req, file), submitter, bytes, cast);
	return 0;
}

FSBPF_URING_COMPLETION_PROGRAMS(request_completed)

char LICENSE[] SEC("license") = "GPL";
