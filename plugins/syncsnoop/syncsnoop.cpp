// SPDX-License-Identifier: GPL-2.0
// syncsnoop: user-space half. Picks a backend through the host, prints each
// sync-family call as it completes, and reports what it could not see.
#include "syncsnoop.h"

#include "syncsnoop.bpf.skel.h"

#include <fsbpf/clock.hpp>
#include <fsbpf/filter.hpp>
#include <fsbpf/histogram.hpp>
#include <fsbpf/path.hpp>
#include <fsbpf/plugin.hpp>
#include <fsbpf/ring.hpp>
#include <fsbpf/skeleton.hpp>
#include <fsbpf/stash.hpp>
#include <fsbpf/uring.hpp>
#include <fsbpf/workload.hpp>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace {

using fsbpf::plugin::f64;
using fsbpf::plugin::i64;
using fsbpf::plugin::str;
using fsbpf::plugin::u64;
using fsbpf::plugin::wall_ns;

static_assert(sizeof(syncsnoop_event) == 104 + sizeof(fsbpf_path), "event layout changed");

// The paths BPF sent, by file, for the path epoch BPF uses now and the one
// before it (events built just before a move). The reader moves the epoch on
// once a second at most, each time after it has read the ring.
class SentPaths {
public:
	explicit SentPaths(uint32_t &bpf_epoch) : bpf_epoch_(bpf_epoch) {}

	// The event's path: the one it carries, or the one sent before it.
	std::string path_of(const syncsnoop_event &event, std::string carried)
	{
		Table *table = table_of(event.path_epoch);
		const Key key{event.file.mnt, event.file.dentry};
		if (!event.path_sent) {
			if (table && event.file.dentry)
				(*table)[key] = carried;
			return carried;
		}
		const auto found = table ? table->find(key) : Table::iterator{};
		return table && found != table->end() ? found->second : "?";
	}

	void after_reading(double now)
	{
		if (now < next_move_)
			return;
		next_move_ = now + 1.0;
		previous_ = std::exchange(current_, {});
		__atomic_store_n(&bpf_epoch_, ++epoch_, __ATOMIC_RELAXED);
	}

private:
	using Key = std::pair<uint64_t, uint64_t>;
	using Table = std::map<Key, std::string>;

	Table *table_of(uint32_t epoch)
	{
		if (epoch == epoch_)
			return &current_;
		return epoch + 1 == epoch_ ? &previous_ : nullptr;
	}

	uint32_t &bpf_epoch_;
	uint32_t epoch_ = 0;
	double next_move_ = 1.0;
	Table current_, previous_;
};

// What syncsnoop.bpf.c's io_uring programs read by CO-RE.
constexpr std::array<std::pair<const char *, const char *>, 4> kUringFields = {{
	{"io_sync", "flags"},
	{"io_kiocb", "file"},
	{"io_kiocb", "flags"},
	{"io_cqe", "fd"},
}};

constexpr std::array<const char *, SYNC_CALL__COUNT> kCallNames = {
	"sync", "syncfs", "fsync", "fdatasync", "sync_file_range", "msync"};

// Best first. The attach-type choice is measured: see the README's syncsnoop section.
// fentry's programs are those kFentryHooks chooses.
constexpr std::array<fsbpf::Backend, 4> kBackends = {{
	{{"fentry", FSBPF_ATTACH_FENTRY, "fentry/fexit on the six syscall functions"},
	 {"fentry_", "fexit_"}},
	{{"kprobe", FSBPF_ATTACH_KPROBE, "kprobe/kretprobe on the six syscall functions"},
	 {"kprobe_", "kretprobe_"}},
	{{"tracepoint", FSBPF_ATTACH_TRACEPOINT, "syscalls:sys_enter_*/sys_exit_* tracepoints"},
	 {"tp_enter_", "tp_exit_"}},
	{{"tp_btf", FSBPF_ATTACH_TP_BTF, "raw sys_enter/sys_exit, filtered by syscall number"},
	 {"raw_enter", "raw_exit"}},
}};
constexpr auto kBackendInfos = fsbpf::backend_infos(kBackends);

