// SPDX-License-Identifier: GPL-2.0
// filelife: user-space half. Picks a backend through the host, turns what the
// kernel reports about names into lives and deaths (lives.hpp), and prints
// each file that was created and deleted while tracing.
#include "filelife.h"

#include "filelife.bpf.skel.h"
#include "lives.hpp"
#include "names.hpp"

#include <fsbpf/clock.hpp>
#include <fsbpf/filter.hpp>
#include <fsbpf/path.hpp>
#include <fsbpf/plugin.hpp>
#include <fsbpf/ring.hpp>
#include <fsbpf/skeleton.hpp>
#include <fsbpf/stash.hpp>
#include <fsbpf/uring.hpp>
#include <fsbpf/workload.hpp>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {

using filelife::Actor;
using filelife::Death;
using filelife::Inode;
using filelife::Name;
using filelife::Names;
using fsbpf::plugin::f64;
using fsbpf::plugin::str;
using fsbpf::plugin::u64;
using fsbpf::plugin::wall_ns;

// Best first. fentry and kprobe see the vfs functions, exactly, and run
// only when files are created, linked, unlinked or renamed. The two system
// call views see names as callers passed them, and either puts every system
// call on the slow path. tp_btf runs one short program on every exit and
// attaches in a fraction of a second; the tracepoints run only for the
// thirteen calls but need 22 attachments, about 4 s to attach and detach
// here (each waits for an RCU grace period), so they come last.
// tp_btf's program reads kernel memory with plain loads where the kernel has
// bpf_rdonly_cast (raw_exit_cast), with CO-RE probe reads elsewhere
// (raw_exit_core); see bpf/path.bpf.h.
constexpr std::array<fsbpf::Backend, 4> kBackends = {{
	{{"fentry", FSBPF_ATTACH_FENTRY,
	  "fexit on do_filp_open; fentry/fexit on vfs_create, vfs_link, vfs_unlink, vfs_rename"},
	 {"fentry_", "fexit_"},
	 true},
	{{"kprobe", FSBPF_ATTACH_KPROBE, "the same functions by kprobe/kretprobe"},
	 {"kprobe_", "kretprobe_"},
	 true},
	{{"tp_btf", FSBPF_ATTACH_TP_BTF, "raw sys_exit, filtered by system call number"},
	 {"raw_exit"}},
	{{"tracepoint", FSBPF_ATTACH_TRACEPOINT,
	  "syscalls:sys_{enter,exit}_* of open, creat, mknod, link, unlink and rename calls"},
	 {"tp_enter_", "tp_exit_"},
	 true},
}};
constexpr auto kBackendInfos = fsbpf::backend_infos(kBackends);

bool attaches(size_t backend, fsbpf_attach type)
{
	return kBackends.at(backend).info.attach == type;
}

// fentry and kprobe see the vfs functions; the others, system calls.
bool sees_vfs(size_t backend)
{
	return attaches(backend, FSBPF_ATTACH_FENTRY) || attaches(backend, FSBPF_ATTACH_KPROBE);
}

using Skeleton = fsbpf::Skeleton<filelife_bpf, filelife_bpf__open, filelife_bpf__destroy>;

// A parameter layout of a vfs function, matched against its BTF; the BPF
// program for it is named FUNCTION__NAME (see filelife.bpf.c).
struct Param {
	size_t index;
	std::string_view type;
};
struct Layout {
	std::string_view function;
	std::string_view name;
	size_t count;
	std::array<Param, 3> params; // those filelife reads; unused entries have an empty type
};

