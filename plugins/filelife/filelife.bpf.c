// SPDX-License-Identifier: GPL-2.0
/*
 * filelife: what happens to the names of regular files, for user space to
 * keep the table of lives. Two views of the kernel:
 *  - vfs: do_filp_open, vfs_create, vfs_link, vfs_unlink and vfs_rename, by
 *    fentry/fexit or kprobe/kretprobe. Exact: dentries, inodes, link counts;
 *    the table `lives` keeps the unlinks and renames of other files in here.
 *  - syscall: the raw sys_exit tracepoint, for kernels that offer neither.
 *    It sees the text a caller passed and the directory that text is
 *    relative to; user space resolves it.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "filelife.h"
#include "caller.bpf.h"
#include "filter.bpf.h"
#include "path.bpf.h"
#include "ringbuf.bpf.h"
#include "stash.bpf.h"
#include "syscall.bpf.h"
#include "uring.bpf.h"

const volatile bool full_paths = false;

/*
 * Events the ring buffer had no room for (births among them counted apart);
 * births `lives` had no room for; calls not followed.
 */
__u64 lost_events = 0;
__u64 lost_births = 0;
__u64 table_full = 0;
/*
 * io_uring opens that may create (O_CREAT, O_TMPFILE) into a fixed file
 * slot: no descriptor to find the file by.
 */
__u64 fixed_file_opens = 0;

/*
 * A file born while tracing, as the vfs views keep it: the mount it was
 * opened through, to walk its later names' paths from (NULL after mknod,
 * which sees no mount; user space then knows the directory's path or not).
 */
struct life {
	struct vfsmount *mnt;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FILELIFE_MAX_FILES);
	__type(key, struct filelife_inode);
	__type(value, struct life);
} lives SEC(".maps");

/* A vfs call between its entry and its exit. */
struct call {
	__u32 kind;
	__u32 flags;
	struct dentry *dentry[2];
	struct vfsmount *mnt; /* of the tracked file, for --full-path */
	struct filelife_inode file;
	struct filelife_inode victim;
};

FSBPF_STASH(calls, struct call, FILELIFE_MAX_CALLS);

/* Sized by user space (--ring-size). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 2 << 20);
} events SEC(".maps");

/*
 * Events are built here, then only their used bytes go to the ring. A
 * program preempted on a CPU can be followed there by another of ours, so
 * each CPU has a slot per nesting level; programs nest strictly, so a plain
 * per-CPU depth counter hands each its own.
 */
#define FILELIFE_NESTING 4

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FILELIFE_NESTING);
	__type(key, __u32);
	__type(value, struct filelife_event);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} nesting SEC(".maps");

/* ---- What every view shares ---- */

static __always_inline void inode_id(struct filelife_inode *id, struct inode *inode, bool direct)
{
	id->dev = FSBPF_READ(direct, inode, i_sb, s_dev);
	id->ino = FSBPF_READ(direct, inode, i_ino);
	id->gen = FSBPF_READ(direct, inode, i_generation);
	id->pad = 0;
}

static __always_inline void clear_inode_id(struct filelife_inode *id)
{
	id->dev = id->ino = 0;
	id->gen = id->pad = 0;
}

static __always_inline bool is_regular(struct inode *inode, bool direct)
{
	return (FSBPF_READ(direct, inode, i_mode) & FILELIFE_S_IFMT) == FILELIFE_S_IFREG;
}

static __always_inline __u32 *nesting_depth(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&nesting, &zero);
}

static __always_inline bool is_birth(__u32 kind)
{
	return kind == FILELIFE_CREATE || kind == FILELIFE_MKNOD;
}

static __always_inline void count_lost(__u32 kind)
{
	__sync_fetch_and_add(&lost_events, 1);
	if (is_birth(kind))
		__sync_fetch_and_add(&lost_births, 1);
}

/* Every event returned must go to send_event() or drop_event(). */
static __always_inline struct filelife_event *new_event(enum filelife_kind kind, __u32 flags,
							bool direct)
{
	struct filelife_event *event;
	__u32 *depth = nesting_depth();
	__u32 slot;

	if (!depth || *depth >= FILELIFE_NESTING) {
		count_lost(kind);
		return NULL;
	}
	slot = *depth;
	event = bpf_map_lookup_elem(&scratch, &slot);
	if (!event) {
		count_lost(kind);
		return NULL;
	}
	*depth = slot + 1;
	event->ts = bpf_ktime_get_ns();
	event->kind = kind;
	event->flags = flags;
	FSBPF_SET_CALLER(event, direct);
	event->request = 0;
	event->result = 0;
	clear_inode_id(&event->file);
	clear_inode_id(&event->victim);
	event->names[0].flags = event->names[1].flags = 0;
	event->names[0].size = event->names[1].size = 0;
	event->paths[0].len = event->paths[1].len = 0;
	event->paths[0].flags = event->paths[1].flags = 0;
	event->paths[0].depth = event->paths[1].depth = 0;
	return event;
}

static __always_inline void drop_event(struct filelife_event *event)
{
	__u32 *depth = nesting_depth();

	if (depth && *depth)
		*depth -= 1;
}

static __always_inline void send_event(struct filelife_event *event)
{
	__u64 size = offsetof(struct filelife_event, tail) + (__u64)event->names[0].size +
		     event->names[1].size + event->paths[0].len + event->paths[1].len;

	if (size > sizeof(*event))
		size = sizeof(*event);
	event->size = size;
	if (bpf_ringbuf_output(&events, event, size, fsbpf_ringbuf_wakeup(size)))
		count_lost(event->kind);
	drop_event(event);
}

/* Where names[index]'s text goes in the tail: after the names before it. */
static __always_inline char *name_text(struct filelife_event *event, int index)
{
	__u32 offset = index ? event->names[0].size : 0;

	return event->tail + (offset & (FILELIFE_TEXT_LEN * 2 - 1));
}

