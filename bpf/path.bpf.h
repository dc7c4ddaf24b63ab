/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* BPF side of fsbpf/path.h: file descriptor to file, file to path. */
#ifndef FSBPF_PATH_BPF_H
#define FSBPF_PATH_BPF_H

#include <fsbpf/path.h>

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

/*
 * Each function here reads kernel memory one of two ways, chosen by its
 * `direct` argument, which must be a constant so that only one is compiled:
 *  - CO-RE probe reads (bpf_probe_read_kernel): any program, any kernel.
 *  - direct loads, which the verifier turns into fault-safe ones: programs
 *    whose pointers are BTF-typed (tp_btf, fentry), on kernels with
 *    bpf_get_current_task_btf and bpf_rdonly_cast (6.2+), where a pointer
 *    BTF gives no type gets one. A load is an instruction or two, a probe
 *    read a helper call.
 * A program that reads directly is loaded only where the host's rdonly_cast
 * probe passed: older kernels refuse even an unreachable call to a kfunc
 * they lack, so CO-RE readers must be programs of their own.
 */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

/*
 * src->a->b->..., read as `direct` says (see above): BPF_CORE_READ's chain,
 * spelled out with libbpf's own ___arrow when direct.
 */
#define FSBPF_READ(direct, src, a, ...) \
	((direct) ? ___arrow((src), a, ##__VA_ARGS__) : BPF_CORE_READ((src), a, ##__VA_ARGS__))

/*
 * The current task: BTF-typed when direct, else a plain address. Direct, it
 * is cast to an untrusted pointer, which loads the same: for each pointer
 * loaded from a trusted one, the verifier (6.12 and 6.18 alike) looks the
 * field up by name in all of vmlinux BTF, up to four times, on every path
 * it explores (two thirds of the time filetop's programs took to load).
 */
static __always_inline struct task_struct *fsbpf_current_task(bool direct)
{
	if (direct)
		return bpf_rdonly_cast(bpf_get_current_task_btf(),
				       bpf_core_type_id_kernel(struct task_struct));
	return (struct task_struct *)bpf_get_current_task();
}

/*
 * struct mount is private to fs/; its offset of mnt comes from the kernel's
 * BTF. The verifier refuses a negative offset from a BTF pointer: a direct
 * reader casts the address instead.
 */
static __always_inline struct mount *fsbpf_real_mount(struct vfsmount *vfsmnt, bool direct)
{
	unsigned long addr = (unsigned long)vfsmnt - bpf_core_field_offset(struct mount, mnt);

	if (direct)
		return bpf_rdonly_cast((void *)addr, bpf_core_type_id_kernel(struct mount));
	return (struct mount *)addr;
}

/*
 * The open file behind fd in the current task, or NULL. BTF has no type for
 * a slot of fdt->fd, an array of pointers: a direct reader reads the slot as
 * the first member of struct kiocb, ki_filp, a struct file * at offset 0.
 */
static __always_inline struct file *fsbpf_fd_file(int fd, bool direct)
{
	struct task_struct *task = fsbpf_current_task(direct);
	struct fdtable *fdt = FSBPF_READ(direct, task, files, fdt);
	struct file **files;
	struct kiocb *slot;
	struct file *file = NULL;

	if (fd < 0 || !fdt || (unsigned int)fd >= FSBPF_READ(direct, fdt, max_fds))
		return NULL;
	files = FSBPF_READ(direct, fdt, fd);
	if (direct) {
		slot = bpf_rdonly_cast(files + fd, bpf_core_type_id_kernel(struct kiocb));
		return slot->ki_filp;
	}
	bpf_probe_read_kernel(&file, sizeof(file), &files[fd]);
	return file;
}

/* Superblock magics of include/uapi/linux/magic.h, absent from BTF. */
#define FSBPF_PIPEFS_MAGIC        0x50495045
#define FSBPF_SOCKFS_MAGIC        0x534F434B
#define FSBPF_ANON_INODE_FS_MAGIC 0x09041934

/*
 * Writes prefix, then the decimal n and "]", at names; the bytes written, NUL
 * included. For CO-RE readers, on kernels that may lack bpf_snprintf. Written
 * without a branch on the digits: the verifier would check what follows once
 * for every length of n, in every caller's state.
 */
static __always_inline __u32 fsbpf_put_numbered(char *names, const char *prefix, __u32 prefix_len,
						__u64 n)
{
	char digits[20]; /* all of them, most significant first */
	__u64 count = 1, more, skip;
	__u32 at;

	for (at = 0; at < prefix_len && at < 16; at++)
		names[at] = prefix[at];
	for (int i = 19; i >= 0; i--) {
		digits[i] = '0' + n % 10;
		n /= 10;
		more = n | -n;                          /* top bit set while digits remain */
		asm volatile("%0 >>= 63" : "+r"(more)); /* or clang makes it a branch */
		count += more;
	}
	skip = 20 - count;
	if (skip > 19) /* count may be 21 for the verifier */
		skip = 19;
	bpf_probe_read_kernel(names + at, 20 - skip, digits + skip);
	at += 20 - skip;
	barrier_var(at); /* keeps the masks below */
	names[at & 63] = ']';
	names[(at + 1) & 63] = 0;
	return at + 2;
}

/*
 * "pipe:[INO]" or "socket:[INO]" at names, as /proc/PID/fd names them; the
 * bytes written, NUL included. Direct readers (6.2+, bpf_rdonly_cast) format
 * with bpf_snprintf (5.13+), one helper call for the verifier to check.
 */
static __always_inline __u32 fsbpf_put_inode_name(char *names, bool pipe, __u64 ino, bool direct)
{
	long written;

	if (!direct)
		return pipe ? fsbpf_put_numbered(names, "pipe:[", 6, ino)
			    : fsbpf_put_numbered(names, "socket:[", 8, ino);
	written = pipe ? BPF_SNPRINTF(names, 64, "pipe:[%llu]", ino)
		       : BPF_SNPRINTF(names, 64, "socket:[%llu]", ino);
	return written > 0 ? written : 0;
}

/*
 * A dentry that is its own parent without being a mount's root belongs to no
 * tree: name it as /proc/PID/fd does. Pipes and sockets by inode number,
 * anonymous inodes by their name ("anon_inode:[eventfd]"), anything else
 * (memfd, shared anonymous memory) by its name, unlinked.
 */
static __always_inline void fsbpf_kernel_name(char *names, struct fsbpf_path_meta *meta,
					      struct dentry *dentry, bool direct)
{
	struct inode *inode = FSBPF_READ(direct, dentry, d_inode);
	unsigned long magic = FSBPF_READ(direct, dentry, d_sb, s_magic);
	const char *name = (const char *)FSBPF_READ(direct, dentry, d_name.name);
	long copied;

	meta->depth = 1;
	meta->flags = FSBPF_PATH_PRESENT | FSBPF_PATH_KERNEL_NAME;
	if (magic == FSBPF_PIPEFS_MAGIC || magic == FSBPF_SOCKFS_MAGIC) {
		meta->len = fsbpf_put_inode_name(names, magic == FSBPF_PIPEFS_MAGIC,
						 FSBPF_READ(direct, inode, i_ino), direct);
		return;
	}
	if (magic == FSBPF_ANON_INODE_FS_MAGIC) {
		__builtin_memcpy(names, "anon_inode:", 11);
		copied = bpf_probe_read_kernel_str(names + 11, FSBPF_NAME_MAX, name);
		meta->len = copied > 0 ? 11 + copied : 0;
		return;
	}
	copied = bpf_probe_read_kernel_str(names, FSBPF_NAME_MAX, name);
	meta->len = copied > 0 ? copied : 0;
	meta->flags = FSBPF_PATH_PRESENT | FSBPF_PATH_DELETED;
}

/* A walk in progress: where it is and what it found so far. */
struct fsbpf_walk {
	char *names;
	struct fsbpf_path_meta *meta;
	struct mount *mnt;
	struct dentry *dentry;
};

/*
 * One step up: from a mount's root to its mount point, or from a dentry to
 * its parent with the dentry's name added. 1 when the walk is over.
 *
 * The write offset lives in meta->len and is reloaded every step: read back
 * from memory it is an unknown bounded scalar, so the verifier can prune
 * steps instead of exploring one state per possible offset.
 */
static __always_inline long fsbpf_walk_step(struct fsbpf_walk *walk, bool direct)
{
	struct fsbpf_path_meta *meta = walk->meta;
	struct dentry *dentry = walk->dentry;
	struct mount *mnt = walk->mnt;
	struct dentry *parent = FSBPF_READ(direct, dentry, d_parent);
	__u32 len = meta->len;
	long copied;

	if (dentry == FSBPF_READ(direct, mnt, mnt.mnt_root)) {
		struct mount *parent_mnt = FSBPF_READ(direct, mnt, mnt_parent);

		if (parent_mnt == mnt) {
			meta->flags = FSBPF_PATH_PRESENT;
			return 1;
		}
		walk->dentry = FSBPF_READ(direct, mnt, mnt_mountpoint);
		walk->mnt = parent_mnt;
		return 0;
	}
	/* A root that is no mount's root: a dentry no longer reachable. */
	if (dentry == parent) {
		meta->flags = FSBPF_PATH_PRESENT;
		return 1;
	}
	if (len > FSBPF_PATH_BYTES - FSBPF_NAME_MAX)
		return 1;
	copied = bpf_probe_read_kernel_str(walk->names + len, FSBPF_NAME_MAX,
					   FSBPF_READ(direct, dentry, d_name.name));
	if (copied <= 0)
		return 1;
	meta->len = len + copied;
	meta->depth++;
	walk->dentry = parent;
	return 0;
}

/* bpf_loop's callback: verified once rather than once per step and caller. */
static long fsbpf_walk_step_direct(__u64 index, void *walk)
{
	return fsbpf_walk_step(walk, true);
}

/*
 * Walks from a dentry of the mount vfsmnt to the root of the mount tree,
 * stepping from each mount's root to its mount point, so bind mounts and
 * nested mounts give the path a process sees. The names go to names, up to
 * FSBPF_PATH_BYTES of them; what was found to meta. A direct reader needs a
 * BTF-typed dentry; vfsmnt may be a plain address. Direct readers step in
 * bpf_loop (5.17+, so every kernel with bpf_rdonly_cast): unrolled, their
 * steps keep pointers in registers and the verifier would exceed its limit.
 */
static __always_inline void fsbpf_walk_path(char *names, struct fsbpf_path_meta *meta,
					    struct vfsmount *vfsmnt, struct dentry *dentry,
					    bool direct)
{
	struct mount *mnt = fsbpf_real_mount(vfsmnt, direct);
	struct fsbpf_walk walk = {.names = names, .meta = meta, .mnt = mnt, .dentry = dentry};

	meta->len = 0;
	meta->depth = 0;
	meta->flags = 0;
	if (!dentry) /* also keeps clang from loading through a constant NULL */
		return;
	if (dentry == FSBPF_READ(direct, dentry, d_parent) &&
	    dentry != FSBPF_READ(direct, mnt, mnt.mnt_root)) {
		fsbpf_kernel_name(names, meta, dentry, direct);
		return;
	}
	meta->flags = FSBPF_PATH_PRESENT | FSBPF_PATH_TRUNCATED;
	if (direct) {
		bpf_loop(FSBPF_PATH_DEPTH, fsbpf_walk_step_direct, &walk, 0);
		return;
	}
	for (int i = 0; i < FSBPF_PATH_DEPTH; i++)
		if (fsbpf_walk_step(&walk, false))
			break;
}

/*
 * struct fsbpf_path begins with the fields of struct fsbpf_path_meta. The
 * walk keeps them in out itself: a copy on the stack would let the verifier
 * prune nothing and exceed its limit.
 */
static __always_inline void fsbpf_read_path(struct fsbpf_path *out, struct vfsmount *vfsmnt,
					    struct dentry *dentry, bool direct)
{
	fsbpf_walk_path(out->names, (struct fsbpf_path_meta *)out, vfsmnt, dentry, direct);
}

static __always_inline void fsbpf_read_file_path(struct fsbpf_path *out, struct file *file,
						 bool direct)
{
	fsbpf_read_path(out, FSBPF_READ(direct, file, f_path.mnt),
			FSBPF_READ(direct, file, f_path.dentry), direct);
}

/*
 * The bytes of a record whose last member, at `offset`, is `path`: the
 * header and the names the path uses, for bpf_ringbuf_output.
 */
static __always_inline __u64 fsbpf_path_record_size(const struct fsbpf_path *path, __u64 offset)
{
	__u64 size = path->len;

	if (size > FSBPF_PATH_BYTES)
		size = FSBPF_PATH_BYTES;
	/*
	 * Use the clamped value from here on: clang may otherwise reload the
	 * value it spilled before the clamp, whose bound 6.1's verifier did not
	 * see (R3 unbounded memory access).
	 */
	asm volatile("" : "+r"(size));
	return offset + offsetof(struct fsbpf_path, names) + size;
}

static __always_inline void fsbpf_clear_path(struct fsbpf_path *out)
{
	out->len = 0;
	out->depth = 0;
	out->flags = 0;
}

#endif