constexpr std::string_view kDentry = "struct dentry *";
constexpr std::array<Layout, 8> kLayouts = {{
	{"vfs_create", "d1", 4, {{{1, kDentry}}}},
	{"vfs_create", "d2", 5, {{{2, kDentry}}}},
	{"vfs_link", "n4", 4, {{{0, kDentry}, {2, kDentry}}}},
	{"vfs_link", "n5", 5, {{{0, kDentry}, {3, kDentry}}}},
	{"vfs_unlink", "d1", 3, {{{1, kDentry}}}},
	{"vfs_unlink", "d2", 4, {{{2, kDentry}}}},
	{"vfs_rename", "rd", 1, {{{0, "struct renamedata *"}}}},
	{"vfs_rename", "n6", 6, {{{1, kDentry}, {3, kDentry}, {5, "unsigned int"}}}},
}};
constexpr std::array<std::string_view, 4> kVfsFunctions = {"vfs_create", "vfs_link", "vfs_unlink",
							   "vfs_rename"};
// do_filp_open became do_file_open in 7.2, with the same parameters.
constexpr std::array<const char *, 2> kOpenFunctions = {"do_filp_open", "do_file_open"};

bool matches(const Layout &layout, const std::vector<std::string> &types)
{
	if (types.size() != layout.count)
		return false;
	return std::all_of(layout.params.begin(), layout.params.end(), [&](const Param &param) {
		return param.type.empty() || types.at(param.index) == param.type;
	});
}

// What filelife hooks on this kernel: the opening function and each vfs function's layout.
struct VfsHooks {
	std::string open;
	std::map<std::string, std::string, std::less<>> layouts; // function -> layout name
};

std::optional<VfsHooks> vfs_hooks(const fsbpf::plugin::Host &host)
{
	VfsHooks hooks;
	for (const char *open : kOpenFunctions)
		if (hooks.open.empty() && host.param_types(open).size() == 3)
			hooks.open = open;
	if (hooks.open.empty())
		return std::nullopt;
	for (const std::string_view function : kVfsFunctions) {
		const std::vector<std::string> types =
			host.param_types(std::string(function).c_str());
		for (const Layout &layout : kLayouts)
			if (layout.function == function && matches(layout, types))
				hooks.layouts[std::string(function)] = layout.name;
		if (!hooks.layouts.contains(function))
			return std::nullopt;
	}
	return hooks;
}

// FUNCTION__LAYOUT programs load only for this kernel's layout of FUNCTION.
bool layout_wanted(std::string_view program, const VfsHooks &hooks)
{
	const size_t split = program.rfind("__");
	if (split == std::string_view::npos)
		return true;
	for (const auto &[function, layout] : hooks.layouts) {
		const size_t at = program.find(function);
		if (at != std::string_view::npos && at + function.size() == split)
			return program.substr(split + 2) == layout;
	}
	return false;
}

// What filelife.bpf.c's io_uring programs read by CO-RE.
constexpr std::array<std::pair<const char *, const char *>, 5> kUringFields = {{
	{"io_open", "file_slot"},
	{"io_unlink", "filename"},
	{"io_rename", "newpath"},
	{"io_link", "newpath"},
	{"filename", "name"},
}};

// io_uring requests in flight whose events (FILELIFE_REQUEST) wait for their
// result. A request's address is its name until it completes: the kernel
// reuses a request only after that.
class Requests {
public:
	void wait(const filelife_event &event, size_t size)
	{
		const auto *bytes = reinterpret_cast<const char *>(&event);
		waiting_[event.request].assign(bytes, bytes + std::min(size, sizeof(event)));
	}

	// The event the completed request waited with, stamped with the time it
	// completed, when it succeeded; its size is in `size`.
	const filelife_event *done(const filelife_event &completion, size_t &size)
	{
		auto found = waiting_.find(completion.request);
		if (found == waiting_.end())
			return nullptr;
		const std::vector<char> bytes = std::move(found->second);
		waiting_.erase(found);
		if (completion.result < 0)
			return nullptr;
		std::memcpy(ready_.get(), bytes.data(), bytes.size());
		ready_->ts = completion.ts;
		ready_->flags &= ~FILELIFE_REQUEST;
		size = bytes.size();
		return ready_.get();
	}

private:
	std::unordered_map<uint64_t, std::vector<char>> waiting_;
	std::unique_ptr<filelife_event> ready_ = std::make_unique<filelife_event>();
};

