// SPDX-License-Identifier: GPL-2.0
#include "metrics.hpp"
#include "web_config.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using fsbpf::Exposition;
using fsbpf::MetricRegistry;

namespace {

fsbpf_metric counter(const char *name, const char *const *labels, uint64_t max_series = 0)
{
	return {sizeof(fsbpf_metric),
		FSBPF_METRIC_COUNTER,
		name,
		"Help",
		nullptr,
		labels,
		nullptr,
		0,
		max_series};
}

constexpr const char *kComm[] = {"comm", nullptr};

MetricRegistry::Family &family_of(MetricRegistry &registry, const fsbpf_metric &metric)
{
	std::string why;
	MetricRegistry::Family *family = registry.add_family(metric, why);
	EXPECT_NE(family, nullptr) << why;
	return *family;
}

} // namespace

TEST(MetricRegistry, RefusesNamesPrometheusWouldReject)
{
	MetricRegistry registry(10);
	std::string why;
	EXPECT_EQ(registry.add_family(counter("calls", nullptr), why), nullptr);
	EXPECT_EQ(why, "a counter's name ends with _total");
	EXPECT_EQ(registry.add_family(counter("1calls_total", nullptr), why), nullptr);
	constexpr const char *kReserved[] = {"__name", nullptr};
	EXPECT_EQ(registry.add_family(counter("calls_total", kReserved), why), nullptr);
	fsbpf_metric unit = counter("calls_total", nullptr);
	unit.unit = "bytes";
	EXPECT_EQ(registry.add_family(unit, why), nullptr);
	EXPECT_EQ(why, "the name does not end with its unit");
}

TEST(MetricRegistry, SameFamilyTwiceIsSharedADifferentOneRefused)
{
	MetricRegistry registry(10);
	MetricRegistry::Family &first = family_of(registry, counter("calls_total", kComm));
	std::string why;
	EXPECT_EQ(registry.add_family(counter("calls_total", kComm), why), &first);
	EXPECT_EQ(registry.add_family(counter("calls_total", nullptr), why), nullptr);
}

TEST(MetricRegistry, CountersAddAndRefuseToGoDown)
{
	MetricRegistry registry(10);
	MetricRegistry::Family &calls = family_of(registry, counter("calls_total", kComm));
	const char *sed[] = {"sed"};
	EXPECT_EQ(registry.add(calls, sed, 3), 0);
	EXPECT_EQ(registry.add(calls, sed, 4), 0);
	EXPECT_NE(registry.add(calls, sed, -1), 0);
	EXPECT_NE(registry.render(Exposition::Prometheus).find("calls_total{comm=\"sed\"} 7\n"),
		  std::string::npos);
}

TEST(MetricRegistry, FoldsSeriesPastTheLimitIntoOtherAndCountsThem)
{
	MetricRegistry registry(10);
	MetricRegistry::Family &calls = family_of(registry, counter("calls_total", kComm, 2));
	for (const char *comm : {"a", "b", "c", "d", "a"}) {
		const char *values[] = {comm};
		registry.add(calls, values, 1);
	}
	const std::string text = registry.render(Exposition::Prometheus);
	EXPECT_NE(text.find("calls_total{comm=\"a\"} 2\n"), std::string::npos) << text;
	EXPECT_NE(text.find("calls_total{comm=\"other\"} 2\n"), std::string::npos) << text;
	EXPECT_EQ(text.find("comm=\"c\""), std::string::npos);
	EXPECT_NE(text.find("fsbpf_exporter_folded_updates_total{metric=\"calls_total\"} 2\n"),
		  std::string::npos)
		<< text;
}

TEST(MetricRegistry, LabelValuesAreEscapedAndAlwaysUtf8)
{
	MetricRegistry registry(10);
	MetricRegistry::Family &calls = family_of(registry, counter("calls_total", kComm));
	const char *odd[] = {"a\"b\\c\nd\xff"};
	registry.add(calls, odd, 1);
	EXPECT_NE(registry.render(Exposition::Prometheus)
			  .find(R"(calls_total{comm="a\"b\\c\nd\\xff"} 1)"),
		  std::string::npos);
}

TEST(MetricRegistry, HistogramsAreCumulativeWithSumAndCount)
{
	MetricRegistry registry(10);
	constexpr double kBounds[] = {0.5, 1};
	const fsbpf_metric metric{sizeof(fsbpf_metric),
				  FSBPF_METRIC_HISTOGRAM,
				  "took_seconds",
				  "Help",
				  "seconds",
				  nullptr,
				  kBounds,
				  2,
				  0};
	MetricRegistry::Family &took = family_of(registry, metric);
	const uint64_t counts[] = {1, 2, 3};
	EXPECT_EQ(registry.observe(took, nullptr, counts, 9.5), 0);
	const std::string om = registry.render(Exposition::OpenMetrics);
	for (const char *line :
	     {"# TYPE took_seconds histogram\n", "# UNIT took_seconds seconds\n",
	      "took_seconds_bucket{le=\"0.5\"} 1\n", "took_seconds_bucket{le=\"1\"} 3\n",
	      "took_seconds_bucket{le=\"+Inf\"} 6\n", "took_seconds_sum 9.5\n",
	      "took_seconds_count 6\n"})
		EXPECT_NE(om.find(line), std::string::npos) << line << om;
	EXPECT_TRUE(om.ends_with("# EOF\n"));
}

TEST(MetricRegistry, OpenMetricsNamesACounterFamilyWithoutTotal)
{
	MetricRegistry registry(10);
	MetricRegistry::Family &calls = family_of(registry, counter("calls_total", nullptr));
	registry.add(calls, nullptr, 1);
	const std::string om = registry.render(Exposition::OpenMetrics);
	EXPECT_NE(om.find("# TYPE calls counter\ncalls_total 1\n"), std::string::npos) << om;
	const std::string text = registry.render(Exposition::Prometheus);
	EXPECT_NE(text.find("# TYPE calls_total counter\ncalls_total 1\n"), std::string::npos);
	EXPECT_EQ(text.find("# EOF"), std::string::npos);
}

TEST(ExpositionFor, FollowsTheScrapersPreference)
{
	// What Prometheus 2.42 sends.
	EXPECT_EQ(fsbpf::exposition_for("application/openmetrics-text;version=1.0.0,"
					"application/openmetrics-text;version=0.0.1;q=0.75,"
					"text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
		  Exposition::OpenMetrics);
	EXPECT_EQ(fsbpf::exposition_for(""), Exposition::Prometheus);
	EXPECT_EQ(fsbpf::exposition_for("*/*"), Exposition::Prometheus);
	EXPECT_EQ(fsbpf::exposition_for("text/plain, application/openmetrics-text;q=0.5"),
		  Exposition::Prometheus);
	EXPECT_EQ(fsbpf::exposition_for("application/openmetrics-text;q=0"),
		  Exposition::Prometheus);
}

TEST(Base64Decode, DecodesPaddedAndRefusesOtherAlphabets)
{
	EXPECT_EQ(fsbpf::base64_decode("cHJvbTpwdw=="), "prom:pw");
	EXPECT_EQ(fsbpf::base64_decode("YQ"), "a");
	EXPECT_EQ(fsbpf::base64_decode(""), "");
	EXPECT_EQ(fsbpf::base64_decode("cHJv*"), std::nullopt);
}
