/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Ring-buffer wakeups. Waking the reader for every record costs the traced
 * process more than the record itself (an irq_work and a context switch on a
 * busy CPU), so records wake the reader only once the ring is half full;
 * readers look on their own every kRingPollMs (bpf/libbpf.hpp).
 */
#ifndef FSBPF_RINGBUF_BPF_H
#define FSBPF_RINGBUF_BPF_H

#include <bpf/bpf_helpers.h>

static __always_inline __u64 fsbpf_ringbuf_wakeup(void *ring)
{
	__u64 pending = bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA);

	return pending > bpf_ringbuf_query(ring, BPF_RB_RING_SIZE) / 2 ? BPF_RB_FORCE_WAKEUP
								       : BPF_RB_NO_WAKEUP;
}

#endif
