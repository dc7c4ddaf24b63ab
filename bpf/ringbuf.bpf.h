/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Ring-buffer wakeups. Waking the reader for every record costs the traced
 * process more than the record itself (an irq_work, a self-IPI and a context
 * switch on a busy CPU), so a record wakes the reader only when it fills the
 * ring past half, or past three quarters: once per crossing, not for every
 * record while the reader catches up (a fast workload fills half the ring
 * long before the reader's next look). Two marks, because records of two
 * CPUs can pass one together, each seeing the ring as it was before the
 * other. Readers also look on their own every kRingPollMs (fsbpf/ring.hpp).
 */
#ifndef FSBPF_RINGBUF_BPF_H
#define FSBPF_RINGBUF_BPF_H

#include <bpf/bpf_helpers.h>

#define FSBPF_RINGBUF_HEADER 8 /* BPF_RINGBUF_HDR_SZ; records are 8-byte aligned */

static __always_inline bool fsbpf_crosses(__u64 before, __u64 after, __u64 mark)
{
	return before <= mark && after > mark;
}

/*
 * The wakeup flag for a record of `bytes`, for bpf_ringbuf_output (reserved
 * false: the ring does not count it yet) or bpf_ringbuf_submit (reserved).
 */
static __always_inline __u64 fsbpf_ringbuf_wakeup(void *ring, __u64 bytes, bool reserved)
{
	__u64 record = (bytes + 7) / 8 * 8 + FSBPF_RINGBUF_HEADER;
	__u64 size = bpf_ringbuf_query(ring, BPF_RB_RING_SIZE);
	__u64 after = bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA) + (reserved ? 0 : record);
	__u64 before = after > record ? after - record : 0;

	return fsbpf_crosses(before, after, size / 2) || fsbpf_crosses(before, after, size / 4 * 3)
		       ? BPF_RB_FORCE_WAKEUP
		       : BPF_RB_NO_WAKEUP;
}

#endif
