// SPDX-License-Identifier: GPL-2.0
/*
 * The steps of a filetop-style syscall-exit hook, each a program of its own,
 * so that the driver can attach one at a time and price each step:
 *   empty      the tp_btf/sys_exit mechanism alone (empty_enter: sys_enter's;
 *              empty_tp_enter/exit: fsync's classic tracepoints)
 *   filter     + is this a read/write-family call that moved bytes?
 *   walk_core  + fd -> file -> inode through CO-RE probe reads
 *   walk_btf   + the same walk with direct BTF loads where the verifier allows
 *   walk_cast  + the walk with file and inode read through bpf_rdonly_cast (6.2+)
 *   cached     + walk_cast, but the key comes from a per-task cache of the
 *              last file when fdt->fd[fd] still holds that file
 *   hash       + walk_cast, then count in a shared hash (atomic adds)
 *   percpu     + walk_cast, then count in a per-CPU hash (plain adds)
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "hookcost.h"

#define S_IFMT  0170000
#define S_IFREG 0100000

__u64 seen = 0; /* keeps each step's work observable, so clang keeps it */

extern void *bpf_rdonly_cast(void *obj, __u32 btf_id) __ksym;

struct last_file {
	struct file *file;
	struct hookcost_key key;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct last_file);
} last_files SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HOOKCOST_MAX_FILES);
	__type(key, struct hookcost_key);
	__type(value, struct hookcost_counts);
} shared_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, HOOKCOST_MAX_FILES);
	__type(key, struct hookcost_key);
	__type(value, struct hookcost_counts);
} percpu_counts SEC(".maps");

static __always_inline bool is_read_write(long nr)
{
	switch (nr) {
	case HOOKCOST_NR_READ:
	case HOOKCOST_NR_WRITE:
	case HOOKCOST_NR_PREAD64:
	case HOOKCOST_NR_PWRITE64:
	case HOOKCOST_NR_READV:
	case HOOKCOST_NR_WRITEV:
	case HOOKCOST_NR_PREADV:
	case HOOKCOST_NR_PWRITEV:
	case HOOKCOST_NR_PREADV2:
	case HOOKCOST_NR_PWRITEV2:
		return true;
	default:
		return false;
	}
}