// fentry needs its target in the kernel's BTF, and a program that reads the
// wrapper's pt_regs needs that argument's type complete there: 5.10's BTF
// has some wrappers whose pt_regs is only forward-declared, and its verifier
// then refuses the read. Each call takes the first row this kernel allows.
struct FentryHook {
	sync_call call;
	const char *function;
	bool reads_regs;
	std::string_view entry, exit;
};
constexpr std::array<FentryHook, 7> kFentryHooks = {{
	{SYNC_CALL_SYNC, "__x64_sys_sync", false, "fentry_sync", "fexit_sync"},
	{SYNC_CALL_SYNC, "ksys_sync", false, "fentry_ksys_sync", "fexit_ksys_sync"},
	{SYNC_CALL_SYNCFS, "__x64_sys_syncfs", true, "fentry_syncfs", "fexit_syncfs"},
	{SYNC_CALL_FSYNC, "__x64_sys_fsync", true, "fentry_fsync", "fexit_fsync"},
	{SYNC_CALL_FDATASYNC, "__x64_sys_fdatasync", true, "fentry_fdatasync", "fexit_fdatasync"},
	{SYNC_CALL_SYNC_FILE_RANGE, "__x64_sys_sync_file_range", true, "fentry_sync_file_range",
	 "fexit_sync_file_range"},
	{SYNC_CALL_MSYNC, "__x64_sys_msync", true, "fentry_msync", "fexit_msync"},
}};

using Skeleton = fsbpf::Skeleton<syncsnoop_bpf, syncsnoop_bpf__open, syncsnoop_bpf__destroy>;

// The exporter's latency buckets: 2^10 ns (about 1 us) to 2^34 ns (about 17 s).
constexpr fsbpf::Log2Buckets kLatencyBuckets{10, 34, 1e-9};

// What the exporter counts between two collections, and the counters it reads.
class SyncMetrics {
public:
	SyncMetrics(const fsbpf::plugin::Host &host, fsbpf::WorkloadFields &workload)
		: calls_(host, {FSBPF_METRIC_COUNTER,
				"fsbpf_syncsnoop_calls_total",
				"Sync-family calls that returned, by call, command and container",
				nullptr,
				{"call", "comm", "container"}}),
		  latency_(host, {FSBPF_METRIC_HISTOGRAM,
				  "fsbpf_syncsnoop_latency_seconds",
				  "Time sync-family calls took, lost events included",
				  "seconds",
				  {"call"},
				  kLatencyBuckets.bounds()}),
		  unreported_(host, "syncsnoop"), workload_(workload)
	{
	}

	void count(const syncsnoop_event &event)
	{
		if (event.call >= SYNC_CALL__COUNT)
			return;
		std::string comm(event.comm, strnlen(event.comm, sizeof(event.comm)));
		pending_[{event.call, std::move(comm),
			  workload_.cgroup(event.cgroup_id).container}]++;
	}

	void collect(const syncsnoop_bpf &skel, uint64_t skipped)
	{
		for (const auto &[key, calls] : pending_)
			calls_.add({kCallNames.at(std::get<0>(key)), std::get<1>(key).c_str(),
				    std::get<2>(key).c_str()},
				   static_cast<double>(calls));
		pending_.clear();
		const int fd = bpf_map__fd(skel.maps.latencies);
		for (uint32_t call = 0; call < SYNC_CALL__COUNT; call++) {
			fsbpf_log2_hist now{};
			if (bpf_map_lookup_elem(fd, &call, &now) != 0)
				continue;
			double sum = 0;
			const auto counts = kLatencyBuckets.take(now, seen_.at(call), sum);
			latency_.observe({kCallNames.at(call)}, counts, sum);
		}
		unreported_.update("lost", skel.bss->lost_events);
		unreported_.update("cq_overflows", skel.bss->cq_overflows);
		unreported_.update("missed", skel.bss->missed_calls);
		unreported_.update("skipped", skipped);
	}

private:
	fsbpf::plugin::Metric calls_, latency_;
	fsbpf::plugin::UnreportedCounters unreported_;
	fsbpf::WorkloadFields &workload_; // the tool's
	// call, comm, container
	std::map<std::tuple<uint32_t, std::string, std::string>, uint64_t> pending_;
	std::array<fsbpf_log2_hist, SYNC_CALL__COUNT> seen_{};
};

bool is_fentry(size_t backend)
{
	return kBackends.at(backend).info.attach == FSBPF_ATTACH_FENTRY;
}

