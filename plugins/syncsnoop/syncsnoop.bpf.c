// SPDX-License-Identifier: GPL-2.0
/*
 * syncsnoop: every sync-family system call with its file, latency and result.
 * Four backends share one entry and one exit handler; the user-space half
 * loads only the programs of the backend it picked.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "caller.bpf.h"
#include "filter.bpf.h"
#include "histogram.bpf.h"
#include "path.bpf.h"
#include "ringbuf.bpf.h"
#include "stash.bpf.h"
#include "syscall.bpf.h"
#include "syncsnoop.h"
#include "uring.bpf.h"

const volatile __u64 min_latency_ns = 0;
/* Off for the exporter, whose series have no file label. */
const volatile bool with_paths = true;

/* Events the ring buffer had no room for. */
__u64 lost_events = 0;
/*
 * Written by user space, which moves it on every second or so: an event
 * carries its file's path only when no earlier event of the epoch did, so a
 * renamed file shows its new path within about a second.
 */
__u32 path_epoch = 0;

/* The epoch in which each file's path was last sent. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SYNCSNOOP_MAX_PATHS);
	__type(key, struct syncsnoop_file);
	__type(value, __u32);
} sent_paths SEC(".maps");

/*
 * The last file whose path each call's exit sent, per CPU: a loop syncing one
 * file skips the lookup in sent_paths. By call, because the exits of two calls
 * may be programs that preempt each other.
 */
struct last_sent {
	struct syncsnoop_file file;
	__u32 path_epoch;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SYNC_CALL__COUNT);
	__type(key, __u32);
	__type(value, struct last_sent);
} last_sent SEC(".maps");

struct start {
	__u64 ts;
	__u64 addr;
	__s32 fd;
	__u32 call;
};

FSBPF_STASH(starts, struct start, SYNCSNOOP_MAX_INFLIGHT);

/* An io_uring request in flight: its start, and who submitted it. */
struct request_start {
	struct start start;
	__u32 pid;
	__u32 tid;
	__u32 mntns;
	__u32 pad;
	__u64 cgroup_id;
	char comm[SYNCSNOOP_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SYNCSNOOP_MAX_INFLIGHT);
	__type(key, __u64); /* the request's address */
	__type(value, struct request_start);
} requests SEC(".maps");

/* Every call's latency, including those whose event was lost: the exporter's histograms. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SYNC_CALL__COUNT);
	__type(key, __u32);
	__type(value, struct fsbpf_log2_hist);
} latencies SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

/* The event being built, per CPU: the ring gets only the bytes its path uses. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct syncsnoop_event);
} scratch SEC(".maps");

static __always_inline int on_enter(enum sync_call call, int fd, __u64 addr)
{
	struct start start = {.addr = addr, .fd = fd, .call = call};

	/* The filter first: a clock read costs an excluded call 30-60 ns in a VM. */
	if (!fsbpf_traced_process())
		return 0;
	start.ts = bpf_ktime_get_ns();
	FSBPF_STASH_PUT(starts, &start);
	return 0;
}

/* A call's first argument: the descriptor it syncs, or msync's address; sync takes none. */
static __always_inline int on_enter_with(enum sync_call call, __u64 first)
{
	switch (call) {
	case SYNC_CALL_SYNC:
		return on_enter(call, -1, 0);
	case SYNC_CALL_MSYNC:
		return on_enter(call, -1, first);
	default:
		return on_enter(call, (int)first, 0);
	}
}

struct vma_file {
	struct file *file;
};

static long vma_file_of(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	((struct vma_file *)data)->file = vma->vm_file;
	return 0;
}

/*
 * bpf_find_vma() arrived in 5.17, and kernels before 5.13 reject any program
 * that merely refers to a callback. So every exit that can see msync comes in
 * two builds, ..._vma and ..._novma, and user space loads the one the host's
 * find_vma probe allows (fsbpf/skeleton.hpp's program variants).
 */