static __always_inline bool is_write(long nr)
{
	return nr == HOOKCOST_NR_WRITE || nr == HOOKCOST_NR_PWRITE64 || nr == HOOKCOST_NR_WRITEV ||
	       nr == HOOKCOST_NR_PWRITEV || nr == HOOKCOST_NR_PWRITEV2;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(empty)
{
	return 0;
}

/* With empty: the floor of a tp_btf entry/exit pair. */
SEC("tp_btf/sys_enter")
int BPF_PROG(empty_enter)
{
	return 0;
}

/*
 * With empty: the floor of io_uring's requests for a tool that sees them at
 * completion, or at submission too. Loaded only when held ("?"): 6.1 has no
 * io_uring_submit_req.
 */
SEC("?tp_btf/io_uring_submit_req")
int BPF_PROG(empty_uring_submit)
{
	return 0;
}

SEC("?tp_btf/io_uring_complete")
int BPF_PROG(empty_uring_complete)
{
	return 0;
}

/* The floor of a classic tracepoint pair on one system call. */
SEC("tracepoint/syscalls/sys_enter_fsync")
int empty_tp_enter(void *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_fsync")
int empty_tp_exit(void *ctx)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(filter, struct pt_regs *regs, long ret)
{
	if (ret <= 0 || !is_read_write(regs->orig_ax))
		return 0;
	seen++;
	return 0;
}

static __always_inline struct file *file_core(int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **files = BPF_CORE_READ(fdt, fd);
	struct file *file = NULL;

	if ((unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &files[fd]);
	return file;
}

static __always_inline bool key_core(struct pt_regs *regs, struct hookcost_key *key)
{
	struct file *file = file_core((int)regs->di);
	struct inode *inode;

	if (!file)
		return false;
	inode = BPF_CORE_READ(file, f_inode);
	if ((BPF_CORE_READ(inode, i_mode) & S_IFMT) != S_IFREG)
		return false;
	key->ino = BPF_CORE_READ(inode, i_ino);
	key->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	key->tid = (__u32)bpf_get_current_pid_tgid();
	return true;
}

/* Direct loads through BTF pointers are exception-table loads, not helper calls. */
static __always_inline struct file *file_btf(unsigned int fd)
{
	struct fdtable *fdt = bpf_get_current_task_btf()->files->fdt;
	struct file *file = NULL;

	if (fd >= fdt->max_fds)
		return NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fdt->fd[fd]);
	return file;
}

static __always_inline bool key_btf(struct pt_regs *regs, struct hookcost_key *key)
{
	struct file *file = file_btf((unsigned int)regs->di);
	struct inode *inode;

	if (!file)
		return false;
	inode = BPF_CORE_READ(file, f_inode);
	if ((BPF_CORE_READ(inode, i_mode) & S_IFMT) != S_IFREG)
		return false;
	key->ino = BPF_CORE_READ(inode, i_ino);
	key->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	key->tid = (__u32)bpf_get_current_pid_tgid();
	return true;
}

/* The file's fields through direct loads: no helper call per field. */
static __always_inline bool key_of_file(struct file *ptr, struct hookcost_key *key)
{
	struct file *file = bpf_rdonly_cast(ptr, bpf_core_type_id_kernel(struct file));
	struct inode *inode = file->f_inode;

	if ((inode->i_mode & S_IFMT) != S_IFREG)
		return false;
	key->ino = inode->i_ino;
	key->dev = inode->i_sb->s_dev;
	key->tid = (__u32)bpf_get_current_pid_tgid();
	return true;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(walk_cast, struct pt_regs *regs, long ret)
{
	struct hookcost_key key = {};
	struct file *file;

	if (ret <= 0 || !is_read_write(regs->orig_ax))
		return 0;
	file = file_btf((unsigned int)regs->di);
	if (!file || !key_of_file(file, &key))
		return 0;
	seen += key.ino;
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(cached, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct last_file *last;
	struct file *file;

	if (ret <= 0 || !is_read_write(regs->orig_ax))
		return 0;
	file = file_btf((unsigned int)regs->di);
	if (!file)
		return 0;
	last = bpf_task_storage_get(&last_files, task, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!last)
		return 0;
	if (last->file != file) {
		if (!key_of_file(file, &last->key))
			return 0;
		last->file = file;
	}
	seen += last->key.ino;
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(walk_core, struct pt_regs *regs, long ret)
{
	struct hookcost_key key = {};

	if (ret <= 0 || !is_read_write(regs->orig_ax) || !key_core(regs, &key))
		return 0;
	seen += key.ino;
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(walk_btf, struct pt_regs *regs, long ret)
{
	struct hookcost_key key = {};

	if (ret <= 0 || !is_read_write(regs->orig_ax) || !key_btf(regs, &key))
		return 0;
	seen += key.ino;
	return 0;
}

static __always_inline void count(struct hookcost_counts *counts, long nr, long ret, bool atomic)
{
	if (is_write(nr)) {
		if (atomic) {
			__sync_fetch_and_add(&counts->writes, 1);
			__sync_fetch_and_add(&counts->wbytes, ret);
		} else {
			counts->writes++;
			counts->wbytes += ret;
		}
	} else if (atomic) {
		__sync_fetch_and_add(&counts->reads, 1);
		__sync_fetch_and_add(&counts->rbytes, ret);
	} else {
		counts->reads++;
		counts->rbytes += ret;
	}
}

static __always_inline int count_in(void *map, struct pt_regs *regs, long ret, bool atomic)
{
	static const struct hookcost_counts zero = {};
	struct hookcost_key key = {};
	struct hookcost_counts *counts;
	long nr = regs->orig_ax;

	struct file *file;

	if (ret <= 0 || !is_read_write(nr))
		return 0;
	file = file_btf((unsigned int)regs->di);
	if (!file || !key_of_file(file, &key))
		return 0;
	counts = bpf_map_lookup_elem(map, &key);
	if (!counts) {
		bpf_map_update_elem(map, &key, &zero, BPF_NOEXIST);
		counts = bpf_map_lookup_elem(map, &key);
		if (!counts)
			return 0;
	}
	count(counts, nr, ret, atomic);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(hash, struct pt_regs *regs, long ret)
{
	return count_in(&shared_counts, regs, ret, true);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(percpu, struct pt_regs *regs, long ret)
{
	return count_in(&percpu_counts, regs, ret, false);
}

char LICENSE[] SEC("license") = "GPL";