Inode inode_of(const filelife_inode &inode)
{
	return {inode.dev, inode.ino};
}

// The kernel's dev_t, which BPF reports, from stat's.
uint64_t kernel_dev(dev_t dev)
{
	return (static_cast<uint64_t>(major(dev)) << 20) | minor(dev);
}

std::string device_text(uint64_t dev)
{
	return std::to_string(dev >> 20) + ":" + std::to_string(dev & 0xfffff);
}

std::optional<Inode> stat_inode(const std::string &path, bool directory)
{
	struct stat st {};
	if (lstat(path.c_str(), &st) != 0 ||
	    (directory ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)))
		return std::nullopt;
	return Inode{kernel_dev(st.st_dev), st.st_ino};
}

uint32_t own_mount_namespace()
{
	struct stat st {};
	return stat("/proc/self/ns/mnt", &st) == 0 ? static_cast<uint32_t>(st.st_ino) : 0;
}

// At exit, by system calls: a life is gone when none of the names fsbpf can
// look at still holds its file.
bool gone_by_names(const Inode &file, const std::vector<Name> &names, uint32_t own_mntns)
{
	bool checked = false;
	for (const Name &name : names) {
		if (name.mntns != own_mntns || name.path.empty())
			continue;
		checked = true;
		const std::optional<Inode> found = stat_inode(name.path, false);
		if (found && (!file.known() || *found == file))
			return false;
	}
	return checked;
}

// Lifetimes as people think of them, from a temporary file's milliseconds to a day.
const std::vector<double> kLifetimeBuckets = {0.001, 0.01, 0.1, 1, 10, 60, 600, 3600, 86400};

// The exporter's families: deaths by the deleting command, and how long
// the files lived. Deaths wait here until a collection adds them.
class LifeMetrics {
public:
	LifeMetrics(const fsbpf::plugin::Host &host, fsbpf::WorkloadFields &workload)
		: deaths_(host, {FSBPF_METRIC_COUNTER,
				 "fsbpf_filelife_deaths_total",
				 "Files deleted (last name unlinked or renamed over), by the "
				 "deleting command and its container",
				 nullptr,
				 {"comm", "container"}}),
		  lifetime_(host, {FSBPF_METRIC_HISTOGRAM,
				   "fsbpf_filelife_lifetime_seconds",
				   "How long deleted files lived, from creation to deletion",
				   "seconds",
				   {},
				   kLifetimeBuckets}),
		  unreported_(host, "filelife"), lifetimes_(kLifetimeBuckets.size() + 1, 0),
		  workload_(workload)
	{
	}

	void died(const Death &death)
	{
		pending_deaths_[{death.deleter.comm,
				 workload_.cgroup(death.deleter.cgroup_id).container}]++;
		const double age = static_cast<double>(death.age_ns) / 1e9;
		const auto bucket =
			std::lower_bound(kLifetimeBuckets.begin(), kLifetimeBuckets.end(), age) -
			kLifetimeBuckets.begin();
		lifetimes_.at(static_cast<size_t>(bucket))++;
		lifetime_sum_ += age;
	}

	template <typename Counters>
	void collect(const Counters &counters)
	{
		for (const auto &[who, deaths] : pending_deaths_)
			deaths_.add({who.first.c_str(), who.second.c_str()},
				    static_cast<double>(deaths));
		pending_deaths_.clear();
		lifetime_.observe({}, lifetimes_, lifetime_sum_);
		std::fill(lifetimes_.begin(), lifetimes_.end(), 0);
		lifetime_sum_ = 0;
		for (const auto &[reason, total] : counters)
			unreported_.update(reason, total);
	}

private:
	fsbpf::plugin::Metric deaths_, lifetime_;
	fsbpf::plugin::UnreportedCounters unreported_;
	std::map<std::pair<std::string, std::string>, uint64_t> pending_deaths_; // comm, container
	std::vector<uint64_t> lifetimes_;
	double lifetime_sum_ = 0;
	fsbpf::WorkloadFields &workload_; // the tool's
};

