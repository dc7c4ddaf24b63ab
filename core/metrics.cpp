// SPDX-License-Identifier: GPL-2.0
#include "metrics.hpp"

#include "text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>

namespace fsbpf {

struct MetricRegistry::Series {
	double value = 0;
	std::vector<uint64_t> buckets; // histograms: per bucket and above the last
	double sum = 0;
};

struct MetricRegistry::Family {
	fsbpf_metric_type type = FSBPF_METRIC_COUNTER;
	std::string name, help, unit;
	std::vector<std::string> labels;
	std::vector<double> bounds;
	uint64_t max_series = 0;
	std::map<std::vector<std::string>, Series> series;
	uint64_t folded = 0; // updates summed into the "other" series
};

namespace {

bool is_name(std::string_view name, bool colons)
{
	const auto valid = [&](char c, bool first) {
		return std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
		       (colons && c == ':') ||
		       (!first && std::isdigit(static_cast<unsigned char>(c)));
	};
	if (name.empty() || !valid(name.front(), true))
		return false;
	return std::all_of(name.begin() + 1, name.end(), [&](char c) { return valid(c, false); });
}

// The name OpenMetrics gives the family: a counter's without "_total".
std::string_view base_name(const MetricRegistry::Family &family)
{
	std::string_view name = family.name;
	if (family.type == FSBPF_METRIC_COUNTER)
		name.remove_suffix(std::string_view("_total").size());
	return name;
}

bool same_shape(const MetricRegistry::Family &a, const MetricRegistry::Family &b)
{
	return a.type == b.type && a.name == b.name && a.unit == b.unit && a.labels == b.labels &&
	       a.bounds == b.bounds && a.max_series == b.max_series;
}

std::string check_metric(const fsbpf_metric &metric)
{
	if (metric.size < sizeof(fsbpf_metric) || !metric.name || !metric.help)
		return "incomplete";
	const std::string_view name = metric.name;
	if (!is_name(name, true))
		return "not a Prometheus metric name";
	if (metric.type < FSBPF_METRIC_COUNTER || metric.type > FSBPF_METRIC_HISTOGRAM)
		return "unknown type";
	if (metric.type == FSBPF_METRIC_COUNTER && !name.ends_with("_total"))
		return "a counter's name ends with _total";
	if (metric.type == FSBPF_METRIC_HISTOGRAM &&
	    (metric.bucket_count == 0 || !metric.buckets ||
	     !std::is_sorted(metric.buckets, metric.buckets + metric.bucket_count)))
		return "a histogram needs ascending buckets";
	for (const char *const *label = metric.labels; label && *label; label++)
		if (!is_name(*label, false) || std::string_view(*label).starts_with("__") ||
		    std::string_view(*label) == "le")
			return fmt::format("invalid label name '{}'", excerpt_for_terminal(*label));
	return {};
}

std::string escape(std::string_view text, bool quotes)
{
	std::string out;
	for (const char c : text) {
		if (c == '\\')
			out += "\\\\";
		else if (c == '\n')
			out += "\\n";
		else if (c == '"' && quotes)
			out += "\\\"";
		else
			out += c;
	}
	return out;
}

std::string number(double value)
{
	if (std::isinf(value))
		return value > 0 ? "+Inf" : "-Inf";
	if (std::isnan(value))
		return "NaN";
	return fmt::format("{}", value);
}

std::string label_set(const MetricRegistry::Family &family, const std::vector<std::string> &values,
		      std::string_view le = {})
{
	std::string out;
	for (size_t i = 0; i < values.size(); i++)
		out += fmt::format("{}{}=\"{}\"", out.empty() ? "" : ",", family.labels[i],
				   escape(values[i], true));
	if (!le.empty())
		out += fmt::format("{}le=\"{}\"", out.empty() ? "" : ",", le);
	return out.empty() ? out : "{" + out + "}";
}

void render_histogram(std::string &out, const MetricRegistry::Family &family,
		      const std::vector<std::string> &labels, const MetricRegistry::Series &series)
{
	uint64_t cumulative = 0;
	for (size_t i = 0; i <= family.bounds.size(); i++) {
		cumulative += series.buckets[i];
		const double bound = i < family.bounds.size() ? family.bounds[i] : INFINITY;
		out += fmt::format("{}_bucket{} {}\n", family.name,
				   label_set(family, labels, number(bound)), cumulative);
	}
	out += fmt::format("{}_sum{} {}\n", family.name, label_set(family, labels),
			   number(series.sum));
	out += fmt::format("{}_count{} {}\n", family.name, label_set(family, labels), cumulative);
}

void render_family(std::string &out, const MetricRegistry::Family &family, Exposition format)
{
	static constexpr const char *kTypes[] = {"counter", "gauge", "histogram"};
	const bool open_metrics = format == Exposition::OpenMetrics;
	const std::string_view name = open_metrics ? base_name(family) : family.name;
	out += fmt::format("# HELP {} {}\n", name, escape(family.help, false));
	out += fmt::format("# TYPE {} {}\n", name, kTypes[family.type]);
	if (open_metrics && !family.unit.empty())
		out += fmt::format("# UNIT {} {}\n", name, family.unit);
	for (const auto &[labels, series] : family.series) {
		if (family.type == FSBPF_METRIC_HISTOGRAM)
			render_histogram(out, family, labels, series);
		else
			out += fmt::format("{}{} {}\n", family.name, label_set(family, labels),
					   number(series.value));
	}
}

} // namespace

namespace {

// The q value of one media range of an Accept header ("type;version=1;q=0.5").
double quality(std::string_view range)
{
	size_t at = range.find(";q=");
	if (at == std::string_view::npos)
		at = range.find("; q=");
	if (at == std::string_view::npos)
		return 1;
	const std::string value(range.substr(range.find('=', at) + 1));
	char *end = nullptr;
	const double q = std::strtod(value.c_str(), &end);
	return end == value.c_str() ? 0 : q;
}

} // namespace

// OpenMetrics when the scraper rates it above the text format (Prometheus
// asks for it first), else the text format that every scraper reads.
Exposition exposition_for(std::string_view accept)
{
	double open_metrics = 0, text = 0;
	while (!accept.empty()) {
		const size_t comma = std::min(accept.find(','), accept.size());
		std::string_view range = accept.substr(0, comma);
		accept.remove_prefix(std::min(comma + 1, accept.size()));
		while (!range.empty() && range.front() == ' ')
			range.remove_prefix(1);
		if (range.starts_with("application/openmetrics-text"))
			open_metrics = std::max(open_metrics, quality(range));
		else if (range.starts_with("text/plain"))
			text = std::max(text, quality(range));
	}
	return open_metrics > 0 && open_metrics >= text ? Exposition::OpenMetrics
							: Exposition::Prometheus;
}

std::string_view content_type(Exposition format)
{
	return format == Exposition::OpenMetrics
		       ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
		       : "text/plain; version=0.0.4; charset=utf-8";
}

std::string utf8_label_value(std::string_view value)
{
	std::string out;
	while (!value.empty()) {
		const size_t length = utf8_sequence_length(value);
		if (length == 0) {
			out += fmt::format("\\x{:02x}", static_cast<unsigned char>(value.front()));
			value.remove_prefix(1);
		} else {
			out += value.substr(0, length);
			value.remove_prefix(length);
		}
	}
	return out;
}

MetricRegistry::MetricRegistry(uint64_t max_series) : max_series_(max_series)
{
	static constexpr const char *kMetricLabel[] = {"metric", nullptr};
	std::string why;
	folded_ = add_family({sizeof(fsbpf_metric), FSBPF_METRIC_COUNTER,
			      "fsbpf_exporter_folded_updates_total",
			      "Updates summed into a family's \"other\" series: it had reached "
			      "its series limit",
			      nullptr, kMetricLabel, nullptr, 0, 0},
			     why);
	scrape_seconds_ = add_family(
		{sizeof(fsbpf_metric), FSBPF_METRIC_GAUGE, "fsbpf_exporter_scrape_duration_seconds",
		 "Time the exporter took to render this scrape, itself excluded", "seconds",
		 nullptr, nullptr, 0, 0},
		why);
	series_count_ =
		add_family({sizeof(fsbpf_metric), FSBPF_METRIC_GAUGE, "fsbpf_exporter_series",
			    "Series in this scrape, the exporter's own excluded", nullptr, nullptr,
			    nullptr, 0, 0},
			   why);
}

MetricRegistry::~MetricRegistry() = default;

MetricRegistry::Family *MetricRegistry::add_family(const fsbpf_metric &metric, std::string &why)
{
	why = check_metric(metric);
	if (!why.empty())
		return nullptr;
	auto family = std::make_unique<Family>();
	family->type = static_cast<fsbpf_metric_type>(metric.type);
	family->name = metric.name;
	family->help = metric.help;
	family->unit = metric.unit ? metric.unit : "";
	for (const char *const *label = metric.labels; label && *label; label++)
		family->labels.emplace_back(*label);
	family->bounds.assign(metric.buckets, metric.buckets + metric.bucket_count);
	family->max_series = metric.max_series ? metric.max_series : max_series_;
	if (!family->unit.empty() && !base_name(*family).ends_with("_" + family->unit)) {
		why = "the name does not end with its unit";
		return nullptr;
	}
	const std::lock_guard lock(mutex_);
	for (const auto &other : families_) {
		if (base_name(*other) != base_name(*family))
			continue;
		// Tools share a family by registering the same one.
		if (same_shape(*other, *family))
			return other.get();
		why = "a different metric has that name";
		return nullptr;
	}
	families_.push_back(std::move(family));
	return families_.back().get();
}

// The series of these label values, or the family's "other" one once it is full.
MetricRegistry::Series *MetricRegistry::series_for(Family &family, const char *const *label_values)
{
	std::vector<std::string> labels;
	for (size_t i = 0; i < family.labels.size(); i++) {
		if (!label_values || !label_values[i])
			return nullptr;
		labels.push_back(utf8_label_value(label_values[i]));
	}
	auto found = family.series.find(labels);
	if (found == family.series.end() && family.series.size() >= family.max_series) {
		std::fill(labels.begin(), labels.end(), "other");
		family.folded++;
		found = family.series.find(labels);
	}
	if (found == family.series.end()) {
		found = family.series.emplace(std::move(labels), Series{}).first;
		if (family.type == FSBPF_METRIC_HISTOGRAM)
			found->second.buckets.assign(family.bounds.size() + 1, 0);
	}
	return &found->second;
}

int MetricRegistry::add(Family &family, const char *const *label_values, double value)
{
	if (family.type == FSBPF_METRIC_HISTOGRAM ||
	    (family.type == FSBPF_METRIC_COUNTER && !(value >= 0)))
		return -EINVAL;
	const std::lock_guard lock(mutex_);
	Series *series = series_for(family, label_values);
	if (!series)
		return -EINVAL;
	series->value = family.type == FSBPF_METRIC_COUNTER ? series->value + value : value;
	return 0;
}

int MetricRegistry::observe(Family &family, const char *const *label_values,
			    std::span<const uint64_t> counts, double sum)
{
	if (family.type != FSBPF_METRIC_HISTOGRAM || counts.size() != family.bounds.size() + 1)
		return -EINVAL;
	const std::lock_guard lock(mutex_);
	Series *series = series_for(family, label_values);
	if (!series)
		return -EINVAL;
	for (size_t i = 0; i < counts.size(); i++)
		series->buckets[i] += counts[i];
	series->sum += sum;
	return 0;
}

size_t MetricRegistry::bucket_count(const Family &family)
{
	return family.bounds.size();
}

std::string MetricRegistry::render(Exposition format)
{
	const auto start = std::chrono::steady_clock::now();
	const std::lock_guard lock(mutex_);
	std::string out;
	size_t count = 0;
	for (const auto &family : families_) {
		if (family.get() == scrape_seconds_ || family.get() == series_count_)
			continue;
		if (family.get() == folded_)
			for (const auto &other : families_)
				if (other->folded)
					folded_->series[{other->name}].value =
						static_cast<double>(other->folded);
		render_family(out, *family, format);
		count += family->series.size();
	}
	series_count_->series[{}].value = static_cast<double>(count);
	scrape_seconds_->series[{}].value =
		std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
	render_family(out, *series_count_, format);
	render_family(out, *scrape_seconds_, format);
	if (format == Exposition::OpenMetrics)
		out += "# EOF\n";
	return out;
}

} // namespace fsbpf
