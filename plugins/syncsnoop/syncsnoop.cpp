// syncsnoop: user-space half. Picks a backend through the host, prints each
// sync-family call as it completes, and reports what it could not see.
#include "syncsnoop.h"

#include "clock.hpp"
#include "libbpf.hpp"
#include "path.hpp"
#include "syncsnoop.bpf.skel.h"

#include <fsbpf/plugin.hpp>

#include <bpf/libbpf.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

using fsbpf::plugin::f64;
using fsbpf::plugin::i64;
using fsbpf::plugin::str;
using fsbpf::plugin::u64;

static_assert(sizeof(syncsnoop_event) == 64 + sizeof(fsbpf_path), "event layout changed");

constexpr std::array<const char *, SYNC_CALL__COUNT> kCallNames = {
	"sync", "syncfs", "fsync", "fdatasync", "sync_file_range", "msync"};

// Best first. The attach-type choice is measured: see the README's syncsnoop section.
constexpr std::array<fsbpf_backend, 4> kBackends = {{
	{"fentry", FSBPF_ATTACH_FENTRY, "fentry/fexit on the six syscall functions"},
	{"kprobe", FSBPF_ATTACH_KPROBE, "kprobe/kretprobe on the six syscall functions"},
	{"tracepoint", FSBPF_ATTACH_TRACEPOINT, "syscalls:sys_enter_*/sys_exit_* tracepoints"},
	{"tp_btf", FSBPF_ATTACH_TP_BTF, "raw sys_enter/sys_exit, filtered by syscall number"},
}};
constexpr size_t kFentryBackend = 0;
// Program name prefixes of the other backends, in kBackends order.
constexpr std::array<std::array<std::string_view, 2>, 4> kProgramPrefixes = {{
	{},
	{"kprobe_", "kretprobe_"},
	{"tp_enter_", "tp_exit_"},
	{"raw_enter", "raw_exit"},
}};

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

struct SkeletonDeleter {
	void operator()(syncsnoop_bpf *skel) const { syncsnoop_bpf__destroy(skel); }
};
using Skeleton = std::unique_ptr<syncsnoop_bpf, SkeletonDeleter>;

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

std::vector<std::string_view> program_names(bpf_object &obj)
{
	std::vector<std::string_view> names;
	bpf_program *prog = nullptr;
	bpf_object__for_each_program (prog, &obj)
		names.emplace_back(bpf_program__name(prog));
	return names;
}

constexpr std::string_view kNoVmaSuffix = "_novma";

bool is_novma_variant(std::string_view name)
{
	return name.size() > kNoVmaSuffix.size() &&
	       name.substr(name.size() - kNoVmaSuffix.size()) == kNoVmaSuffix;
}

// Each exit that can see msync has a twin without bpf_find_vma (see the BPF side).
std::vector<std::string_view> choose_vma_variants(const std::vector<std::string_view> &programs,
						  const std::vector<std::string_view> &all,
						  bool find_vma)
{
	std::vector<std::string_view> chosen;
	for (const std::string_view name : programs) {
		if (is_novma_variant(name))
			continue;
		const std::string twin = std::string(name) + std::string(kNoVmaSuffix);
		const auto found = std::find(all.begin(), all.end(), twin);
		chosen.push_back(!find_vma && found != all.end() ? *found : name);
	}
	return chosen;
}

std::vector<std::string_view> prefixed_programs(size_t backend,
						const std::vector<std::string_view> &all)
{
	std::vector<std::string_view> programs;
	for (const std::string_view name : all)
		if (fsbpf::named_with(name, kProgramPrefixes.at(backend)))
			programs.push_back(name);
	return programs;
}

// Names of the programs a backend loads on this kernel.
std::vector<std::string_view> backend_programs(size_t backend, const fsbpf::plugin::Host &host,
					       bpf_object &obj)
{
	const std::vector<std::string_view> all = program_names(obj);
	const std::vector<std::string_view> programs =
		backend == kFentryBackend ? fentry_programs(host) : prefixed_programs(backend, all);
	return choose_vma_variants(programs, all, host.feature(FSBPF_FEATURE_FIND_VMA));
}

class SyncSnoop {
public:
	void add_options(fsbpf::plugin::Options &options)
	{
		options.flag("-T,--timestamp",
			     "Print wall-clock time instead of seconds since start", wall_clock_);
		options.integer("-p,--pid", "Trace this process only", pid_, 1, 4194304);
		options.string("-c,--comm", "Trace commands with this name only", comm_);
		options.number("--min-latency", "Show calls that took at least this many ms",
			       min_latency_ms_, 0, 1e9);
	}

	int run(fsbpf::plugin::Host &host)
	{
		auto attach = [&](size_t backend) { return try_backend(backend, host); };
		if (host.select_backend(attach) < 0)
			return 1;
		fsbpf::RingBuffer events(ring_buffer__new(bpf_map__fd(skel_->maps.events),
							  &SyncSnoop::on_event, this, nullptr));
		if (!events) {
			host.error("syncsnoop: cannot read the ring buffer: " +
				   std::string(std::strerror(errno)));
			return 1;
		}
		open_sink(host);
		clock_.start();
		host.ready("Tracing sync-family calls... Hit Ctrl-C to end.");

		fsbpf::read_until_stopped(host, *events, output_closed_,
					  [this] { syncsnoop_bpf__detach(skel_.get()); });
		// Also when the output has failed: the sink then sends them to stderr.
		sink_->summary({{"lost", nullptr, FSBPF_VAL_UINT, 0, 0},
				{"missed", nullptr, FSBPF_VAL_UINT, 0, 0},
				{"skipped", nullptr, FSBPF_VAL_UINT, 0, 0}},
			       {u64(skel_->bss->lost_events), u64(skel_->bss->missed_starts),
				u64(fsbpf::kernel_skips(host, *skel_->obj))});
		return 0;
	}