class FileLife {
public:
	static constexpr const char *kExamples =
		"filelife                  # files created and deleted while tracing\n"
		"filelife -p 181           # created or deleted by process 181\n"
		"filelife --min-age 1      # files that lived a second or longer\n"
		"filelife -T --full-path   # milliseconds, paths from the root";

	void add_options(fsbpf::plugin::Options &options)
	{
		options.flag("-T,--timestamp",
			     "Print the time of day to the millisecond (default: to the second)",
			     milliseconds_);
		filter_.add_options(options,
				    "Trace this process only: the files it creates and deletes");
		workload_.add_option(options);
		options.number("--min-age", "Show files that lived at least this many seconds",
			       min_age_s_, 0, 1e9);
		options.number("--max-age", "Show files that lived at most this many seconds",
			       max_age_s_, 0, 1e9);
		options.flag("--full-path", "Print the path from the root instead of the file name",
			     full_path_);
		options.integer("--ring-size",
				"KiB of ring buffer between the kernel and filelife (default 2048, "
				"rounded up to a power of two)",
				ring_kib_, 4, 1 << 20);
	}

	int run(fsbpf::plugin::Host &host)
	{
		workload_.use(host);
		if (max_age_s_ > 0 && min_age_s_ > max_age_s_) {
			host.error("filelife: --min-age must not be more than --max-age");
			return 2;
		}
		if (!filter_.resolve(host, "filelife"))
			return 2;
		const int backend = attach(host);
		if (backend < 0)
			return 1;
		fsbpf::Ring events(skel_->maps.events, &FileLife::on_event, this);
		open_sink(host);
		clock_.start();
		host.ready("Tracing the lives of files... Hit Ctrl-C to end.");

		fsbpf::read_until_stopped(host, events, output_closed_, [this] { skel_.detach(); });
		settle_lives(static_cast<size_t>(backend));
		// Also when the output has failed: the sink then sends them to stderr.
		print_summary(host);
		return 0;
	}

	int export_metrics(fsbpf::plugin::Host &host)
	{
		workload_.use(host);
		const int backend = attach(host);
		if (backend < 0)
			return 1;
		metrics_ = std::make_unique<LifeMetrics>(host, workload_);
		fsbpf::Ring events(skel_->maps.events, &FileLife::on_event, this);
		const auto collect = [&] { metrics_->collect(counters(host)); };
		fsbpf::read_and_collect(
			host, events, [this] { skel_.detach(); }, collect);
		settle_lives(static_cast<size_t>(backend));
		collect();
		return 0;
	}

	int check_backend(const fsbpf::plugin::Host &host, size_t backend)
	{
		return sees_vfs(backend) && !vfs_hooks(host) ? -ENOENT : 0;
	}

private:
	int try_backend(size_t backend, const fsbpf::plugin::Host &host)
	{
		const std::optional<VfsHooks> hooks =
			sees_vfs(backend) ? vfs_hooks(host) : VfsHooks{};
		if (!hooks)
			return -ENOENT;
		const std::optional<std::string_view> uring =
			sees_vfs(backend) ? std::nullopt
					  : fsbpf::uring_submit_program(host, kUringFields);
		auto configure = [&](filelife_bpf &skel) {
			skel.rodata->full_paths = full_path_ != 0;
			int err = filter_.apply(skel);
			if (!err)
				err = size_maps(skel, backend);
			return err || hooks->open.empty()
				       ? err
				       : bpf_program__set_attach_target(skel.progs.fexit_open, 0,
									hooks->open.c_str());
		};
		auto keep = [&](std::string_view name) {
			if (name.starts_with(fsbpf::kUringPrefix))
				return fsbpf::uring_wanted(name, uring, host);
			return fsbpf::loads(kBackends.at(backend), name, host) &&
			       layout_wanted(name, *hooks);
		};
		// Its section names no function (BTF decides which), so libbpf leaves it to us.
		auto attach_more = [&](filelife_bpf &skel) {
			return attaches(backend, FSBPF_ATTACH_KPROBE)
				       ? skel_.attach_kretprobe(skel.progs.kretprobe_open,
								hooks->open.c_str(),
								skel.links.kretprobe_open)
				       : 0;
		};
		return skel_.attempt(host, configure, keep, attach_more);
	}