// The fentry programs to load on this kernel, or nothing if a call has no hook.
std::vector<std::string_view> fentry_programs(const fsbpf::plugin::Host &host)
{
	std::vector<std::string_view> programs;
	std::array<bool, SYNC_CALL__COUNT> hooked{};
	for (const FentryHook &hook : kFentryHooks) {
		if (hooked.at(hook.call) || !host.has_func(hook.function) ||
		    (hook.reads_regs && !host.param_complete(hook.function, 0)))
			continue;
		hooked.at(hook.call) = true;
		programs.insert(programs.end(), {hook.entry, hook.exit});
	}
	for (const bool ok : hooked)
		if (!ok)
			return {};
	return programs;
}

// Whether backend loads program `name` here; fentry loads only the hooks
// kFentryHooks chose for this kernel.
bool backend_loads(size_t backend, std::string_view name, const fsbpf::plugin::Host &host,
		   const std::vector<std::string_view> &fentry_hooks)
{
	return fsbpf::loads(kBackends.at(backend), name, host) &&
	       (!is_fentry(backend) ||
		std::ranges::find(fentry_hooks, fsbpf::variant_stem(name)) != fentry_hooks.end());
}

class SyncSnoop {
public:
	static constexpr const char *kExamples =
		"syncsnoop                   # every sync-family call\n"
		"syncsnoop --min-latency 10  # calls that took 10 ms or longer\n"
		"syncsnoop -c postgres       # the calls of commands named postgres\n"
		"syncsnoop -T --duration 60  # a minute of calls, wall-clock times";

	void add_options(fsbpf::plugin::Options &options)
	{
		options.flag("-T,--timestamp",
			     "Print the time of day instead of seconds since start", time_of_day_);
		filter_.add_options(options);
		workload_.add_option(options);
		options.number("--min-latency", "Show calls that took at least this many ms",
			       min_latency_ms_, 0, 1e9);
	}

	int run(fsbpf::plugin::Host &host)
	{
		workload_.use(host);
		if (!filter_.resolve(host, "syncsnoop"))
			return 2;
		auto attach = [&](size_t backend) { return try_backend(backend, host); };
		if (host.select_backend(attach) < 0)
			return 1;
		fsbpf::Ring events(skel_->maps.events, &SyncSnoop::on_event, this);
		sent_paths_.emplace(skel_->bss->path_epoch);
		open_sink(host);
		clock_.start();
		host.ready("Tracing sync-family calls... Hit Ctrl-C to end.");

		fsbpf::read_until_stopped(
			host, events, output_closed_, [this] { skel_.detach(); },
			[&] { sent_paths_->after_reading(host.elapsed()); });
		// Also when the output has failed: the sink then sends them to stderr.
		sink_->summary({{"lost", nullptr, FSBPF_VAL_UINT, 0, 0},
				{"missed", nullptr, FSBPF_VAL_UINT, 0, 0},
				{"skipped", nullptr, FSBPF_VAL_UINT, 0, 0},
				{"cq_overflows", nullptr, FSBPF_VAL_UINT, 0, 0}},
			       {u64(skel_->bss->lost_events), u64(skel_->bss->missed_calls),
				u64(skel_.skips(host)), u64(skel_->bss->cq_overflows)});
		return 0;
	}

	int export_metrics(fsbpf::plugin::Host &host)
	{
		workload_.use(host);
		with_paths_ = false;
		auto attach = [&](size_t backend) { return try_backend(backend, host); };
		if (host.select_backend(attach) < 0)
			return 1;
		metrics_ = std::make_unique<SyncMetrics>(host, workload_);
		fsbpf::Ring events(skel_->maps.events, &SyncSnoop::on_counted_event, this);
		fsbpf::read_and_collect(
			host, events, [this] { skel_.detach(); },
			[&] { metrics_->collect(*skel_, skel_.skips(host)); });
		return 0;
	}

	int check_backend(const fsbpf::plugin::Host &host, size_t backend)
	{
		return is_fentry(backend) && fentry_programs(host).empty() ? -ENOENT : 0;
	}

private:
	int try_backend(size_t backend, const fsbpf::plugin::Host &host)
	{
		const std::vector<std::string_view> fentry_hooks =
			is_fentry(backend) ? fentry_programs(host)
					   : std::vector<std::string_view>{};
		const std::optional<std::string_view> uring =
			fsbpf::uring_submit_program(host, kUringFields);
		auto configure = [&](syncsnoop_bpf &skel) {
			skel.rodata->min_latency_ns = static_cast<__u64>(min_latency_ms_ * 1e6);
			skel.rodata->with_paths = with_paths_;
			return filter_.apply(skel);
		};
		return skel_.attempt(host, configure, [&](std::string_view name) {
			if (name.starts_with(fsbpf::kUringPrefix))
				return fsbpf::uring_wanted(name, uring, host);
			return backend_loads(backend, name, host, fentry_hooks);
		});
	}