static __always_inline struct file *mapped_file(__u64 addr, bool direct)
{
	struct vma_file found = {};

	if (!bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_find_vma))
		return NULL;
	bpf_find_vma(bpf_get_current_task_btf(), addr, vma_file_of, &found, 0);
	/* Kept on the stack, the pointer lost its type: a direct reader gives it back. */
	if (direct)
		return bpf_rdonly_cast(found.file, bpf_core_type_id_kernel(struct file));
	return found.file;
}

/*
 * The call's file, with its path unless an event of this epoch sent it
 * (walking the path was a third of an fsync exit's BPF time on tmpfs). Exits
 * with BTF-typed arguments come in two more builds, ..._cast reading the
 * kernel's memory directly and ..._core by probe reads (bpf/path.bpf.h): a
 * direct walk costs a fsync on tmpfs here about 1.2 us less.
 */
static __always_inline void fill_path(struct syncsnoop_event *event, struct file *file,
				      const struct last_sent *last, bool direct)
{
	__u32 *sent;

	event->file.mnt = 0;
	event->file.dentry = 0;
	event->path_sent = 0;
	fsbpf_clear_path(&event->path);
	if (!file)
		return;
	event->file.mnt = (__u64)FSBPF_READ(direct, file, f_path.mnt);
	event->file.dentry = (__u64)FSBPF_READ(direct, file, f_path.dentry);
	if (last && last->path_epoch == event->path_epoch &&
	    last->file.dentry == event->file.dentry && last->file.mnt == event->file.mnt) {
		event->path_sent = 1;
		return;
	}
	sent = bpf_map_lookup_elem(&sent_paths, &event->file);
	if (sent && *sent == event->path_epoch)
		event->path_sent = 1;
	else
		fsbpf_read_file_path(&event->path, file, direct);
}

/* A system call's file: msync's mapping's, or its descriptor's. */
static __always_inline struct file *call_file(const struct start *start, bool find_vma, bool direct)
{
	if (!with_paths)
		return NULL;
	if (start->call == SYNC_CALL_MSYNC)
		return find_vma ? mapped_file(start->addr, direct) : NULL;
	return start->fd >= 0 ? fsbpf_fd_file(start->fd, direct) : NULL;
}

/* Sent: the path's later events in this epoch need not carry it. */
static __always_inline void remember_path_sent(const struct syncsnoop_event *event,
					       struct last_sent *last)
{
	if (!event->file.dentry)
		return;
	if (!event->path_sent)
		bpf_map_update_elem(&sent_paths, &event->file, &event->path_epoch, BPF_ANY);
	if (last) {
		last->file = event->file;
		last->path_epoch = event->path_epoch;
	}
}

/*
 * The event of a call that began at start and returned ret, its caller's
 * fields left to set; NULL when it is not to be sent. Every call's latency
 * goes to the exporter's histogram.
 */
static __always_inline struct syncsnoop_event *new_event(const struct start *start, __u64 latency,
							 long ret)
{
	struct syncsnoop_event *event;
	struct fsbpf_log2_hist *hist;
	__u32 key = start->call, zero = 0;

	if (latency < min_latency_ns)
		return NULL;
	hist = bpf_map_lookup_elem(&latencies, &key);
	if (hist)
		fsbpf_log2_add(hist, latency);
	event = bpf_map_lookup_elem(&scratch, &zero);
	if (!event)
		return NULL;
	event->start_ns = start->ts;
	event->latency_ns = latency;
	event->ret = ret;
	event->call = start->call;
	event->fd = start->fd;
	event->addr = start->addr;
	event->flags = 0;
	event->path_epoch = path_epoch;
	return event;
}

static __always_inline void send_event(struct syncsnoop_event *event, struct file *file,
				       bool direct)
{
	__u32 key = event->call;
	struct last_sent *last = bpf_map_lookup_elem(&last_sent, &key);
	__u64 size;

	fill_path(event, file, last, direct);
	size = fsbpf_path_record_size(&event->path, offsetof(struct syncsnoop_event, path));
	if (bpf_ringbuf_output(&events, event, size, fsbpf_ringbuf_wakeup(size)))
		__sync_fetch_and_add(&lost_events, 1);
	else
		remember_path_sent(event, last);
}