/* The path of dentry on vfsmnt, for names[index]; names must be written first. */
static __always_inline void put_path(struct filelife_event *event, int index,
				     struct vfsmount *vfsmnt, struct dentry *dentry,
				     __u32 name_flag, bool direct)
{
	/* After both names' texts and the paths before it. */
	__u64 offset = (__u64)event->names[0].size + event->names[1].size;

	if (index)
		offset += event->paths[0].len;
	barrier_var(offset); /* keep the bound check on the register that is used */
	if (offset > 2 * FILELIFE_TEXT_LEN + FSBPF_PATH_BYTES)
		return;
	fsbpf_walk_path(event->tail + offset, &event->paths[index & 1], vfsmnt, dentry, direct);
	event->names[index & 1].flags |= name_flag;
}

/* A name the kernel resolved: the dentry's parent and its own name. names[0] first. */
static __always_inline void exact_name(struct filelife_event *event, int index,
				       struct dentry *dentry, bool direct)
{
	struct filelife_name *name = &event->names[index & 1];
	long len;

	inode_id(&name->dir, FSBPF_READ(direct, dentry, d_parent, d_inode), direct);
	len = bpf_probe_read_kernel_str(name_text(event, index), FILELIFE_LEAF_LEN,
					FSBPF_READ(direct, dentry, d_name.name));
	name->size = len > 0 ? len : 0;
	name->flags = FILELIFE_NAME_SET | FILELIFE_NAME_EXACT;
}

/* The key is copied to the stack: before 5.12 map keys could not live in the ring buffer. */
static __always_inline bool track(const struct filelife_inode *file, struct vfsmount *mnt)
{
	struct filelife_inode key = *file;
	struct life life = {.mnt = mnt};

	if (!bpf_map_update_elem(&lives, &key, &life, BPF_ANY))
		return true;
	__sync_fetch_and_add(&table_full, 1);
	return false;
}

static __always_inline struct life *tracked(struct filelife_inode *file)
{
	return bpf_map_lookup_elem(&lives, file);
}

/*
 * An open that created its file, or an O_TMPFILE. Only the vfs views keep
 * `lives`; the system-call views send every birth's path, from which user
 * space learns the directories that later names with slashes go through.
 */
static __always_inline int report_open(struct file *file, bool keep_table, bool direct)
{
	bool tmpfile = FSBPF_READ(direct, file, f_flags) & FILELIFE_O_TMPFILE;
	struct filelife_event *event;
	struct dentry *dentry;
	struct inode *inode;

	/* Every open passes here: the common case leaves after two reads. */
	if (!(FSBPF_READ(direct, file, f_mode) & FILELIFE_FMODE_CREATED) && !tmpfile)
		return 0;
	inode = FSBPF_READ(direct, file, f_inode);
	if (!is_regular(inode, direct))
		return 0;
	event = new_event(FILELIFE_CREATE, tmpfile ? FILELIFE_TMPFILE : 0, direct);
	if (!event)
		return 0;
	inode_id(&event->file, inode, direct);
	if (keep_table && !track(&event->file, FSBPF_READ(direct, file, f_path.mnt))) {
		drop_event(event);
		return 0;
	}
	if (tmpfile) {
		send_event(event);
		return 0;
	}
	dentry = FSBPF_READ(direct, file, f_path.dentry);
	exact_name(event, 0, dentry, direct);
	/* The directory's path: its leaf is read once, as names[0]. */
	if (full_paths || !keep_table)
		put_path(event, 0, FSBPF_READ(direct, file, f_path.mnt),
			 FSBPF_READ(direct, dentry, d_parent), FILELIFE_NAME_BASE_PATH, direct);
	send_event(event);
	return 0;
}

/* ---- vfs: entry records the call, exit reports it if it succeeded ---- */

/* Every vfs entry passes here: other processes stop at the filter. */
static __always_inline void remember(struct call *call)
{
	if (fsbpf_traced_process())
		FSBPF_STASH_PUT(calls, call);
}

static __always_inline int on_create_entry(struct dentry *dentry)
{
	struct call call = {.kind = FILELIFE_MKNOD, .dentry = {dentry}};

	remember(&call);
	return 0;
}

static __always_inline int on_link_entry(struct dentry *old, struct dentry *new)
{
	struct call call = {.kind = FILELIFE_LINK, .dentry = {old, new}};
	struct life *life;

	inode_id(&call.file, BPF_CORE_READ(old, d_inode), false);
	life = tracked(&call.file);
	if (!life)
		return 0;
	call.mnt = life->mnt;
	remember(&call);
	return 0;
}

static __always_inline int on_unlink_entry(struct dentry *dentry)
{
	struct inode *inode = BPF_CORE_READ(dentry, d_inode);
	struct call call = {.kind = FILELIFE_UNLINK, .dentry = {dentry}};
	struct life *life;

	inode_id(&call.file, inode, false);
	life = tracked(&call.file);
	if (!life)
		return 0;
	call.mnt = life->mnt;
	call.flags = FILELIFE_NLINK_KNOWN;
	if (BPF_CORE_READ(inode, i_nlink) == 1)
		call.flags |= FILELIFE_LAST_LINK;
	remember(&call);
	return 0;
}

static __always_inline int on_rename_entry(struct dentry *old, struct dentry *new, __u32 flags)
{
	struct inode *victim = BPF_CORE_READ(new, d_inode);
	struct call call = {.kind = FILELIFE_RENAME, .dentry = {old, new}};
	bool exchange = flags & FILELIFE_RENAME_EXCHANGE;
	struct life *life;

	call.flags = FILELIFE_NLINK_KNOWN | (exchange ? FILELIFE_EXCHANGE : 0);
	inode_id(&call.file, BPF_CORE_READ(old, d_inode), false);
	life = tracked(&call.file);
	if (life)
		call.mnt = life->mnt;
	else
		clear_inode_id(&call.file);
	if (victim) {
		inode_id(&call.victim, victim, false);
		life = tracked(&call.victim);
		if (life && !call.mnt)
			call.mnt = life->mnt;
		if (!life || (call.victim.dev == call.file.dev && call.victim.ino == call.file.ino))
			clear_inode_id(&call.victim);
		else if (!exchange && BPF_CORE_READ(victim, i_nlink) == 1)
			call.flags |= FILELIFE_LAST_LINK;
	}
	if (call.file.ino || call.victim.ino)
		remember(&call);
	return 0;
}

