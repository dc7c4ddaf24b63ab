// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A BPF log2 histogram (fsbpf/histogram.h) as Prometheus buckets: slots are
// cumulative in the map, so each collection exports what came since the last.
#pragma once

#include <linux/types.h>

#include <fsbpf/histogram.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace fsbpf {

// Buckets with bounds 2^first .. 2^last units (each scaled by `scale`, e.g.
// 1e-9 for nanoseconds as seconds): slots below fold into the first bucket,
// slots above into +Inf.
class Log2Buckets {
public:
	constexpr Log2Buckets(int first, int last, double scale)
		: first_(first), last_(last), scale_(scale)
	{
	}

	std::vector<double> bounds() const
	{
		std::vector<double> bounds;
		for (int k = first_; k <= last_; k++)
			bounds.push_back(std::ldexp(scale_, k));
		return bounds;
	}

	// The counts of `now` that `before` had not, per bucket and above the
	// last, and their sum in scaled units; `before` becomes `now`.
	std::vector<uint64_t> take(const fsbpf_log2_hist &now, fsbpf_log2_hist &before,
				   double &sum) const
	{
		std::vector<uint64_t> counts(static_cast<size_t>(last_ - first_ + 2), 0);
		for (int k = 0; k < FSBPF_LOG2_SLOTS; k++) {
			const auto slot = static_cast<size_t>(k);
			const int bucket = std::clamp(k, first_, last_ + 1) - first_;
			counts[static_cast<size_t>(bucket)] += now.slots[slot] - before.slots[slot];
		}
		sum = static_cast<double>(now.sum - before.sum) * scale_;
		before = now;
		return counts;
	}

private:
	int first_, last_;
	double scale_;
};

} // namespace fsbpf
