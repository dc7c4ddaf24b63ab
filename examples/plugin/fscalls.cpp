// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// fscalls: an example tool on the fsbpf SDK, built outside fsbpf's tree.
// Every interval, how many open, stat and unlink calls each command made.
#include "fscalls.h"

#include "fscalls.bpf.skel.h"

#include <fsbpf/filter.hpp>
#include <fsbpf/plugin.hpp>
#include <fsbpf/skeleton.hpp>

#include <bpf/bpf.h>

#include <array>
#include <cstring>
#include <map>
#include <string>

namespace {

using fsbpf::plugin::str;
using fsbpf::plugin::u64;

// Best first.
constexpr std::array<fsbpf::Backend, 2> kBackends = {{
	{{"tp_btf", FSBPF_ATTACH_TP_BTF, "raw sys_exit with BTF-typed arguments"}, {"tp_btf_"}},
	{{"raw_tp", FSBPF_ATTACH_RAW_TP, "raw sys_exit, arguments read by CO-RE"}, {"raw_tp_"}},
}};
constexpr auto kBackendInfos = fsbpf::backend_infos(kBackends);

using Skeleton = fsbpf::Skeleton<fscalls_bpf, fscalls_bpf__open, fscalls_bpf__destroy>;
using Counts = std::array<__u64, FSCALLS_KIND__COUNT>;

constexpr std::array<const char *, FSCALLS_KIND__COUNT> kKindNames = {"open", "stat", "unlink"};

class FsCalls {
public:
	static constexpr const char *kExamples =
		"fscalls              # calls, a row every second\n"
		"fscalls -i 5 -p 181  # process 181, every 5 seconds";

	void add_options(fsbpf::plugin::Options &options)
	{
		filter_.add_options(options);
		options.number("-i,--interval", "Seconds between rows", interval_s_, 0.01, 86400);
	}

	int run(fsbpf::plugin::Host &host)
	{
		if (!filter_.resolve(host, "fscalls"))
			return 2;
		if (!attach(host))
			return 1;
		fsbpf::plugin::Sink sink(host.raw(),
					 {
						 {"interval", nullptr, FSBPF_VAL_UINT, 8, 0},
						 {"comm", nullptr, FSBPF_VAL_STR, -16, 0},
						 {"opens", nullptr, FSBPF_VAL_UINT, 8, 0},
						 {"stats", nullptr, FSBPF_VAL_UINT, 8, 0},
						 {"unlinks", nullptr, FSBPF_VAL_UINT, 8, 0},
					 });
		host.ready("Counting open, stat and unlink calls... Hit Ctrl-C to end.");
		const int interval_ms = static_cast<int>(interval_s_ * 1000);
		bool writable = true;
		while (writable && host.wait(-1, interval_ms) >= 0)
			writable = print_interval(sink);
		skel_.detach();
		if (writable)
			print_interval(sink);
		sink.summary({{"table_full", nullptr, FSBPF_VAL_UINT, 0, 0},
			      {"skipped", nullptr, FSBPF_VAL_UINT, 0, 0}},
			     {u64(skel_->bss->table_full), u64(skel_.skips(host))});
		return 0;
	}

	// Under `fsbpf exporter`: the same counts as Prometheus counters.
	int export_metrics(fsbpf::plugin::Host &host)
	{
		if (!attach(host))
			return 1;
		const fsbpf::plugin::Metric calls(host, {FSBPF_METRIC_COUNTER,
							 "fsbpf_fscalls_calls_total",
							 "open, stat and unlink calls, by command",
							 nullptr,
							 {"call", "comm"}});
		fsbpf::plugin::UnreportedCounters unreported(host, "fscalls");
		const auto collect = [&] {
			std::map<std::string, Counts> now = read_counts();
			for (const auto &[comm, counts] : now)
				for (size_t kind = 0; kind < counts.size(); kind++)
					if (const __u64 more =
						    counts.at(kind) - reported_[comm].at(kind))
						calls.add({kKindNames.at(kind), comm.c_str()},
							  static_cast<double>(more));
			reported_ = std::move(now);
			unreported.update("table_full", skel_->bss->table_full);
			unreported.update("skipped", skel_.skips(host));
		};
		const int interval_ms = static_cast<int>(host.metric_interval() * 1000);
		while (host.wait(-1, interval_ms) >= 0)
			collect();
		skel_.detach();
		collect();
		return 0;
	}

private:
	bool attach(const fsbpf::plugin::Host &host)
	{
		auto attempt = [&](size_t backend) {
			return skel_.attempt(
				host, [this](fscalls_bpf &skel) { return filter_.apply(skel); },
				[&](std::string_view name) {
					return fsbpf::loads(kBackends.at(backend), name, host);
				});
		};
		return host.select_backend(attempt) >= 0;
	}

	// Each command's counts since tracing started, as BPF keeps them.
	std::map<std::string, Counts> read_counts() const
	{
		std::map<std::string, Counts> all;
		const int fd = bpf_map__fd(skel_->maps.counts);
		fscalls_key key{};
		fscalls_counts value{};
		for (const void *prev = nullptr; bpf_map_get_next_key(fd, prev, &key) == 0;
		     prev = &key)
			if (bpf_map_lookup_elem(fd, &key, &value) == 0)
				all[std::string(key.comm, strnlen(key.comm, sizeof(key.comm)))] =
					std::to_array(value.calls);
		return all;
	}

	// A row for every command that made calls since the last one; false
	// once the output is gone.
	bool print_interval(fsbpf::plugin::Sink &sink)
	{
		interval_++;
		std::map<std::string, Counts> now = read_counts();
		bool ok = true;
		for (const auto &[comm, counts] : now) {
			const Counts &before = reported_[comm];
			if (counts == before)
				continue;
			ok = ok && sink.row({u64(interval_), str(comm),
					     u64(counts[FSCALLS_OPEN] - before[FSCALLS_OPEN]),
					     u64(counts[FSCALLS_STAT] - before[FSCALLS_STAT]),
					     u64(counts[FSCALLS_UNLINK] - before[FSCALLS_UNLINK])});
		}
		reported_ = std::move(now);
		return ok;
	}

	fsbpf::ProcessFilter filter_;
	double interval_s_ = 1;
	Skeleton skel_;
	std::map<std::string, Counts> reported_;
	uint64_t interval_ = 0;
};

constexpr std::array<fsbpf_command, 1> kCommands = {
	fsbpf::plugin::make_command<FsCalls>(
		"fscalls", "Count open, stat and unlink calls per command, every interval",
		kBackendInfos),
};

} // namespace

extern "C" FSBPF_EXPORT const fsbpf_plugin FSBPF_PLUGIN_SYMBOL = fsbpf::plugin::make_plugin(
	"fscalls", "0.1.0", "GPL-2.0-only",
	"Example tool of the fsbpf SDK: file-system calls per command", kCommands);
