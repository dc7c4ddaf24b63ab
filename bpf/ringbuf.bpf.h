/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Ring-buffer wakeups. Waking the reader for every record costs the traced
 * process more than the record itself (an irq_work, a self-IPI and a context
 * switch on a busy CPU), so each CPU counts the bytes it wrote since it last
 * woke the reader, and wakes it once they reach fsbpf_ring_wakeup_bytes.
 * User space sets that to half the ring over the CPU count (fsbpf/ring.hpp),
 * so the reader hears of the ring before half of it fills. Readers also look
 * on their own every kRingPollMs.
 *
 * A per-CPU count is one cached load and store. Asking the ring how full it
 * is instead (bpf_ringbuf_query twice) cost each record about 100 ns here,
 * reading positions that every CPU's records move.
 *
 * An object's records all go to one ring, which the count stands for.
 */
#ifndef FSBPF_RINGBUF_BPF_H
#define FSBPF_RINGBUF_BPF_H

#include <bpf/bpf_helpers.h>

#define FSBPF_RINGBUF_HEADER 8 /* BPF_RINGBUF_HDR_SZ; records are 8-byte aligned */

const volatile __u64 fsbpf_ring_wakeup_bytes = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} fsbpf_ring_unwoken SEC(".maps");

/* The wakeup flag for bpf_ringbuf_output or _submit of a record of `bytes`. */
static __always_inline __u64 fsbpf_ringbuf_wakeup(__u64 bytes)
{
	__u32 zero = 0;
	__u64 *unwoken = bpf_map_lookup_elem(&fsbpf_ring_unwoken, &zero);

	if (!unwoken)
		return BPF_RB_FORCE_WAKEUP;
	*unwoken += (bytes + 7) / 8 * 8 + FSBPF_RINGBUF_HEADER;
	if (*unwoken < fsbpf_ring_wakeup_bytes)
		return BPF_RB_NO_WAKEUP;
	*unwoken = 0;
	return BPF_RB_FORCE_WAKEUP;
}

#endif