static __always_inline int on_exit(enum sync_call call, long ret, bool find_vma, bool direct)
{
	struct syncsnoop_event *event;
	struct start *start;

	if (!fsbpf_traced_task())
		return 0;
	start = FSBPF_STASH_GET(starts);
	if (!start)
		return 0;
	if (start->call != call)
		goto done;
	event = new_event(start, bpf_ktime_get_ns() - start->ts, ret);
	if (event) {
		FSBPF_SET_CALLER(event, direct);
		send_event(event, call_file(start, find_vma, direct), direct);
	}
done:
	FSBPF_STASH_DROP(starts, start);
	return 0;
}

/* An exit's _cast build, which reads the kernel's memory directly, and its _core one. */
#define EXIT_BUILDS(build, name, call, variant, find_vma) \
	build(name, call, variant##_cast, find_vma, true) \
		build(name, call, variant##_core, find_vma, false)

/* ---- fentry/fexit on the syscall entry points ---- */

#define FENTRY_ENTRY(name, call)                                              \
	SEC("fentry/__x64_sys_" #name)                                        \
	int BPF_PROG(fentry_##name, const struct pt_regs *regs)               \
	{                                                                     \
		return on_enter_with(call, PT_REGS_PARM1_CORE_SYSCALL(regs)); \
	}
/*
 * variant: empty, or _vma and _novma for msync's two builds (find_vma); each
 * comes as a _cast and a _core build (direct).
 */
#define FENTRY_EXIT_BUILD(name, call, variant, find_vma, direct)                  \
	SEC("fexit/__x64_sys_" #name)                                             \
	int BPF_PROG(fexit_##name##variant, const struct pt_regs *regs, long ret) \
	{                                                                         \
		return on_exit(call, ret, find_vma, direct);                      \
	}
#define FENTRY_EXIT(name, call, variant, find_vma) \
	EXIT_BUILDS(FENTRY_EXIT_BUILD, name, call, variant, find_vma)
#define FENTRY_PAIR(name, call) FENTRY_ENTRY(name, call) FENTRY_EXIT(name, call, , false)

FENTRY_PAIR(sync, SYNC_CALL_SYNC)
/* Where BTF lacks the zero-argument wrapper __x64_sys_sync (6.1): the work of sync(). */
SEC("fentry/ksys_sync")
int BPF_PROG(fentry_ksys_sync)
{
	return on_enter(SYNC_CALL_SYNC, -1, 0);
}
SEC("fexit/ksys_sync")
int BPF_PROG(fexit_ksys_sync)
{
	return on_exit(SYNC_CALL_SYNC, 0, false, false); /* sync() always returns 0 */
}
FENTRY_PAIR(syncfs, SYNC_CALL_SYNCFS)
FENTRY_PAIR(fsync, SYNC_CALL_FSYNC)
FENTRY_PAIR(fdatasync, SYNC_CALL_FDATASYNC)
FENTRY_PAIR(sync_file_range, SYNC_CALL_SYNC_FILE_RANGE)
FENTRY_ENTRY(msync, SYNC_CALL_MSYNC)
FENTRY_EXIT(msync, SYNC_CALL_MSYNC, _vma, true)
FENTRY_EXIT(msync, SYNC_CALL_MSYNC, _novma, false)

/*
 * ---- kprobes on the syscall entry points ----
 * By name, as fentry: libbpf's ksyscall would have every load of the object
 * probe for the wrappers with a kprobe of its own, whatever backend it loads.
 */

#define KPROBE_ENTRY(name, call)                                              \
	SEC("kprobe/__x64_sys_" #name)                                        \
	int BPF_KPROBE(kprobe_##name, const struct pt_regs *regs)             \
	{                                                                     \
		return on_enter_with(call, PT_REGS_PARM1_CORE_SYSCALL(regs)); \
	}
#define KPROBE_EXIT_BUILD(name, call, variant, find_vma, direct) \
	SEC("kretprobe/__x64_sys_" #name)                        \
	int BPF_KRETPROBE(kretprobe_##name##variant, long ret)   \
	{                                                        \
		return on_exit(call, ret, find_vma, direct);     \
	}
#define KPROBE_EXIT(name, call, variant, find_vma) \
	EXIT_BUILDS(KPROBE_EXIT_BUILD, name, call, variant, find_vma)
#define KPROBE_PAIR(name, call) KPROBE_ENTRY(name, call) KPROBE_EXIT(name, call, , false)

KPROBE_PAIR(sync, SYNC_CALL_SYNC)
KPROBE_PAIR(syncfs, SYNC_CALL_SYNCFS)
KPROBE_PAIR(fsync, SYNC_CALL_FSYNC)
KPROBE_PAIR(fdatasync, SYNC_CALL_FDATASYNC)
KPROBE_PAIR(sync_file_range, SYNC_CALL_SYNC_FILE_RANGE)
KPROBE_ENTRY(msync, SYNC_CALL_MSYNC)
KPROBE_EXIT(msync, SYNC_CALL_MSYNC, _vma, true)
KPROBE_EXIT(msync, SYNC_CALL_MSYNC, _novma, false)

/* ---- classic per-syscall tracepoints ---- */

/* A program must not read past its call's arguments, and sync takes none. */
static __always_inline __u64 first_arg(const struct sys_enter_ctx *ctx, enum sync_call call)
{
	return call == SYNC_CALL_SYNC ? 0 : ctx->args[0];
}

#define TRACEPOINT_ENTRY(name, call)                              \
	SEC("tracepoint/syscalls/sys_enter_" #name)               \
	int tp_enter_##name(struct sys_enter_ctx *ctx)            \
	{                                                         \
		return on_enter_with(call, first_arg(ctx, call)); \
	}
#define TRACEPOINT_EXIT_BUILD(name, call, variant, find_vma, direct) \
	SEC("tracepoint/syscalls/sys_exit_" #name)                   \
	int tp_exit_##name##variant(struct sys_exit_ctx *ctx)        \
	{                                                            \
		return on_exit(call, ctx->ret, find_vma, direct);    \
	}
#define TRACEPOINT_EXIT(name, call, variant, find_vma) \
	EXIT_BUILDS(TRACEPOINT_EXIT_BUILD, name, call, variant, find_vma)
#define TRACEPOINT_PAIR(name, call) \
	TRACEPOINT_ENTRY(name, call) TRACEPOINT_EXIT(name, call, , false)

TRACEPOINT_PAIR(sync, SYNC_CALL_SYNC)
TRACEPOINT_PAIR(syncfs, SYNC_CALL_SYNCFS)
TRACEPOINT_PAIR(fsync, SYNC_CALL_FSYNC)
TRACEPOINT_PAIR(fdatasync, SYNC_CALL_FDATASYNC)
TRACEPOINT_PAIR(sync_file_range, SYNC_CALL_SYNC_FILE_RANGE)
TRACEPOINT_ENTRY(msync, SYNC_CALL_MSYNC)
TRACEPOINT_EXIT(msync, SYNC_CALL_MSYNC, _vma, true)
TRACEPOINT_EXIT(msync, SYNC_CALL_MSYNC, _novma, false)

/* ---- raw sys_enter/sys_exit: sees every system call, keeps the sync family ---- */

static __always_inline int sync_call_of(long nr)
{
	switch (nr) {
	case FSBPF_NR_SYNC:
		return SYNC_CALL_SYNC;
	case FSBPF_NR_SYNCFS:
		return SYNC_CALL_SYNCFS;
	case FSBPF_NR_FSYNC:
		return SYNC_CALL_FSYNC;
	case FSBPF_NR_FDATASYNC:
		return SYNC_CALL_FDATASYNC;
	case FSBPF_NR_SYNC_FILE_RANGE:
		return SYNC_CALL_SYNC_FILE_RANGE;
	case FSBPF_NR_MSYNC:
		return SYNC_CALL_MSYNC;
	default:
		return -1;
	}
}

SEC("tp_btf/sys_enter")
int BPF_PROG(raw_enter, struct pt_regs *regs, long id)
{
	int call = sync_call_of(id);

	if (call < 0)
		return 0;
	return on_enter_with(call, BPF_CORE_READ(regs, di));
}

static __always_inline int raw_exit_of(struct pt_regs *regs, long ret, bool find_vma, bool direct)
{
	int call = sync_call_of(BPF_CORE_READ(regs, orig_ax));

	if (call < 0)
		return 0;
	return on_exit(call, ret, find_vma, direct);
}

#define RAW_EXIT(variant, find_vma, direct)                             \
	SEC("tp_btf/sys_exit")                                          \
	int BPF_PROG(raw_exit##variant, struct pt_regs *regs, long ret) \
	{                                                               \
		return raw_exit_of(regs, ret, find_vma, direct);        \
	}

RAW_EXIT(_vma_cast, true, true)
RAW_EXIT(_vma_core, true, false)
RAW_EXIT(_novma_cast, false, true)
RAW_EXIT(_novma_core, false, false)

/*
 * ---- io_uring's FSYNC and SYNC_FILE_RANGE requests, on every backend ----
 * Timed from submission to completion, which is what the application
 * waits; attributed to the submitting thread; the file is the request's.
 */

/* The request's sync call, or -1 for another opcode. */
static __always_inline int request_call(struct io_kiocb *req, bool cast)
{
	struct io_sync *sync = FSBPF_REQUEST_CMD(struct io_sync, req);

	switch (FSBPF_READ(cast, req, opcode)) {
	case IORING_OP_FSYNC:
		return BPF_CORE_READ(sync, flags) & SYNCSNOOP_FSYNC_DATASYNC ? SYNC_CALL_FDATASYNC
									     : SYNC_CALL_FSYNC;
	case IORING_OP_SYNC_FILE_RANGE:
		return SYNC_CALL_SYNC_FILE_RANGE;
	default:
		return -1;
	}
}

static __always_inline int request_submitted(struct io_kiocb *req)
{
	int call = request_call(req, true);
	struct request_start start = {};
	__u64 key = fsbpf_request_id(req);

	if (call < 0 || !fsbpf_traced_process())
		return 0;
	start.start.call = call;
	/* Until completion, cqe holds the request's descriptor (or fixed file's index). */
	start.start.fd = BPF_CORE_READ(req, flags) & SYNCSNOOP_REQ_FIXED_FILE
				 ? -1
				 : BPF_CORE_READ(req, cqe.fd);
	FSBPF_SET_CALLER(&start, false);
	start.start.ts = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&requests, &key, &start, BPF_ANY))
		__sync_fetch_and_add(&missed_calls, 1);
	return 0;
}

static __always_inline void report_request(struct io_kiocb *req, const struct request_start *start)
{
	struct syncsnoop_event *event = new_event(
		&start->start, bpf_ktime_get_ns() - start->start.ts, FSBPF_REQUEST_RESULT(req));

	if (!event)
		return;
	event->pid = start->pid;
	event->tid = start->tid;
	event->mntns = start->mntns;
	event->cgroup_id = start->cgroup_id;
	__builtin_memcpy(event->comm, start->comm, sizeof(event->comm));
	event->flags = SYNCSNOOP_IO_URING;
	send_event(event, with_paths ? BPF_CORE_READ(req, file) : NULL, false);
}

static __always_inline int request_completed(struct io_kiocb *req, bool cast)
{
	__u64 key = fsbpf_request_id(req);
	struct request_start *start;

	/* Another opcode may reuse a sync request whose completion overflowed. */
	if (request_call(req, cast) < 0)
		return 0;
	start = bpf_map_lookup_elem(&requests, &key);
	if (!start)
		return 0;
	report_request(req, start);
	bpf_map_delete_elem(&requests, &key);
	return 0;
}

FSBPF_URING_PROGRAMS(request_submitted, request_completed)

char LICENSE[] SEC("license") = "GPL";
