/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A log2 histogram kept in a BPF map, as BCC's *dist tools keep theirs, read
 * by user space into Prometheus buckets (fsbpf/histogram.hpp).
 *
 * Slot k counts values v with 2^(k-1) < v <= 2^k (slot 0: v <= 1), so that
 * 2^k is an exact Prometheus "le" bound for everything up to slot k; slot 63
 * also holds anything larger. The 65th slot stays 0 (kept for the layout).
 */
#ifndef FSBPF_HISTOGRAM_H
#define FSBPF_HISTOGRAM_H

#define FSBPF_LOG2_SLOTS 65

struct fsbpf_log2_hist {
	__u64 slots[FSBPF_LOG2_SLOTS];
	__u64 sum; /* of the values, wrapping at 2^64 */
};

#endif
