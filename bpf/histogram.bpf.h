/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Adds a value to a log2 histogram (fsbpf/histogram.h), from any program. */
#ifndef FSBPF_HISTOGRAM_BPF_H
#define FSBPF_HISTOGRAM_BPF_H

#include <fsbpf/histogram.h>

/* The number of bits x needs: 0 for 0, 64 for 2^63 and above. */
static __always_inline __u32 fsbpf_bit_length(__u64 x)
{
	__u32 bits = 0;

	if (x >> 32) {
		x >>= 32;
		bits += 32;
	}
	if (x >> 16) {
		x >>= 16;
		bits += 16;
	}
	if (x >> 8) {
		x >>= 8;
		bits += 8;
	}
	if (x >> 4) {
		x >>= 4;
		bits += 4;
	}
	if (x >> 2) {
		x >>= 2;
		bits += 2;
	}
	if (x >> 1) {
		x >>= 1;
		bits += 1;
	}
	return bits + (__u32)x;
}

static __always_inline void fsbpf_log2_add(struct fsbpf_log2_hist *hist, __u64 value)
{
	__u64 slot = value ? fsbpf_bit_length(value - 1) : 0;

	/*
	 * The index is bounded by a mask that clang cannot drop (the empty asm
	 * hides the clamp from it), not by a compare: 6.1's verifier lost a
	 * compare's bound when clang indexed through a copy of the register.
	 * Values over 2^62 ns, 146 years, share slot 63.
	 */
	if (slot > 63)
		slot = 63;
	asm volatile("" : "+r"(slot));
	slot &= 63;
	__sync_fetch_and_add(&hist->slots[slot], 1);
	__sync_fetch_and_add(&hist->sum, value);
}

#endif