	// The ring as asked; the tables only the views that use them need (one
	// entry is the least a map can have).
	int size_maps(filelife_bpf &skel, size_t backend) const
	{
		const bool vfs = sees_vfs(backend);
		const bool syscall_pairs = attaches(backend, FSBPF_ATTACH_TRACEPOINT);
		int err = bpf_map__set_max_entries(skel.maps.events, ring_bytes());
		if (!err && !vfs)
			err = bpf_map__set_max_entries(skel.maps.lives, 1);
		if (!err && !vfs)
			err = bpf_map__set_max_entries(skel.maps.calls, 1);
		if (!err && !syscall_pairs)
			err = bpf_map__set_max_entries(skel.maps.syscalls, 1);
		return err;
	}

	void open_sink(fsbpf::plugin::Host &host)
	{
		std::vector<fsbpf_column> columns = {
			milliseconds_ ? fsbpf_column{"time", nullptr, FSBPF_VAL_TIME, -12,
						     FSBPF_TIME_OF_DAY_MS}
				      : fsbpf_column{"time", nullptr, FSBPF_VAL_TIME, -8,
						     FSBPF_TIME_OF_DAY},
			{"pid", nullptr, FSBPF_VAL_UINT, 7, 0},
			{"comm", nullptr, FSBPF_VAL_STR, -16, 0},
			{"age_s", "AGE(s)", FSBPF_VAL_DOUBLE, 9, 3},
		};
		std::ranges::copy(workload_.columns(), std::back_inserter(columns));
		columns.push_back({"file", nullptr, FSBPF_VAL_STR, -1, 0});
		details_ = host.output_format() != FSBPF_OUTPUT_TABLE;
		if (details_)
			columns.insert(columns.end(),
				       {
					       {"creator_pid", nullptr, FSBPF_VAL_UINT, 0, 0},
					       {"creator_comm", nullptr, FSBPF_VAL_STR, 0, 0},
					       {"dev", nullptr, FSBPF_VAL_STR, 0, 0},
					       {"ino", nullptr, FSBPF_VAL_UINT, 0, 0},
					       {"created_as", nullptr, FSBPF_VAL_STR, 0, 0},
				       });
		sink_ = std::make_unique<fsbpf::plugin::Sink>(host.raw(), std::move(columns),
							      "event");
	}

	// Everything the tool could not report, by the name its summary gives it.
	std::array<std::pair<const char *, uint64_t>, 11>
	counters(const fsbpf::plugin::Host &host) const
	{
		return {{{"births_lost", skel_->bss->lost_births},
			 {"table_full", skel_->bss->table_full + lives_->table_full()},
			 {"unseen", lives_->unseen()},
			 {"never_named", lives_->never_named()},
			 {"fixed_file_opens", skel_->bss->fixed_file_opens},
			 {"cq_overflows", skel_->bss->cq_overflows},
			 {"lost", skel_->bss->lost_events},
			 {"unresolved_long", names_->unresolved_long()},
			 {"unresolved_dir", names_->unresolved_dir()},
			 {"missed", skel_->bss->missed_calls},
			 {"skipped", skel_.skips(host)}}};
	}