/* Submits the event if the created file is regular and fits in `lives`, else discards it. */
static __always_inline void report_created(struct call *call, struct filelife_event *event)
{
	struct dentry *dentry = call->dentry[0];
	struct inode *inode = BPF_CORE_READ(dentry, d_inode);

	if (inode && is_regular(inode, false)) {
		inode_id(&event->file, inode, false);
		if (track(&event->file, NULL)) {
			exact_name(event, 0, dentry, false);
			send_event(event);
			return;
		}
	}
	drop_event(event);
}

/*
 * After a rename the moved dentry carries the new name and parent, with or
 * without RENAME_EXCHANGE; after an exchange the other one carries the old.
 */
static __always_inline void report_call(struct call *call, struct filelife_event *event)
{
	int named = 0; /* the name the path is for */
	struct dentry *dentry = call->dentry[0];

	event->file = call->file;
	event->victim = call->victim;
	switch (call->kind) {
	case FILELIFE_LINK:
		named = 1;
		dentry = call->dentry[1];
		exact_name(event, 1, dentry, false);
		break;
	case FILELIFE_UNLINK:
		exact_name(event, 0, dentry, false);
		break;
	case FILELIFE_RENAME:
		named = 1;
		if (call->flags & FILELIFE_EXCHANGE)
			exact_name(event, 0, call->dentry[1], false);
		exact_name(event, 1, dentry, false);
		break;
	}
	if (full_paths && call->mnt)
		put_path(event, named, call->mnt, dentry, FILELIFE_NAME_FULL_PATH, false);
	send_event(event);
}

static __always_inline int on_vfs_exit(int ret)
{
	struct filelife_event *event;
	struct call *call = fsbpf_traced_task() ? FSBPF_STASH_GET(calls) : NULL;

	if (!call)
		return 0;
	if (ret)
		goto done;
	/* A file that lost its last name leaves `lives` even when its event is lost. */
	if (call->flags & FILELIFE_LAST_LINK)
		bpf_map_delete_elem(&lives,
				    call->kind == FILELIFE_UNLINK ? &call->file : &call->victim);
	event = new_event(call->kind, call->flags, false);
	if (!event)
		goto done;
	if (call->kind == FILELIFE_MKNOD)
		report_created(call, event);
	else
		report_call(call, event);
done:
	FSBPF_STASH_DROP(calls, call);
	return 0;
}

static __always_inline bool is_err(const void *ptr)
{
	return (unsigned long)ptr >= (unsigned long)-4095;
}

/*
 * ---- fentry/fexit and kprobe/kretprobe ----
 *
 * The vfs functions changed their parameters across kernels. Each layout has
 * its own program, named FUNCTION__LAYOUT; user space reads the layout from
 * BTF and loads only that one:
 *   vfs_create  d1 (dir, dentry, mode, excl) 5.10; (idmap, dentry, mode, di) 7.2
 *               d2 (idmap, dir, dentry, mode, excl)
 *   vfs_link    n4 (old, dir, new, delegated)        n5 (old, idmap, dir, new, delegated)
 *   vfs_unlink  d1 (dir, dentry, delegated)          d2 (idmap, dir, dentry, delegated)
 *   vfs_rename  n6 (old_dir, old, new_dir, new, delegated, flags)   rd (struct renamedata *)
 * The opening function is do_filp_open, or do_file_open (7.2): user space
 * points the open programs at whichever BTF has.
 */

static __always_inline int rename_entry_from_renamedata(struct renamedata *rd)
{
	return on_rename_entry(BPF_CORE_READ(rd, old_dentry), BPF_CORE_READ(rd, new_dentry),
			       BPF_CORE_READ(rd, flags));
}

SEC("fexit/do_filp_open")
int BPF_PROG(fexit_open, int dfd, void *name, void *op, struct file *file)
{
	return is_err(file) || !fsbpf_traced_process() ? 0 : report_open(file, true, false);
}

SEC("fentry/vfs_create")
int BPF_PROG(fentry_vfs_create__d1, void *dir, struct dentry *dentry)
{
	return on_create_entry(dentry);
}

SEC("fentry/vfs_create")
int BPF_PROG(fentry_vfs_create__d2, void *idmap, void *dir, struct dentry *dentry)
{
	return on_create_entry(dentry);
}

SEC("fexit/vfs_create")
int BPF_PROG(fexit_vfs_create__d1, void *a0, void *a1, long a2, long a3, int ret)
{
	return on_vfs_exit(ret);
}

SEC("fexit/vfs_create")
int BPF_PROG(fexit_vfs_create__d2, void *a0, void *a1, void *a2, long a3, long a4, int ret)
{
	return on_vfs_exit(ret);
}

SEC("fentry/vfs_link")
int BPF_PROG(fentry_vfs_link__n4, struct dentry *old, void *dir, struct dentry *new)
{
	return on_link_entry(old, new);
}

SEC("fentry/vfs_link")
int BPF_PROG(fentry_vfs_link__n5, struct dentry *old, void *idmap, void *dir, struct dentry *new)
{
	return on_link_entry(old, new);
}

SEC("fexit/vfs_link")
int BPF_PROG(fexit_vfs_link__n4, void *a0, void *a1, void *a2, void *a3, int ret)
{
	return on_vfs_exit(ret);
}

SEC("fexit/vfs_link")
int BPF_PROG(fexit_vfs_link__n5, void *a0, void *a1, void *a2, void *a3, void *a4, int ret)
{
	return on_vfs_exit(ret);
}

SEC("fentry/vfs_unlink")
int BPF_PROG(fentry_vfs_unlink__d1, void *dir, struct dentry *dentry)
{
	return on_unlink_entry(dentry);
}

SEC("fentry/vfs_unlink")
int BPF_PROG(fentry_vfs_unlink__d2, void *idmap, void *dir, struct dentry *dentry)
{
	return on_unlink_entry(dentry);
}

SEC("fexit/vfs_unlink")
int BPF_PROG(fexit_vfs_unlink__d1, void *a0, void *a1, void *a2, int ret)
{
	return on_vfs_exit(ret);
}

SEC("fexit/vfs_unlink")
int BPF_PROG(fexit_vfs_unlink__d2, void *a0, void *a1, void *a2, void *a3, int ret)
{
	return on_vfs_exit(ret);
}

SEC("fentry/vfs_rename")
int BPF_PROG(fentry_vfs_rename__n6, void *old_dir, struct dentry *old, void *new_dir,
	     struct dentry *new, void *delegated, unsigned int flags)
{
	return on_rename_entry(old, new, flags);
}

