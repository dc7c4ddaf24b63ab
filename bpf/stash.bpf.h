/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A call's entry, remembered per thread until its exit: the entry/exit
 * pairs of every tool. An entry there is no room for is counted in
 * missed_calls (the counter tools print as "missed"), never dropped unseen.
 *
 * Where tracing programs may use task local storage (5.12+), the entry lives
 * in the thread's own storage, a cached lookup; elsewhere in a hash by thread
 * id, an update at entry and a lookup and a delete at exit. syncsnoop's fsync
 * entry and exit took 0.97 us with the hash on 6.18, 0.65 us with task
 * storage. User space picks one before loading (fsbpf/stash.hpp), and the
 * verifier never sees the other.
 */
#ifndef FSBPF_STASH_BPF_H
#define FSBPF_STASH_BPF_H

#include <bpf/bpf_helpers.h>

__u64 missed_calls = 0;
const volatile bool fsbpf_stash_in_task = false;

/* A thread's entry in task storage; `full` is cleared where the hash deletes. */
struct fsbpf_stash_slot {
	__u64 full;
	/* the entry follows */
};

/*
 * Entries of type `entry` for up to `threads` threads at once: the hash
 * `name`, and `name`_by_task in task storage (a one-entry hash on kernels
 * without it; fsbpf/stash.hpp finds it by that suffix).
 */
#define FSBPF_STASH(name, entry, threads)                                   \
	struct name##_slot {                                                \
		struct fsbpf_stash_slot head;                               \
		entry value;                                                \
	};                                                                  \
	_Static_assert(__builtin_offsetof(struct name##_slot, value) ==     \
			       sizeof(struct fsbpf_stash_slot),             \
		       "a stash entry starts right after its slot's head"); \
	struct {                                                            \
		__uint(type, BPF_MAP_TYPE_HASH);                            \
		__uint(max_entries, threads);                               \
		__type(key, __u32);                                         \
		__type(value, entry);                                       \
	} name SEC(".maps");                                                \
	struct {                                                            \
		__uint(type, BPF_MAP_TYPE_TASK_STORAGE);                    \
		__uint(map_flags, BPF_F_NO_PREALLOC);                       \
		__type(key, int);                                           \
		__type(value, struct name##_slot);                          \
	} name##_by_task SEC(".maps")

/* Remembers *entry for the current thread's exit. */
#define FSBPF_STASH_PUT(name, entry) \
	fsbpf_stash_put(&name, &name##_by_task, (entry), sizeof(*(entry)))
/* The current thread's entry, or NULL; FSBPF_STASH_DROP() it when done. */
#define FSBPF_STASH_GET(name)         fsbpf_stash_get(&name, &name##_by_task)
/* Forgets entry, which FSBPF_STASH_GET() returned. */
#define FSBPF_STASH_DROP(name, entry) fsbpf_stash_drop(&name, (entry))

static __always_inline __u32 fsbpf_current_tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

static __always_inline void fsbpf_stash_put(void *hash, void *by_task, const void *entry,
					    __u32 size)
{
	struct fsbpf_stash_slot *slot;
	__u32 tid;

	if (fsbpf_stash_in_task) {
		slot = bpf_task_storage_get(by_task, bpf_get_current_task_btf(), 0,
					    BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (!slot) {
			__sync_fetch_and_add(&missed_calls, 1);
			return;
		}
		__builtin_memcpy(slot + 1, entry, size);
		slot->full = 1;
		return;
	}
	tid = fsbpf_current_tid();
	if (bpf_map_update_elem(hash, &tid, entry, BPF_ANY))
		__sync_fetch_and_add(&missed_calls, 1);
}

static __always_inline void *fsbpf_stash_get(void *hash, void *by_task)
{
	struct fsbpf_stash_slot *slot;
	__u32 tid;

	if (fsbpf_stash_in_task) {
		slot = bpf_task_storage_get(by_task, bpf_get_current_task_btf(), 0, 0);
		return slot && slot->full ? slot + 1 : NULL;
	}
	tid = fsbpf_current_tid();
	return bpf_map_lookup_elem(hash, &tid);
}

static __always_inline void fsbpf_stash_drop(void *hash, void *entry)
{
	__u32 tid;

	if (fsbpf_stash_in_task) {
		((struct fsbpf_stash_slot *)entry - 1)->full = 0;
		return;
	}
	tid = fsbpf_current_tid();
	bpf_map_delete_elem(hash, &tid);
}

#endif
