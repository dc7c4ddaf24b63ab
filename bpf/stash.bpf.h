/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A call's entry, remembered per thread until its exit: the entry/exit
 * pairs of every tool. An entry the table has no room for is counted in
 * missed_calls (the counter tools print as "missed"), never dropped unseen.
 */
#ifndef FSBPF_STASH_BPF_H
#define FSBPF_STASH_BPF_H

#include <bpf/bpf_helpers.h>

__u64 missed_calls = 0;

/* A table of entries of type `entry` by thread id, `threads` at once. */
#define FSBPF_STASH(name, entry, threads)        \
	struct {                                 \
		__uint(type, BPF_MAP_TYPE_HASH); \
		__uint(max_entries, threads);    \
		__type(key, __u32);              \
		__type(value, entry);            \
	} name SEC(".maps")

static __always_inline __u32 fsbpf_current_tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

/* Remembers entry for the current thread's exit. */
static __always_inline void fsbpf_stash_put(void *stash, const void *entry)
{
	__u32 tid = fsbpf_current_tid();

	if (bpf_map_update_elem(stash, &tid, entry, BPF_ANY))
		__sync_fetch_and_add(&missed_calls, 1);
}

/* The current thread's entry, or NULL; fsbpf_stash_drop() when done with it. */
static __always_inline void *fsbpf_stash_get(void *stash)
{
	__u32 tid = fsbpf_current_tid();

	return bpf_map_lookup_elem(stash, &tid);
}

static __always_inline void fsbpf_stash_drop(void *stash)
{
	__u32 tid = fsbpf_current_tid();

	bpf_map_delete_elem(stash, &tid);
}

#endif