SEC("fentry/vfs_rename")
int BPF_PROG(fentry_vfs_rename__rd, struct renamedata *rd)
{
	return rename_entry_from_renamedata(rd);
}

SEC("fexit/vfs_rename")
int BPF_PROG(fexit_vfs_rename__n6, void *a0, void *a1, void *a2, void *a3, void *a4,
	     unsigned int a5, int ret)
{
	return on_vfs_exit(ret);
}

SEC("fexit/vfs_rename")
int BPF_PROG(fexit_vfs_rename__rd, void *a0, int ret)
{
	return on_vfs_exit(ret);
}

/* Bare section: user space attaches it to the opening function BTF names. */
SEC("kretprobe")
int BPF_KRETPROBE(kretprobe_open, struct file *file)
{
	return is_err(file) || !fsbpf_traced_process() ? 0 : report_open(file, true, false);
}

SEC("kprobe/vfs_create")
int BPF_KPROBE(kprobe_vfs_create__d1, void *dir, struct dentry *dentry)
{
	return on_create_entry(dentry);
}

SEC("kprobe/vfs_create")
int BPF_KPROBE(kprobe_vfs_create__d2, void *idmap, void *dir, struct dentry *dentry)
{
	return on_create_entry(dentry);
}

SEC("kprobe/vfs_link")
int BPF_KPROBE(kprobe_vfs_link__n4, struct dentry *old, void *dir, struct dentry *new)
{
	return on_link_entry(old, new);
}

SEC("kprobe/vfs_link")
int BPF_KPROBE(kprobe_vfs_link__n5, struct dentry *old, void *idmap, void *dir, struct dentry *new)
{
	return on_link_entry(old, new);
}

SEC("kprobe/vfs_unlink")
int BPF_KPROBE(kprobe_vfs_unlink__d1, void *dir, struct dentry *dentry)
{
	return on_unlink_entry(dentry);
}

SEC("kprobe/vfs_unlink")
int BPF_KPROBE(kprobe_vfs_unlink__d2, void *idmap, void *dir, struct dentry *dentry)
{
	return on_unlink_entry(dentry);
}

/* The sixth argument, flags, is in r9: PT_REGS_PARM6 came after libbpf 1.1. */
SEC("kprobe/vfs_rename")
int BPF_KPROBE(kprobe_vfs_rename__n6, void *old_dir, struct dentry *old, void *new_dir,
	       struct dentry *new)
{
	return on_rename_entry(old, new, (__u32)ctx->r9);
}

SEC("kprobe/vfs_rename")
int BPF_KPROBE(kprobe_vfs_rename__rd, struct renamedata *rd)
{
	return rename_entry_from_renamedata(rd);
}

