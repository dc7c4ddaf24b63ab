// SPDX-License-Identifier: GPL-2.0
// The exporter's metrics: families the tools register through the host
// (fsbpf_host.metric_*), their series, and the two exposition formats.
// Thread-safe: tools add from their threads while a scrape renders.
#pragma once

#include <fsbpf/plugin.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fsbpf {

enum class Exposition {
	Prometheus,  // text format 0.0.4
	OpenMetrics, // 1.0
};

// The format a scraper asked for in its Accept header.
Exposition exposition_for(std::string_view accept);
std::string_view content_type(Exposition format);

// A label value as the formats allow it: valid UTF-8, each byte that is not
// written as \xNN (a comm or a file name can be any bytes).
std::string utf8_label_value(std::string_view value);

class MetricRegistry {
public:
	struct Family;
	struct Series;

	// max_series: the series a family may have before the rest are summed
	// into one whose labels are all "other".
	explicit MetricRegistry(uint64_t max_series);
	~MetricRegistry();
	MetricRegistry(const MetricRegistry &) = delete;
	MetricRegistry &operator=(const MetricRegistry &) = delete;

	// nullptr with the reason in `why` when the metric is malformed or its
	// name is taken.
	Family *add_family(const fsbpf_metric &metric, std::string &why);
	// label_values: one per label. 0, or -EINVAL.
	int add(Family &family, const char *const *label_values, double value);
	int observe(Family &family, const char *const *label_values,
		    std::span<const uint64_t> counts, double sum);

	static size_t bucket_count(const Family &family);

	std::string render(Exposition format);

private:
	Series *series_for(Family &family, const char *const *label_values);

	uint64_t max_series_;
	std::mutex mutex_;
	std::vector<std::unique_ptr<Family>> families_;
	Family *folded_ = nullptr;
	Family *scrape_seconds_ = nullptr;
	Family *series_count_ = nullptr;
};

} // namespace fsbpf