	int check_backend(const fsbpf::plugin::Host &host, size_t backend)
	{
		return backend == kFentryBackend && fentry_programs(host).empty() ? -ENOENT : 0;
	}

private:
	int try_backend(size_t backend, const fsbpf::plugin::Host &host)
	{
		skel_.reset(syncsnoop_bpf__open());
		if (!skel_)
			return -errno;
		skel_->rodata->target_tgid = static_cast<__u32>(pid_);
		skel_->rodata->min_latency_ns = static_cast<__u64>(min_latency_ms_ * 1e6);
		if (comm_)
			strncpy(const_cast<char *>(skel_->rodata->target_comm), comm_,
				sizeof(skel_->rodata->target_comm) - 1);
		const std::vector<std::string_view> programs =
			backend_programs(backend, host, *skel_->obj);
		if (programs.empty()) {
			skel_.reset();
			return -ENOENT;
		}
		bpf_program *prog = nullptr;
		bpf_object__for_each_program (prog, skel_->obj) {
			const std::string_view name = bpf_program__name(prog);
			const bool wanted =
				std::find(programs.begin(), programs.end(), name) != programs.end();
			bpf_program__set_autoload(prog, wanted);
		}
		int err = syncsnoop_bpf__load(skel_.get());
		if (!err)
			err = syncsnoop_bpf__attach(skel_.get());
		if (err)
			skel_.reset(); // libbpf 1.1 cannot load an object twice
		return err;
	}

	void open_sink(fsbpf::plugin::Host &host)
	{
		const fsbpf_column time =
			wall_clock_ ? fsbpf_column{"time", "TIME", FSBPF_VAL_STR, -12, 0}
				    : fsbpf_column{"time", "TIME(s)", FSBPF_VAL_DOUBLE, -12, 6};
		sink_ = std::make_unique<fsbpf::plugin::Sink>(
			host.raw(), std::initializer_list<fsbpf_column>{
					    time,
					    {"pid", nullptr, FSBPF_VAL_UINT, 7, 0},
					    {"tid", nullptr, FSBPF_VAL_UINT, 7, 0},
					    {"comm", nullptr, FSBPF_VAL_STR, -16, 0},
					    {"call", nullptr, FSBPF_VAL_STR, -15, 0},
					    {"latency_ms", "LAT(ms)", FSBPF_VAL_DOUBLE, 10, 3},
					    {"ret", nullptr, FSBPF_VAL_INT, 5, 0},
					    {"file", nullptr, FSBPF_VAL_STR, -1, 0},
				    });
	}

	static int on_event(void *ctx, void *data, size_t size)
	{
		auto *self = static_cast<SyncSnoop *>(ctx);
		if (size < sizeof(syncsnoop_event))
			return 0;
		return self->print(*static_cast<const syncsnoop_event *>(data));
	}

	int print(const syncsnoop_event &event)
	{
		const std::string comm(event.comm, strnlen(event.comm, sizeof(event.comm)));
		const std::string file = fsbpf::path_to_string(event.path);
		const char *call = event.call < kCallNames.size() ? kCallNames[event.call] : "?";
		// Kept alive until the row is written: the sink reads it through a pointer.
		const std::string wall_time =
			wall_clock_ ? clock_.wall_clock(event.start_ns) : std::string();
		const fsbpf_value time = wall_clock_
						 ? str(wall_time)
						 : f64(clock_.seconds_since_start(event.start_ns));
		const bool ok = sink_->row({
			time,
			u64(event.pid),
			u64(event.tid),
			str(comm),
			str(call),
			f64(static_cast<double>(event.latency_ns) / 1e6),
			i64(event.ret),
			str(file),
		});
		output_closed_ = !ok;
		return ok ? 0 : -EPIPE;
	}

	int wall_clock_ = 0;
	int64_t pid_ = 0;
	const char *comm_ = nullptr;
	double min_latency_ms_ = 0;

	Skeleton skel_;
	std::unique_ptr<fsbpf::plugin::Sink> sink_;
	fsbpf::EventClock clock_;
	bool output_closed_ = false;
};

constexpr std::array<fsbpf_command, 1> kCommands = {
	fsbpf::plugin::make_command<SyncSnoop>(
		"syncsnoop", "Trace sync, fsync, fdatasync, syncfs, sync_file_range and msync",
		kBackends.data(), kBackends.size()),
};

} // namespace

extern "C" FSBPF_EXPORT const fsbpf_plugin FSBPF_PLUGIN_SYMBOL = {
	FSBPF_ABI_MAJOR,
	FSBPF_ABI_MINOR,
	sizeof(fsbpf_plugin),
	sizeof(fsbpf_command),
	"syncsnoop",
	"0.1.0",
	"GPL-2.0-only",
	"Sync-family system calls with file, latency and result",
	kCommands.data(),
	kCommands.size(),
	{},
};