#define KRETPROBE_EXIT(func)                          \
	SEC("kretprobe/" #func)                       \
	int BPF_KRETPROBE(kretprobe_##func, long ret) \
	{                                             \
		return on_vfs_exit((int)ret);         \
	}

KRETPROBE_EXIT(vfs_create)
KRETPROBE_EXIT(vfs_link)
KRETPROBE_EXIT(vfs_unlink)
KRETPROBE_EXIT(vfs_rename)

/* ---- raw sys_exit: the system calls, by number (x86-64) ---- */

/* The directory a path is relative to: the root, the working directory, or dfd's. */
struct base {
	struct vfsmount *mnt;
	struct dentry *dentry;
};

static __always_inline bool base_of(struct base *base, int dfd, bool absolute, bool direct)
{
	struct task_struct *task = fsbpf_current_task(direct);
	struct file *dir;

	if (absolute) {
		base->mnt = FSBPF_READ(direct, task, fs, root.mnt);
		base->dentry = FSBPF_READ(direct, task, fs, root.dentry);
	} else if (dfd == FILELIFE_AT_FDCWD) {
		base->mnt = FSBPF_READ(direct, task, fs, pwd.mnt);
		base->dentry = FSBPF_READ(direct, task, fs, pwd.dentry);
	} else {
		dir = fsbpf_fd_file(dfd, direct);
		if (!dir)
			return false;
		base->mnt = FSBPF_READ(direct, dir, f_path.mnt);
		base->dentry = FSBPF_READ(direct, dir, f_path.dentry);
	}
	return true;
}

/*
 * Whether names[index] of the event being built has a slash: a function the
 * verifier checks once, apart from its callers. Inlined at each of them, its
 * loop over up to 1,024 bytes was two thirds of the sys_exit program's
 * verification (135,000 of 205,000 instructions, 0.27 s of start-up).
 */
__noinline int built_name_has_slash(__u32 index)
{
	__u32 *depth = nesting_depth();
	struct filelife_event *event;
	const char *text;
	__u32 slot, len;

	if (!depth || *depth == 0)
		return 0;
	slot = *depth - 1;
	event = bpf_map_lookup_elem(&scratch, &slot);
	if (!event)
		return 0;
	text = name_text(event, index);
	len = event->names[index & 1].size;
	for (__u32 i = 0; i < FILELIFE_TEXT_LEN; i++) {
		if (i >= len)
			break;
		if (text[i] == '/')
			return 1;
	}
	return 0;
}

/* A system call's path is in the caller's memory; an io_uring request's, in the kernel's copy. */
static __always_inline long read_text(char *copy, const char *text, __u64 request)
{
	if (request)
		return bpf_probe_read_kernel_str(copy, FILELIFE_TEXT_LEN, text);
	return bpf_probe_read_user_str(copy, FILELIFE_TEXT_LEN, text);
}

/* Reads a path argument into names[index]; false when it cannot be read or its directory is gone.
 */
static __always_inline bool text_name(struct filelife_event *event, int index, struct base *base,
				      int dfd, const char *text, bool direct)
{
	struct filelife_name *name = &event->names[index & 1];
	char *copy = name_text(event, index);
	long len = read_text(copy, text, event->request);
	struct dentry *dir;

	if (len <= 0)
		return false;
	name->size = len;
	name->flags = FILELIFE_NAME_SET;
	if (len == FILELIFE_TEXT_LEN)
		name->flags |= FILELIFE_NAME_TRUNCATED;
	if (!base_of(base, dfd, copy[0] == '/', direct))
		return false;
	dir = base->dentry;
	inode_id(&name->dir, FSBPF_READ(direct, dir, d_inode), direct);
	return true;
}

/*
 * Names with slashes, and renamed or removed directories, for user space's
 * map of directory paths; mknod's, whose new file user space finds by path.
 */
static __always_inline bool needs_base_path(struct filelife_event *event, int index)
{
	if (!(event->names[index & 1].flags & FILELIFE_NAME_SET))
		return false;
	switch (event->kind) {
	case FILELIFE_MKNOD:
	case FILELIFE_RENAME:
	case FILELIFE_RMDIR:
		return true;
	default:
		return full_paths || built_name_has_slash(index);
	}
}

static __always_inline void add_base_paths(struct filelife_event *event, struct base *first,
					   struct base *second, bool direct)
{
	if (needs_base_path(event, 0))
		put_path(event, 0, first->mnt, first->dentry, FILELIFE_NAME_BASE_PATH, direct);
	if (needs_base_path(event, 1))
		put_path(event, 1, second->mnt, second->dentry, FILELIFE_NAME_BASE_PATH, direct);
}

/* "/proc/self/fd/N", the path open(2) documents for linking an O_TMPFILE: N, else -1. */
static __always_inline int proc_self_fd(struct filelife_event *event)
{
	const char prefix[] = "/proc/self/fd/";
	const char *text = event->tail; /* names[0] */
	int fd = 0;
	int i;

	for (i = 0; i < sizeof(prefix) - 1; i++)
		if (text[i] != prefix[i])
			return -1;
	for (; i < sizeof(prefix) + 7; i++) {
		char c = text[i];

		if (!c)
			return i > sizeof(prefix) - 1 ? fd : -1;
		if (c < '0' || c > '9')
			return -1;
		fd = fd * 10 + (c - '0');
	}
	return -1;
}

static __always_inline void file_of_fd(struct filelife_inode *id, int fd, bool direct)
{
	struct file *file = fsbpf_fd_file(fd, direct);

	if (file)
		inode_id(id, FSBPF_READ(direct, file, f_inode), direct);
}

/*
 * A directory's list of child dentries, as kernels before and since 6.8 lay
 * it out. Both put a new dentry first.
 */
struct dentry___subdirs {
	struct list_head d_subdirs;
	struct list_head d_child;
} __attribute__((preserve_access_index));

struct dentry___children {
	struct hlist_head d_children;
	struct hlist_node d_sib;
} __attribute__((preserve_access_index));

/* Children looked at for a name just made: other threads' new ones may come first. */
#define FILELIFE_CHILDREN_SEEN 8

/* A search of a directory's children for names[0] (len bytes), as it goes. */
struct child_search {
	const __u64 *text;
	__u64 *spare; /* for a copy of each child's name */
	__u32 len;
	unsigned long node;   /* the list node of the child to look at */
	unsigned long end;    /* the list's head, where it ends; 0 for an hlist */
	unsigned long offset; /* of the node in struct dentry */
	struct inode *found;
};

/* Whether dentry's name is the search's, compared eight bytes at a time, the NUL's word masked. */
static __always_inline bool is_named(struct dentry *dentry, struct child_search *search)
{
	const __u32 words = FILELIFE_LEAF_LEN / sizeof(__u64);
	__u32 bytes = search->len + 1;

	if (BPF_CORE_READ(dentry, d_name.len) != search->len ||
	    bpf_probe_read_kernel_str(search->spare, FILELIFE_LEAF_LEN,
				      BPF_CORE_READ(dentry, d_name.name)) != bytes)
		return false;
	for (__u32 i = 0; i < words; i++) {
		__u32 left = bytes - i * sizeof(__u64);
		__u64 mask = left >= sizeof(__u64) ? ~0ULL : (1ULL << (left * 8)) - 1;

		if ((search->spare[i] ^ search->text[i]) & mask)
			return false;
		if (left <= sizeof(__u64))
			return true;
	}
	return true;
}

/*
 * Looks at one child, then moves to the next; 1 when the search is over.
 * The next node is read first: 5.10 refuses a loop that a helper call's
 * return falls into.
 */
static __always_inline long search_step(struct child_search *search)
{
	unsigned long node = search->node, next;
	struct dentry *child = (struct dentry *)(node - search->offset);
	struct inode *inode;

	/* next comes first in both list_head and hlist_node */
	if (!node || node == search->end ||
	    bpf_probe_read_kernel(&next, sizeof(next), (void *)node))
		return 1;
	inode = BPF_CORE_READ(child, d_inode);
	if (inode && is_named(child, search)) {
		search->found = inode;
		return 1;
	}
	search->node = next;
	return 0;
}

/* bpf_loop's callback: verified once, not once per child. */
static long search_step_looped(__u64 index, void *search)
{
	return search_step(search);
}

/*
 * The inode of dir's child named names[0], from the dentry cache, or NULL:
 * mknod returns no descriptor to find its file by. A name with slashes is
 * no child's.
 */
static __always_inline struct inode *child_inode(struct filelife_event *event, struct dentry *dir,
						 bool direct)
{
	struct dentry___children *children = (void *)dir;
	struct dentry___subdirs *subdirs = (void *)dir;
	struct child_search search = {
		.text = (const __u64 *)event->tail,                  /* names[0]'s */
		.spare = (__u64 *)(event->tail + FILELIFE_TEXT_LEN), /* names[1]'s, unused */
		.len = event->names[0].size - 1,
	};

	if (bpf_core_field_exists(children->d_children)) {
		search.node = (unsigned long)BPF_CORE_READ(children, d_children.first);
		search.offset = bpf_core_field_offset(children->d_sib);
	} else {
		search.node = (unsigned long)BPF_CORE_READ(subdirs, d_subdirs.next);
		search.end = (unsigned long)dir + bpf_core_field_offset(subdirs->d_subdirs);
		search.offset = bpf_core_field_offset(subdirs->d_child);
	}
	if (direct) { /* bpf_loop is there: 5.17 came before bpf_rdonly_cast */
		bpf_loop(FILELIFE_CHILDREN_SEEN, search_step_looped, &search, 0);
		return search.found;
	}
	for (int i = 0; i < FILELIFE_CHILDREN_SEEN; i++)
		if (search_step(&search))
			break;
	return search.found;
}

static __always_inline void find_made_file(struct filelife_event *event, struct dentry *dir,
					   bool direct)
{
	struct inode *inode = child_inode(event, dir, direct);

	if (inode)
		inode_id(&event->file, inode, false);
}

/* An event of io_uring's request, or of a system call (request 0). */
static __always_inline struct filelife_event *
new_request_event(enum filelife_kind kind, __u32 flags, __u64 request, bool direct)
{
	struct filelife_event *event =
		new_event(kind, flags | (request ? FILELIFE_REQUEST : 0), direct);

	if (event)
		event->request = request;
	return event;
}

static __always_inline int report_names(enum filelife_kind kind, __u32 flags, int dfd1,
					const char *text1, int dfd2, const char *text2,
					__u64 request, bool direct)
{
	struct filelife_event *event = new_request_event(kind, flags, request, direct);
	struct base first = {}, second = {};

	if (!event)
		return 0;
	if (!text_name(event, 0, &first, dfd1, text1, direct) ||
	    (text2 && !text_name(event, 1, &second, dfd2, text2, direct))) {
		drop_event(event);
		return 0;
	}
	if (kind == FILELIFE_LINK)
		file_of_fd(&event->file, proc_self_fd(event), direct);
	if (kind == FILELIFE_MKNOD)
		find_made_file(event, first.dentry, direct);
	add_base_paths(event, &first, &second, direct);
	send_event(event);
	return 0;
}

/*
 * report_names as functions the verifier checks once each, apart from their
 * callers: inlined at each of the nine system calls that name files, it
 * made the sys_exit program take the verifier 0.9 s, most of filelife's
 * start-up, and inlined in io_uring's submit program it doubled filelife's
 * start-up again. A global function takes at most five scalars: the kind
 * and its flags travel as one pair, the two directory descriptors as
 * another, the texts and the io_uring request (0 for a system call) as
 * addresses.
 */
static __always_inline __u64 pair(__u32 low, __u32 high)
{
	return (__u64)high << 32 | low;
}

__noinline int report_names_cast(__u64 kind_flags, __u64 dfds, __u64 text1, __u64 text2,
				 __u64 request)
{
	return report_names((__u32)kind_flags, kind_flags >> 32, (int)dfds, (const char *)text1,
			    (int)(dfds >> 32), (const char *)text2, request, true);
}

__noinline int report_names_core(__u64 kind_flags, __u64 dfds, __u64 text1, __u64 text2,
				 __u64 request)
{
	return report_names((__u32)kind_flags, kind_flags >> 32, (int)dfds, (const char *)text1,
			    (int)(dfds >> 32), (const char *)text2, request, false);
}

static __always_inline int request_names_reported(__u64 request, enum filelife_kind kind,
						  __u32 flags, int dfd1, const char *text1,
						  int dfd2, const char *text2, bool direct)
{
	__u64 kind_flags = pair(kind, flags), dfds = pair(dfd1, dfd2);

	if (direct)
		return report_names_cast(kind_flags, dfds, (__u64)text1, (__u64)text2, request);
	return report_names_core(kind_flags, dfds, (__u64)text1, (__u64)text2, request);
}

static __always_inline int names_reported(enum filelife_kind kind, __u32 flags, int dfd1,
					  const char *text1, int dfd2, const char *text2,
					  bool direct)
{
	return request_names_reported(0, kind, flags, dfd1, text1, dfd2, text2, direct);
}

/* linkat(fd, "", dir, name, AT_EMPTY_PATH): a new name for an open file. */
static __always_inline bool names_open_file(const char *old, int flags, __u64 request)
{
	char first;

	if (!(flags & FILELIFE_AT_EMPTY_PATH))
		return false;
	if (request)
		return !bpf_probe_read_kernel(&first, 1, old) && !first;
	return !bpf_probe_read_user(&first, 1, old) && !first;
}

static __always_inline int report_linkat(int olddfd, const char *old, int newdfd, const char *new,
					 int flags, __u64 request, bool direct)
{
	struct filelife_event *event;
	struct base base = {}, none = {};

	if (!names_open_file(old, flags, request))
		return request_names_reported(request, FILELIFE_LINK, 0, olddfd, old, newdfd, new,
					      direct);
	event = new_request_event(FILELIFE_LINK, 0, request, direct);
	if (!event)
		return 0;
	file_of_fd(&event->file, olddfd, direct);
	if (!text_name(event, 1, &base, newdfd, new, direct)) {
		drop_event(event);
		return 0;
	}
	add_base_paths(event, &none, &base, direct);
	send_event(event);
	return 0;
}

static __always_inline int report_opened(long fd, bool direct)
{
	struct file *file = fsbpf_fd_file((int)fd, direct);

	return file ? report_open(file, false, direct) : 0;
}

/* A system call's number and first five arguments. */
struct syscall_args {
	long nr;
	unsigned long arg[5];
};

static __always_inline const char *path_arg(const struct syscall_args *args, int index)
{
	return (const char *)args->arg[index];
}

static __always_inline int fd_arg(const struct syscall_args *args, int index)
{
	return (int)args->arg[index];
}

/* mknod(path, mode, dev) and mknodat(dfd, path, mode, dev), each in one place. */
static __always_inline int report_mknod(const struct syscall_args *args, bool direct)
{
	bool at = args->nr == FSBPF_NR_MKNODAT;
	__u32 type = (at ? args->arg[2] : args->arg[1]) & FILELIFE_S_IFMT;

	if (type && type != FILELIFE_S_IFREG)
		return 0;
	return names_reported(FILELIFE_MKNOD, 0, at ? fd_arg(args, 0) : FILELIFE_AT_FDCWD,
			      path_arg(args, at ? 1 : 0), 0, NULL, direct);
}

static __always_inline bool traced_syscall(long nr)
{
	switch (nr) {
	case FSBPF_NR_OPEN:
	case FSBPF_NR_CREAT:
	case FSBPF_NR_OPENAT:
	case FSBPF_NR_OPENAT2:
	case FSBPF_NR_MKNOD:
	case FSBPF_NR_MKNODAT:
	case FSBPF_NR_LINK:
	case FSBPF_NR_LINKAT:
	case FSBPF_NR_UNLINK:
	case FSBPF_NR_UNLINKAT:
	case FSBPF_NR_RMDIR:
	case FSBPF_NR_RENAME:
	case FSBPF_NR_RENAMEAT:
	case FSBPF_NR_RENAMEAT2:
		return true;
	default:
		return false;
	}
}

static __always_inline __u32 rename_flags(const struct syscall_args *args)
{
	return args->nr == FSBPF_NR_RENAMEAT2 && (args->arg[4] & FILELIFE_RENAME_EXCHANGE)
		       ? FILELIFE_EXCHANGE
		       : 0;
}

static __always_inline int report_syscall(const struct syscall_args *args, long ret, bool direct)
{
	if (ret < 0)
		return 0;
	switch (args->nr) {
	case FSBPF_NR_OPEN:
	case FSBPF_NR_CREAT:
	case FSBPF_NR_OPENAT:
	case FSBPF_NR_OPENAT2:
		return report_opened(ret, direct);
	case FSBPF_NR_MKNOD:
	case FSBPF_NR_MKNODAT:
		return report_mknod(args, direct);
	case FSBPF_NR_LINK:
		return names_reported(FILELIFE_LINK, 0, FILELIFE_AT_FDCWD, path_arg(args, 0),
				      FILELIFE_AT_FDCWD, path_arg(args, 1), direct);
	case FSBPF_NR_LINKAT:
		return report_linkat(fd_arg(args, 0), path_arg(args, 1), fd_arg(args, 2),
				     path_arg(args, 3), args->arg[4], 0, direct);
	case FSBPF_NR_UNLINK:
		return names_reported(FILELIFE_UNLINK, 0, FILELIFE_AT_FDCWD, path_arg(args, 0), 0,
				      NULL, direct);
	case FSBPF_NR_UNLINKAT:
		return names_reported(args->arg[2] & FILELIFE_AT_REMOVEDIR ? FILELIFE_RMDIR
									   : FILELIFE_UNLINK,
				      0, fd_arg(args, 0), path_arg(args, 1), 0, NULL, direct);
	case FSBPF_NR_RMDIR:
		return names_reported(FILELIFE_RMDIR, 0, FILELIFE_AT_FDCWD, path_arg(args, 0), 0,
				      NULL, direct);
	case FSBPF_NR_RENAME:
		return names_reported(FILELIFE_RENAME, 0, FILELIFE_AT_FDCWD, path_arg(args, 0),
				      FILELIFE_AT_FDCWD, path_arg(args, 1), direct);
	case FSBPF_NR_RENAMEAT:
	case FSBPF_NR_RENAMEAT2:
		return names_reported(FILELIFE_RENAME, rename_flags(args), fd_arg(args, 0),
				      path_arg(args, 1), fd_arg(args, 2), path_arg(args, 3),
				      direct);
	default:
		return 0;
	}
}

/* Every system call passes here: the number decides before anything else is read. */
static __always_inline int raw_exit(struct pt_regs *regs, long ret, bool direct)
{
	struct syscall_args args = {.nr = regs->orig_ax};

	if (!traced_syscall(args.nr) || ret < 0 || !fsbpf_traced_process())
		return 0;
	args.arg[0] = regs->di;
	args.arg[1] = regs->si;
	args.arg[2] = regs->dx;
	args.arg[3] = regs->r10;
	args.arg[4] = regs->r8;
	return report_syscall(&args, ret, direct);
}

/* Direct loads (path.bpf.h), where the host found bpf_rdonly_cast. */
SEC("tp_btf/sys_exit")
int BPF_PROG(raw_exit_cast, struct pt_regs *regs, long ret)
{
	return raw_exit(regs, ret, true);
}

/* CO-RE probe reads: every kernel with tp_btf. */
SEC("tp_btf/sys_exit")
int BPF_PROG(raw_exit_core, struct pt_regs *regs, long ret)
{
	return raw_exit(regs, ret, false);
}

/*
 * ---- syscalls:sys_enter_* and sys_exit_* tracepoints ----
 * Only the traced calls run a program. The exit tracepoint carries no
 * arguments, so the entry keeps them per thread.
 */

FSBPF_STASH(syscalls, struct syscall_args, FILELIFE_MAX_CALLS);

/*
 * The kernel refuses to attach a program that reads past the tracepoint's
 * record, so each reads only the arguments its call has.
 */
static __always_inline int keep_args(struct sys_enter_ctx *ctx, int count)
{
	struct syscall_args args = {.nr = ctx->nr, .arg = {ctx->args[0]}};

	if (!fsbpf_traced_process())
		return 0;
	if (count > 1)
		args.arg[1] = ctx->args[1];
	if (count > 2)
		args.arg[2] = ctx->args[2];
	if (count > 3)
		args.arg[3] = ctx->args[3];
	if (count > 4)
		args.arg[4] = ctx->args[4];
	FSBPF_STASH_PUT(syscalls, &args);
	return 0;
}

static __always_inline int report_kept(struct sys_exit_ctx *ctx)
{
	struct syscall_args *args = fsbpf_traced_task() ? FSBPF_STASH_GET(syscalls) : NULL;

	if (!args)
		return 0;
	if (args->nr == ctx->nr)
		report_syscall(args, ctx->ret, false);
	FSBPF_STASH_DROP(syscalls, args);
	return 0;
}

#define OPEN_TRACEPOINT(name)                                                                    \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                               \
	int tp_exit_##name(struct sys_exit_ctx *ctx)                                             \
	{                                                                                        \
		return ctx->ret < 0 || !fsbpf_traced_process() ? 0                               \
							       : report_opened(ctx->ret, false); \
	}

/* A call that names files, with the number of arguments it takes. */
#define NAME_TRACEPOINTS(name, arg_count)              \
	SEC("tracepoint/syscalls/sys_enter_" #name)    \
	int tp_enter_##name(struct sys_enter_ctx *ctx) \
	{                                              \
		return keep_args(ctx, arg_count);      \
	}                                              \
	SEC("tracepoint/syscalls/sys_exit_" #name)     \
	int tp_exit_##name(struct sys_exit_ctx *ctx)   \
	{                                              \
		return report_kept(ctx);               \
	}

OPEN_TRACEPOINT(open)
OPEN_TRACEPOINT(creat)
OPEN_TRACEPOINT(openat)
OPEN_TRACEPOINT(openat2)
NAME_TRACEPOINTS(mknod, 3)
NAME_TRACEPOINTS(mknodat, 4)
NAME_TRACEPOINTS(link, 2)
NAME_TRACEPOINTS(linkat, 5)
NAME_TRACEPOINTS(unlink, 1)
NAME_TRACEPOINTS(unlinkat, 3)
NAME_TRACEPOINTS(rmdir, 1)
NAME_TRACEPOINTS(rename, 2)
NAME_TRACEPOINTS(renameat, 4)
NAME_TRACEPOINTS(renameat2, 5)

/*
 * ---- io_uring's requests, for the system-call views ----
 * A request that names files never reaches sys_exit. Its names are read at
 * submission, from the kernel's copy, in the submitter's context (its
 * descriptors and directories); the event carries FILELIFE_REQUEST, and a
 * FILELIFE_REQUEST_DONE event later gives the request's result, for user
 * space to apply the first only if the request succeeded. An open is
 * reported at its completion, from the descriptor it returned, as sys_exit
 * reports one. User space loads these only where the completion tracepoint
 * passes the request (6.1 on), with the submit tracepoint BTF names.
 */

/*
 * 7.x holds a request's struct filename in a struct delayed_filename: the
 * name is copied at submission, then handed to audit at issue.
 */
struct delayed_filename___7 {
	struct filename *__incomplete_filename;
} __attribute__((preserve_access_index));

struct io_unlink___7 {
	struct delayed_filename___7 filename;
} __attribute__((preserve_access_index));

struct io_rename___7 {
	struct delayed_filename___7 oldpath;
	struct delayed_filename___7 newpath;
} __attribute__((preserve_access_index));

struct io_link___7 {
	struct delayed_filename___7 oldpath;
	struct delayed_filename___7 newpath;
} __attribute__((preserve_access_index));

/*
 * The kernel's copy of the name in field of the command type of req. Asked
 * of a type every kernel here has: a type vmlinux lacks sends libbpf to the
 * modules' BTF, which it may list only with CAP_SYS_ADMIN.
 */
#define FILELIFE_REQUEST_NAME(type, req, field)                                                 \
	(bpf_core_field_exists(((struct io_unlink___7 *)0)->filename)                           \
		 ? BPF_CORE_READ((struct type##___7 *)(req), field.__incomplete_filename, name) \
		 : BPF_CORE_READ((struct type *)(req), field, name))

static __always_inline int report_request_names(struct io_kiocb *req, __u8 opcode)
{
	__u64 request = fsbpf_request_id(req);

	switch (opcode) {
	case IORING_OP_UNLINKAT: {
		struct io_unlink *un = FSBPF_REQUEST_CMD(struct io_unlink, req);
		enum filelife_kind kind = BPF_CORE_READ(un, flags) & FILELIFE_AT_REMOVEDIR
						  ? FILELIFE_RMDIR
						  : FILELIFE_UNLINK;

		return request_names_reported(request, kind, 0, BPF_CORE_READ(un, dfd),
					      FILELIFE_REQUEST_NAME(io_unlink, req, filename), 0,
					      NULL, false);
	}
	case IORING_OP_RENAMEAT: {
		struct io_rename *ren = FSBPF_REQUEST_CMD(struct io_rename, req);
		__u32 flags = BPF_CORE_READ(ren, flags) & FILELIFE_RENAME_EXCHANGE
				      ? FILELIFE_EXCHANGE
				      : 0;

		return request_names_reported(
			request, FILELIFE_RENAME, flags, BPF_CORE_READ(ren, old_dfd),
			FILELIFE_REQUEST_NAME(io_rename, req, oldpath), BPF_CORE_READ(ren, new_dfd),
			FILELIFE_REQUEST_NAME(io_rename, req, newpath), false);
	}
	case IORING_OP_LINKAT: {
		struct io_link *lnk = FSBPF_REQUEST_CMD(struct io_link, req);

		return report_linkat(
			BPF_CORE_READ(lnk, old_dfd), FILELIFE_REQUEST_NAME(io_link, req, oldpath),
			BPF_CORE_READ(lnk, new_dfd), FILELIFE_REQUEST_NAME(io_link, req, newpath),
			BPF_CORE_READ(lnk, flags), request, false);
	}
	default:
		return 0;
	}
}

static __always_inline bool names_files(__u8 opcode)
{
	return opcode == IORING_OP_UNLINKAT || opcode == IORING_OP_RENAMEAT ||
	       opcode == IORING_OP_LINKAT;
}

static __always_inline int uring_submitted(struct io_kiocb *req)
{
	__u8 opcode = req->opcode;

	if (!names_files(opcode) || !fsbpf_traced_process())
		return 0;
	return report_request_names(req, opcode);
}

static __always_inline int report_request_done(struct io_kiocb *req, int result)
{
	struct filelife_event *event = new_event(FILELIFE_REQUEST_DONE, 0, false);

	if (!event)
		return 0;
	event->request = fsbpf_request_id(req);
	event->result = result;
	send_event(event);
	return 0;
}

static __always_inline int uring_opened(struct io_kiocb *req, int result)
{
	struct io_open *opening = FSBPF_REQUEST_CMD(struct io_open, req);

	if (BPF_CORE_READ(opening, file_slot)) {
		if (BPF_CORE_READ(opening, how.flags) & (FILELIFE_O_CREAT | FILELIFE_O_TMPFILE))
			__sync_fetch_and_add(&fixed_file_opens, 1);
		return 0;
	}
	return report_opened(result, false);
}

static __always_inline int uring_completed(struct io_kiocb *req, bool cast)
{
	__u8 opcode = FSBPF_READ(cast, req, opcode);
	int result;

	if (opcode != IORING_OP_OPENAT && opcode != IORING_OP_OPENAT2 && !names_files(opcode))
		return 0;
	if (!fsbpf_traced_process())
		return 0;
	result = FSBPF_REQUEST_RESULT(req);
	if (names_files(opcode))
		return report_request_done(req, result);
	return result < 0 ? 0 : uring_opened(req, result);
}

FSBPF_URING_PROGRAMS(uring_submitted, uring_completed)

char LICENSE[] SEC("license") = "GPL";