	void print_summary(const fsbpf::plugin::Host &host)
	{
		std::vector<fsbpf_column> columns;
		std::vector<fsbpf_value> values;
		for (const auto &[name, value] : counters(host)) {
			columns.push_back({name, nullptr, FSBPF_VAL_UINT, 0, 0});
			values.push_back(u64(value));
		}
		sink_->summary(columns, values);
	}

	// Attaches; returns the backend's index, or -1 after the host said why.
	int attach(const fsbpf::plugin::Host &host)
	{
		own_mntns_ = own_mount_namespace();
		names_ = std::make_unique<Names>(
			full_path_ != 0, own_mntns_,
			[](const std::string &dir) { return stat_inode(dir, true); });
		auto attach = [&](size_t backend) { return try_backend(backend, host); };
		const int backend = host.select_backend(attach);
		if (backend < 0)
			return -1;
		lives_ = std::make_unique<filelife::Lives>(FILELIFE_MAX_FILES,
							   sees_vfs(static_cast<size_t>(backend)));
		return backend;
	}

	static int on_event(void *ctx, void *data, size_t size)
	{
		auto *self = static_cast<FileLife *>(ctx);
		const auto &event = *static_cast<const filelife_event *>(data);
		if (size < offsetof(filelife_event, tail))
			return 0;
		if (event.kind == FILELIFE_REQUEST_DONE) {
			const filelife_event *done = self->requests_.done(event, size);
			return done ? self->process(*done, size) : 0;
		}
		if (event.flags & FILELIFE_REQUEST) {
			self->requests_.wait(event, size);
			return 0;
		}
		return self->process(event, size);
	}

	int process(const filelife_event &event, size_t size)
	{
		if (!filelife::decode_names(event, size, event_names_))
			return 0;
		return handle(event);
	}

	int handle(const filelife_event &event)
	{
		const Actor actor{event.ts, event.pid,
				  std::string(event.comm, strnlen(event.comm, sizeof(event.comm))),
				  event.mntns, event.cgroup_id};
		switch (event.kind) {
		case FILELIFE_CREATE:
			lives_->born(inode_of(event.file), event.file.gen, name(event, 0), actor);
			return 0;
		case FILELIFE_RMDIR:
			names_->directory_removed(event_names_[0], event.mntns);
			return 0;
		case FILELIFE_MKNOD:
			on_mknod(event, actor);
			return 0;
		case FILELIFE_LINK:
			on_link(event);
			return 0;
		case FILELIFE_UNLINK:
			return on_unlink(event, actor);
		case FILELIFE_RENAME:
			return on_rename(event, actor);
		default:
			return 0;
		}
	}

	// The system-call views know a mknod'ed file's identity only when its name
	// has no slash (BPF finds it among the directory's children at the call);
	// a later stat could find another file by then, so none is made.
	void on_mknod(const filelife_event &event, const Actor &actor)
	{
		std::optional<Name> created = name(event, 0);
		if (created)
			lives_->born(inode_of(event.file), event.file.gen, created, actor);
	}

	void on_link(const filelife_event &event)
	{
		std::optional<Name> added = name(event, 1);
		if (added)
			lives_->linked(inode_of(event.file), name(event, 0), *added);
	}

	int on_unlink(const filelife_event &event, const Actor &actor)
	{
		std::optional<Name> removed = name(event, 0);
		if (!removed)
			return 0;
		return report(
			lives_->unlinked(inode_of(event.file), *removed, removal(event), actor));
	}

	int on_rename(const filelife_event &event, const Actor &actor)
	{
		std::optional<Name> to = name(event, 1);
		std::optional<Name> from = name(event, 0);
		if (!to)
			return 0;
		if (event.flags & FILELIFE_EXCHANGE) {
			if (from)
				lives_->exchanged(inode_of(event.file), inode_of(event.victim),
						  *from, *to);
			return 0;
		}
		names_->renamed(from.value_or(Name{}), *to);
		return report(lives_->renamed(inode_of(event.file), inode_of(event.victim),
					      from.value_or(Name{}), *to, removal(event), actor));
	}