	void open_sink(fsbpf::plugin::Host &host)
	{
		std::vector<fsbpf_column> columns = {
			time_of_day_ ? fsbpf_column{"time", nullptr, FSBPF_VAL_TIME, -12,
						    FSBPF_TIME_OF_DAY_MS}
				     : fsbpf_column{"time", "TIME(s)", FSBPF_VAL_TIME, -12,
						    FSBPF_TIME_SINCE_START_US},
			{"pid", nullptr, FSBPF_VAL_UINT, 7, 0},
			{"tid", nullptr, FSBPF_VAL_UINT, 7, 0},
			{"comm", nullptr, FSBPF_VAL_STR, -16, 0},
			{"call", nullptr, FSBPF_VAL_STR, -15, 0},
			{"via", nullptr, FSBPF_VAL_STR, -8, 0},
			{"latency_ms", "LAT(ms)", FSBPF_VAL_DOUBLE, 10, 3},
			{"ret", nullptr, FSBPF_VAL_INT, 5, 0},
		};
		std::ranges::copy(workload_.columns(), std::back_inserter(columns));
		columns.push_back({"file", nullptr, FSBPF_VAL_STR, -1, 0});
		sink_ = std::make_unique<fsbpf::plugin::Sink>(host.raw(), std::move(columns),
							      "event");
	}

	static int on_event(void *ctx, void *data, size_t size)
	{
		auto *self = static_cast<SyncSnoop *>(ctx);
		if (size < offsetof(syncsnoop_event, path.names))
			return 0;
		const auto &event = *static_cast<const syncsnoop_event *>(data);
		return self->print(event, self->sent_paths_->path_of(
						  event, fsbpf::path_in_record(
								 data, size,
								 offsetof(syncsnoop_event, path))));
	}

	static int on_counted_event(void *ctx, void *data, size_t size)
	{
		auto *self = static_cast<SyncSnoop *>(ctx);
		if (size >= offsetof(syncsnoop_event, path.names))
			self->metrics_->count(*static_cast<const syncsnoop_event *>(data));
		return 0;
	}

	// event holds only the part of its path that file shows.
	int print(const syncsnoop_event &event, const std::string &file)
	{
		const std::string comm(event.comm, strnlen(event.comm, sizeof(event.comm)));
		const char *call = event.call < kCallNames.size() ? kCallNames[event.call] : "?";
		std::vector<fsbpf_value> row = {
			wall_ns(clock_.realtime_ns(event.start_ns)),
			u64(event.pid),
			u64(event.tid),
			str(comm),
			str(call),
			str(event.flags & SYNCSNOOP_IO_URING ? "io_uring" : "syscall"),
			f64(static_cast<double>(event.latency_ns) / 1e6),
			i64(event.ret),
		};
		std::ranges::copy(workload_.values(event.cgroup_id, event.mntns),
				  std::back_inserter(row));
		row.push_back(str(file));
		const bool ok = sink_->row(row);
		output_closed_ = !ok;
		return ok ? 0 : -EPIPE;
	}

	int time_of_day_ = 0;
	fsbpf::ProcessFilter filter_;
	fsbpf::WorkloadFields workload_;
	double min_latency_ms_ = 0;
	bool with_paths_ = true; // the exporter's series have no file label
	std::optional<SentPaths> sent_paths_;

	Skeleton skel_;
	std::unique_ptr<fsbpf::plugin::Sink> sink_;
	fsbpf::EventClock clock_;
	bool output_closed_ = false;
	std::unique_ptr<SyncMetrics> metrics_;
};

constexpr std::array<fsbpf_command, 1> kCommands = {
	fsbpf::plugin::make_command<SyncSnoop>(
		"syncsnoop", "Trace sync, fsync, fdatasync, syncfs, sync_file_range and msync",
		kBackendInfos),
};

} // namespace

extern "C" FSBPF_EXPORT const fsbpf_plugin FSBPF_PLUGIN_SYMBOL = fsbpf::plugin::make_plugin(
	"syncsnoop", "0.1.0", "GPL-2.0-only",
	"Sync-family system calls with file, latency and result", kCommands);
