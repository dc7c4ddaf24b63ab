/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* BPF side of bpf/path.h: file descriptor to file, file to path. */
#ifndef FSBPF_PATH_BPF_H
#define FSBPF_PATH_BPF_H

#include "path.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

/* struct mount is private to fs/; its offset of mnt comes from the kernel's BTF. */
static __always_inline struct mount *fsbpf_real_mount(struct vfsmount *vfsmnt)
{
	return (struct mount *)((char *)vfsmnt - bpf_core_field_offset(struct mount, mnt));
}

/* The open file behind fd in the current task, or NULL. */
static __always_inline struct file *fsbpf_fd_file(int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **files;
	struct file *file = NULL;

	if (fd < 0 || !fdt || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	files = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&file, sizeof(file), &files[fd]);
	return file;
}

/* Superblock magics of include/uapi/linux/magic.h, absent from BTF. */
#define FSBPF_PIPEFS_MAGIC        0x50495045
#define FSBPF_SOCKFS_MAGIC        0x534F434B
#define FSBPF_ANON_INODE_FS_MAGIC 0x09041934

/* Writes prefix, then the decimal n and "]", at names; the bytes written, NUL included. */
static __always_inline __u32 fsbpf_put_numbered(char *names, const char *prefix, __u32 prefix_len,
						__u64 n)
{
	char digits[20];
	__u32 count = 0, at = 0;

	for (; at < prefix_len && at < 16; at++)
		names[at] = prefix[at];
	for (int i = 0; i < 20; i++) {
		digits[count++] = '0' + n % 10;
		n /= 10;
		if (!n)
			break;
	}
	for (int i = 0; i < 20; i++) {
		if (i >= count)
			break;
		names[at++ & 63] = digits[(count - 1 - i) & 31];
	}
	names[at++ & 63] = ']';
	names[at++ & 63] = 0;
	return at;
}

/*
 * A dentry that is its own parent without being a mount's root belongs to no
 * tree: name it as /proc/PID/fd does. Pipes and sockets by inode number,
 * anonymous inodes by their name ("anon_inode:[eventfd]"), anything else
 * (memfd, shared anonymous memory) by its name, unlinked.
 */
static __always_inline void fsbpf_kernel_name(char *names, struct fsbpf_path_meta *meta,
					      struct dentry *dentry)
{
	struct inode *inode = BPF_CORE_READ(dentry, d_inode);
	unsigned long magic = BPF_CORE_READ(dentry, d_sb, s_magic);
	const char *name = (const char *)BPF_CORE_READ(dentry, d_name.name);
	long copied;

	meta->depth = 1;
	meta->flags = FSBPF_PATH_PRESENT | FSBPF_PATH_KERNEL_NAME;
	if (magic == FSBPF_PIPEFS_MAGIC) {
		meta->len = fsbpf_put_numbered(names, "pipe:[", 6, BPF_CORE_READ(inode, i_ino));
		return;
	}
	if (magic == FSBPF_SOCKFS_MAGIC) {
		meta->len = fsbpf_put_numbered(names, "socket:[", 8, BPF_CORE_READ(inode, i_ino));
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

/*
 * Walks from a dentry of the mount vfsmnt to the root of the mount tree,
 * stepping from each mount's root to its mount point, so bind mounts and
 * nested mounts give the path a process sees. The names go to names, up to
 * FSBPF_PATH_BYTES of them; what was found to meta.
 *
 * The write offset lives in meta->len and is reloaded every iteration: read
 * back from memory it is an unknown bounded scalar, so the verifier can prune
 * iterations instead of exploring one state per possible offset.
 */
static __always_inline void fsbpf_walk_path(char *names, struct fsbpf_path_meta *meta,
					    struct vfsmount *vfsmnt, struct dentry *dentry)
{
	struct mount *mnt = fsbpf_real_mount(vfsmnt);

	meta->len = 0;
	meta->depth = 0;
	if (dentry == BPF_CORE_READ(dentry, d_parent) &&
	    dentry != BPF_CORE_READ(vfsmnt, mnt_root)) {
		fsbpf_kernel_name(names, meta, dentry);
		return;
	}
	meta->flags = FSBPF_PATH_PRESENT | FSBPF_PATH_TRUNCATED;
	for (int i = 0; i < FSBPF_PATH_DEPTH; i++) {
		struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
		struct dentry *mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
		__u32 len = meta->len;
		long copied;

		if (dentry == mnt_root) {
			struct mount *parent_mnt = BPF_CORE_READ(mnt, mnt_parent);

			if (parent_mnt == mnt) {
				meta->flags = FSBPF_PATH_PRESENT;
				break;
			}
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = parent_mnt;
			vfsmnt = (struct vfsmount *)((char *)mnt +
						     bpf_core_field_offset(struct mount, mnt));
			continue;
		}
		/* A root that is no mount's root: a dentry no longer reachable. */
		if (dentry == parent) {
			meta->flags = FSBPF_PATH_PRESENT;
			break;
		}
		if (len > FSBPF_PATH_BYTES - FSBPF_NAME_MAX)
			break;
		copied = bpf_probe_read_kernel_str(names + len, FSBPF_NAME_MAX,
						   BPF_CORE_READ(dentry, d_name.name));
		if (copied <= 0)
			break;
		meta->len = len + copied;
		meta->depth++;
		dentry = parent;
	}
}

/*
 * struct fsbpf_path begins with the fields of struct fsbpf_path_meta. The
 * walk keeps them in out itself: a copy on the stack would let the verifier
 * prune nothing and exceed its limit.
 */
static __always_inline void fsbpf_read_path(struct fsbpf_path *out, struct vfsmount *vfsmnt,
					    struct dentry *dentry)
{
	fsbpf_walk_path(out->names, (struct fsbpf_path_meta *)out, vfsmnt, dentry);
}

static __always_inline void fsbpf_read_file_path(struct fsbpf_path *out, struct file *file)
{
	fsbpf_read_path(out, BPF_CORE_READ(file, f_path.mnt), BPF_CORE_READ(file, f_path.dentry));
}

static __always_inline void fsbpf_clear_path(struct fsbpf_path *out)
{
	out->len = 0;
	out->depth = 0;
	out->flags = 0;
}

#endif