	std::optional<Name> name(const filelife_event &event, size_t index)
	{
		return names_->resolve(event_names_.at(index), event.mntns);
	}

	// The ring's size in bytes: a power of two, as the kernel requires.
	uint32_t ring_bytes() const
	{
		uint32_t bytes = 4096;
		while (bytes < static_cast<uint64_t>(ring_kib_) * 1024)
			bytes *= 2;
		return bytes;
	}

	// At exit, lives whose file is gone ended unseen. The vfs views know it
	// exactly: BPF drops a file from its table at its last unlink or rename
	// over it, even when that event found the ring full.
	void settle_lives(size_t backend)
	{
		const int table = bpf_map__fd(skel_->maps.lives);
		lives_->settle([&](const Inode &file, uint32_t generation,
				   const std::vector<Name> &names) {
			if (!sees_vfs(backend))
				return gone_by_names(file, names, own_mntns_);
			filelife_inode key{file.dev, file.ino, generation, 0};
			uint64_t mount = 0; // the value: the mount it was opened through
			return bpf_map_lookup_elem(table, &key, &mount) != 0;
		});
	}

	static filelife::Removal removal(const filelife_event &event)
	{
		return {(event.flags & FILELIFE_NLINK_KNOWN) != 0,
			(event.flags & FILELIFE_LAST_LINK) != 0};
	}

	bool wanted(const Death &death) const
	{
		const double age = static_cast<double>(death.age_ns) / 1e9;
		return age >= min_age_s_ && (max_age_s_ <= 0 || age <= max_age_s_);
	}

	int report(const std::optional<Death> &death)
	{
		if (!death || !wanted(*death))
			return 0;
		if (metrics_) {
			metrics_->died(*death);
			return 0;
		}
		const std::string dev = death->file.known() ? device_text(death->file.dev) : "";
		const std::string created_as =
			death->created_as == death->name ? std::string() : death->created_as;
		std::vector<fsbpf_value> row = {
			wall_ns(clock_.realtime_ns(death->deleter.ns)),
			u64(death->deleter.pid),
			str(death->deleter.comm),
			f64(static_cast<double>(death->age_ns) / 1e9),
		};
		std::ranges::copy(workload_.values(death->deleter.cgroup_id, death->deleter.mntns),
				  std::back_inserter(row));
		row.push_back(str(death->name));
		if (details_)
			row.insert(row.end(), {u64(death->creator.pid), str(death->creator.comm),
					       str(dev), u64(death->file.ino), str(created_as)});
		output_closed_ = !sink_->row(row);
		return output_closed_ ? -EPIPE : 0;
	}

	int milliseconds_ = 0;
	fsbpf::ProcessFilter filter_;
	fsbpf::WorkloadFields workload_;
	double min_age_s_ = 0;
	double max_age_s_ = 0;
	int full_path_ = 0;
	int64_t ring_kib_ = 2048;

	Skeleton skel_;
	std::unique_ptr<fsbpf::plugin::Sink> sink_;
	fsbpf::EventClock clock_;
	uint32_t own_mntns_ = 0;
	std::unique_ptr<filelife::Lives> lives_;
	std::unique_ptr<Names> names_;
	std::unique_ptr<LifeMetrics> metrics_;
	std::array<filelife::EventName, 2> event_names_; // of the event being handled
	Requests requests_;
	bool details_ = false;
	bool output_closed_ = false;
};

constexpr std::array<fsbpf_command, 1> kCommands = {
	fsbpf::plugin::make_command<FileLife>(
		"filelife", "Trace files created and deleted while tracing", kBackendInfos),
};

} // namespace

extern "C" FSBPF_EXPORT const fsbpf_plugin FSBPF_PLUGIN_SYMBOL = fsbpf::plugin::make_plugin(
	"filelife", "0.1.0", "GPL-2.0-only",
	"Short-lived files: who deleted them and how old they were", kCommands);
