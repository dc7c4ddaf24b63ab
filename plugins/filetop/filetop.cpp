// SPDX-License-Identifier: GPL-2.0
// filetop: user-space half. Every interval it takes an atomic snapshot of the
// counters (see filetop.h), names the files from the paths BPF sent, and
// prints the busiest.
#include "filetop.h"

#include "filetop.bpf.skel.h"

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

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {

using fsbpf::plugin::str;
using fsbpf::plugin::u64;
using fsbpf::plugin::wall_ns;

// Best first. The attach-type choice is measured: see the README's filetop
// section. fexit and tp_btf programs come twice, "_cast" and "_core"
// (fsbpf/skeleton.hpp's program variants).
constexpr std::array<fsbpf::Backend, 4> kBackends = {{
	{{"fexit", FSBPF_ATTACH_FEXIT, "fexit on the 13 syscall functions"}, {"fexit_"}},
	{{"tp_btf", FSBPF_ATTACH_TP_BTF, "raw sys_exit, filtered by syscall number"}, {"raw_exit"}},
	{{"kprobe", FSBPF_ATTACH_KPROBE, "kprobe/kretprobe pairs on the 13 syscall functions"},
	 {"kprobe_", "kretprobe_"},
	 true},
	{{"tracepoint", FSBPF_ATTACH_TRACEPOINT, "syscalls:sys_enter_*/sys_exit_* pairs"},
	 {"tp_enter_", "tp_exit_"},
	 true},
}};
constexpr auto kBackendInfos = fsbpf::backend_infos(kBackends);

// What filetop.bpf.c's io_uring program reads by CO-RE, besides the
// submitting task and the fixed file table, which it finds in either place
// the kernel keeps them (see uring_usable).
constexpr std::array<fsbpf::UringFields, 6> kUringFields = {{
	{"io_kiocb", "file"},
	{"io_kiocb", "ctx"},
	{"io_ring_ctx", "file_table"},
	{"io_splice", "splice_fd_in"},
	{"file", "f_inode"},
	{"inode", "i_generation"},
}};

// Whether filetop.bpf.c's io_uring program works here: besides its fields,
// the request's submitter in io_kiocb.task (6.1-6.12) or io_kiocb.tctx (6.13
// on), and the fixed file table as an array (to 6.12) or resource nodes.
bool uring_usable(const fsbpf::plugin::Host &host)
{
	return fsbpf::uring_completions_usable(host, kUringFields) &&
	       (host.has_field("io_kiocb", "task") || host.has_field("io_kiocb", "tctx")) &&
	       (host.has_field("io_file_table", "files") ||
		host.has_field("io_file_table", "data"));
}

constexpr std::array<const char *, FILETOP_CALL__COUNT> kSyscallFunctions = {
	"__x64_sys_read",
	"__x64_sys_write",
	"__x64_sys_pread64",
	"__x64_sys_pwrite64",
	"__x64_sys_readv",
	"__x64_sys_writev",
	"__x64_sys_preadv",
	"__x64_sys_pwritev",
	"__x64_sys_preadv2",
	"__x64_sys_pwritev2",
	"__x64_sys_sendfile64",
	"__x64_sys_splice",
	"__x64_sys_copy_file_range",
};

// Whether fexit program `name` is one this kernel takes (filetop.bpf.c): a
// function whose prototype is read's jumps to fexit_count; any other
// function counts in a program of its own.
bool fexit_wanted(std::string_view name, const fsbpf::plugin::Host &host)
{
	constexpr std::string_view kJump = "jump_";
	std::string_view call = fsbpf::variant_stem(name).substr(std::string_view("fexit_").size());
	if (call == "count")
		return true;
	const bool jump = call.starts_with(kJump);
	if (jump)
		call.remove_prefix(kJump.size());
	const std::string function = "__x64_sys_" + std::string(call);
	return jump == (host.func_proto(function.c_str()) == host.func_proto(kSyscallFunctions[0]));
}

constexpr std::array<const char *, 6> kSortKeys = {"all",    "reads",  "writes",
						   "rbytes", "wbytes", nullptr};

using Skeleton = fsbpf::Skeleton<filetop_bpf, filetop_bpf__open, filetop_bpf__destroy>;

// A row: one thread's use of one file.
struct RowKey {
	uint32_t tid = 0;
	uint32_t dev = 0;
	uint64_t ino = 0;
	uint32_t gen = 0;
	uint32_t via = FILETOP_VIA_SYSCALL;

	bool operator==(const RowKey &other) const = default;
	bool operator<(const RowKey &other) const
	{
		return std::tie(tid, dev, ino, gen, via) <
		       std::tie(other.tid, other.dev, other.ino, other.gen, other.via);
	}
};

RowKey row_key(const filetop_key &key)
{
	return {key.tid, key.dev, key.ino, key.gen, key.via};
}

struct RowKeyHash {
	size_t operator()(const RowKey &key) const
	{
		return std::hash<uint64_t>()(key.ino) ^ (std::hash<uint64_t>()(key.dev) << 1U) ^
		       (std::hash<uint64_t>()(key.tid) << 2U) ^
		       (std::hash<uint64_t>()(key.gen) << 3U) ^ key.via;
	}
};

// What BPF sent about a new row besides its counts.
struct RowInfo {
	uint32_t pid = 0;
	std::string comm;
	char type = FILETOP_TYPE_OTHER;
	std::string path; // from the root of the thread's mount namespace
	uint64_t cgroup_id = 0;
	uint32_t mntns = 0;
};

struct Row {
	RowKey key;
	filetop_counts counts{};
	RowInfo info; // path "" when BPF could not send it (counted as lost)
};

// What one interval counted.
struct Interval {
	std::vector<Row> rows;
	uint64_t overflow = 0; // calls not counted: the map was full
	uint64_t lost = 0;     // files whose name the ring buffer had no room for
	uint64_t missed = 0;   // calls seen but not counted (see missed_calls)
	uint64_t skipped = 0;  // program runs the kernel skipped
	// io_uring completions held back by a full completion queue: they name no request.
	uint64_t cq_overflows = 0;
};

std::string type_name(char type)
{
	switch (type) {
	case FILETOP_TYPE_REGULAR:
		return "regular";
	case FILETOP_TYPE_SOCKET:
		return "socket";
	default:
		return "other";
	}
}

// The exporter's families: reads and writes by command and file type, by
// file system, and by file when the exporter allows file paths in labels.
class FileMetrics {
public:
	FileMetrics(const fsbpf::plugin::Host &host, fsbpf::WorkloadFields &workload)
		: read_calls_(host,
			      counter("fsbpf_filetop_read_calls_total",
				      "Read-family calls, by command, file type and container",
				      nullptr, kByCommand)),
		  read_bytes_(host, counter("fsbpf_filetop_read_bytes_total",
					    "Bytes read, by command, file type and container",
					    "bytes", kByCommand)),
		  write_calls_(host,
			       counter("fsbpf_filetop_write_calls_total",
				       "Write-family calls, by command, file type and container",
				       nullptr, kByCommand)),
		  write_bytes_(host, counter("fsbpf_filetop_write_bytes_total",
					     "Bytes written, by command, file type and container",
					     "bytes", kByCommand)),
		  fs_read_bytes_(host, counter("fsbpf_filetop_fs_read_bytes_total",
					       "Bytes read, by file system (major:minor)", "bytes",
					       {"device"})),
		  fs_write_bytes_(host, counter("fsbpf_filetop_fs_write_bytes_total",
						"Bytes written, by file system (major:minor)",
						"bytes", {"device"})),
		  unreported_(host, "filetop"), workload_(workload)
	{
		if (const uint64_t files = host.metric_file_series()) {
			file_read_bytes_.emplace(
				host, counter("fsbpf_filetop_file_read_bytes_total",
					      "Bytes read, by file", "bytes", {"file"}, files));
			file_write_bytes_.emplace(
				host, counter("fsbpf_filetop_file_write_bytes_total",
					      "Bytes written, by file", "bytes", {"file"}, files));
		}
	}

	void add(const Interval &interval)
	{
		for (const Row &row : interval.rows) {
			// A row whose name was lost (counted as such) still counts.
			const char *comm =
				row.info.comm.empty() ? "unknown" : row.info.comm.c_str();
			const std::string type = type_name(row.info.type);
			const std::string device = fmt_device(row.key.dev);
			const char *container =
				workload_.cgroup(row.info.cgroup_id).container.c_str();
			add(read_calls_, {comm, type.c_str(), container}, row.counts.reads);
			add(read_bytes_, {comm, type.c_str(), container}, row.counts.rbytes);
			add(write_calls_, {comm, type.c_str(), container}, row.counts.writes);
			add(write_bytes_, {comm, type.c_str(), container}, row.counts.wbytes);
			add(fs_read_bytes_, {device.c_str()}, row.counts.rbytes);
			add(fs_write_bytes_, {device.c_str()}, row.counts.wbytes);
			if (file_read_bytes_ && !row.info.path.empty()) {
				add(*file_read_bytes_, {row.info.path.c_str()}, row.counts.rbytes);
				add(*file_write_bytes_, {row.info.path.c_str()}, row.counts.wbytes);
			}
		}
		overflow_ += interval.overflow;
		lost_ += interval.lost;
	}

	void update_unreported(uint64_t skipped, uint64_t missed, uint64_t cq_overflows)
	{
		unreported_.update("overflow", overflow_);
		unreported_.update("lost", lost_);
		unreported_.update("missed", missed);
		unreported_.update("skipped", skipped);
		unreported_.update("cq_overflows", cq_overflows);
	}

private:
	static constexpr std::initializer_list<const char *> kByCommand = {"comm", "type",
									   "container"};

	static fsbpf::plugin::Metric::Spec counter(const char *name, const char *help,
						   const char *unit,
						   std::vector<const char *> labels,
						   uint64_t max_series = 0)
	{
		return {FSBPF_METRIC_COUNTER, name, help, unit, std::move(labels), {}, max_series};
	}
	static void add(const fsbpf::plugin::Metric &metric,
			std::initializer_list<const char *> labels, uint64_t value)
	{
		if (value)
			metric.add(labels, static_cast<double>(value));
	}
	static std::string fmt_device(uint32_t dev)
	{
		return std::to_string(dev >> 20U) + ":" + std::to_string(dev & 0xfffffU);
	}

	fsbpf::plugin::Metric read_calls_, read_bytes_, write_calls_, write_bytes_;
	fsbpf::plugin::Metric fs_read_bytes_, fs_write_bytes_;
	std::optional<fsbpf::plugin::Metric> file_read_bytes_, file_write_bytes_;
	fsbpf::plugin::UnreportedCounters unreported_;
	uint64_t overflow_ = 0, lost_ = 0;
	fsbpf::WorkloadFields &workload_; // the tool's
};

// The epoch's counts map.
bpf_map *counts_map(const filetop_bpf &skel, uint32_t epoch)
{
	return epoch ? skel.maps.counts1 : skel.maps.counts0;
}

// Reads and clears one epoch's counters. Called only after every program
// that could still use that epoch has finished.
class EpochReader {
public:
	explicit EpochReader(filetop_bpf &skel) : skel_(skel) {}

	Interval take(uint32_t old_epoch)
	{
		Interval interval;
		Rows rows;
		take_map(old_epoch, rows);
		take_pending(old_epoch, rows, interval.overflow);
		interval.overflow += std::exchange(skel_.bss->overflow_calls[old_epoch], 0);
		interval.lost = std::exchange(skel_.bss->lost_names[old_epoch], 0);
		for (auto &[key, counts] : rows)
			interval.rows.push_back({key, counts, {}});
		return interval;
	}

private:
	using Rows = std::map<RowKey, filetop_counts>;

	void take_map(uint32_t old_epoch, Rows &rows)
	{
		const int fd = bpf_map__fd(counts_map(skel_, old_epoch));
		std::vector<filetop_key> keys(FILETOP_MAX_FILES);
		std::vector<filetop_counts> values(FILETOP_MAX_FILES);
		uint32_t batch = 0;
		bool first = true;
		for (;;) {
			__u32 count = FILETOP_MAX_FILES;
			const int err = bpf_map_lookup_and_delete_batch(
				fd, first ? nullptr : &batch, &batch, keys.data(), values.data(),
				&count, nullptr);
			first = false;
			for (__u32 i = 0; i < count; i++)
				rows[row_key(keys[i])] = values[i];
			if (err)
				break; // ENOENT: the map is empty now
		}
	}

	void take_pending(uint32_t old_epoch, Rows &rows, uint64_t &overflow)
	{
		const int fd = bpf_map__fd(skel_.maps.pending);
		const int cpus = libbpf_num_possible_cpus();
		std::vector<filetop_set> values(cpus > 0 ? static_cast<size_t>(cpus) : 1);
		const std::vector<filetop_set> zeros(values.size());
		static_assert(sizeof(filetop_set) % 8 == 0, "per-CPU values are 8-byte aligned");
		for (uint32_t index = old_epoch * FILETOP_SETS;
		     index < (old_epoch + 1) * FILETOP_SETS; index++) {
			if (bpf_map_lookup_elem(fd, &index, values.data()) != 0)
				continue;
			bool used = false;
			for (const filetop_set &set : values)
				for (const filetop_pending &pending : set.ways) {
					add_pending(pending, rows, overflow);
					used = used || pending.state != FILETOP_PENDING_EMPTY;
				}
			if (used)
				bpf_map_update_elem(fd, &index, zeros.data(), BPF_ANY);
		}
	}

	static void add_pending(const filetop_pending &pending, Rows &rows, uint64_t &overflow)
	{
		const filetop_counts &add = pending.counts;
		if (!(add.reads + add.writes) || pending.state == FILETOP_PENDING_IGNORED)
			return;
		const auto found = rows.find(row_key(pending.key));
		if (pending.state != FILETOP_PENDING_TRACKED || found == rows.end()) {
			overflow += add.reads + add.writes;
			return;
		}
		filetop_counts &counts = found->second;
		counts.reads += add.reads;
		counts.writes += add.writes;
		counts.rbytes += add.rbytes;
		counts.wbytes += add.wbytes;
	}

	filetop_bpf &skel_;
};

std::string load_average()
{
	std::ifstream in("/proc/loadavg");
	std::string text;
	std::getline(in, text);
	return text;
}

// 0 when path names a directory, else why not (an errno).
int directory_error(const char *path)
{
	struct stat st {};
	if (stat(path, &st) != 0)
		return errno;
	return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
}

using RowInfos = std::unordered_map<RowKey, RowInfo, RowKeyHash>;

class FileTop {
public:
	static constexpr const char *kExamples =
		"filetop                 # top files by reads and writes, every second\n"
		"filetop -C              # keep each output on the screen\n"
		"filetop -a              # sockets, pipes and devices too\n"
		"filetop -p 181          # process 181 only\n"
		"filetop -s wbytes -r 5  # the five files written most\n"
		"filetop 5 10            # every 5 seconds, 10 times\n"
		"filetop --json 1 3      # three outputs as JSON lines";

	void add_options(fsbpf::plugin::Options &options)
	{
		options.number("interval", "Seconds between outputs (default 1)", interval_s_, 0.01,
			       86400);
		options.integer("count", "Number of outputs (default: until stopped)", count_, 0,
				1e12);
		filter_.add_options(options);
		workload_.add_option(options);
		options.flag("-C,--noclear", "Do not clear the screen between outputs", noclear_);
		options.flag("-a,--all-files,--all",
			     "Include sockets, pipes and devices (default: regular files only)",
			     all_files_);
		options.integer("-r,--rows,--maxrows",
				"Rows to print per output, 0 for all (default 20)", rows_, 0, 1e9);
		options.string("-s,--sort", "Sort by all, reads, writes, rbytes or wbytes", sort_,
			       kSortKeys.data());
		options.flag("--read-only", "Count reads only", read_only_);
		options.flag("--write-only", "Count writes only", write_only_, "--read-only");
		options.string("-d,--dir", "Only files under this directory", dir_);
		options.flag("--full-path",
			     "Show the path from the mount tree's root, not the file name only",
			     full_path_);
		options.flag("-T,--timestamp",
			     "Refused: each output's title already shows the wall-clock time",
			     timestamp_);
	}

	int check_backend(const fsbpf::plugin::Host &host, size_t backend)
	{
		if (kBackends.at(backend).info.attach != FSBPF_ATTACH_FEXIT)
			return 0;
		// fexit reads the wrapper's pt_regs, whose type 5.10's BTF only forward-declares.
		for (const char *function : kSyscallFunctions)
			if (!host.has_func(function) || !host.param_complete(function, 0))
				return -ENOENT;
		return 0;
	}

	int run(fsbpf::plugin::Host &host)
	{
		workload_.use(host);
		if (timestamp_) {
			host.error("filetop: -T: each output's title line already shows the "
				   "wall-clock time, and JSON and CSV rows carry it in time");
			return 2;
		}
		if ((dir_ && !resolve_dir(host)) || !filter_.resolve(host, "filetop"))
			return 2;
		auto attach = [&](size_t backend) { return try_backend(backend, host); };
		if (host.select_backend(attach) < 0)
			return 1;
		fsbpf::Ring names(skel_->maps.names, &FileTop::on_name, this);
		open_sink(host);
		host.ready("Tracing... Output every " + format_seconds(interval_s_) +
			   " secs. Hit Ctrl-C to end");
		loop(host, names);
		if (table_)
			print_totals();
		return 0;
	}

	int export_metrics(fsbpf::plugin::Host &host)
	{
		workload_.use(host);
		all_files_ = 1; // the type is a label
		auto attach = [&](size_t backend) { return try_backend(backend, host); };
		if (host.select_backend(attach) < 0)
			return 1;
		fsbpf::Ring names(skel_->maps.names, &FileTop::on_name, this);
		FileMetrics metrics(host, workload_);
		const double interval = host.metric_interval();
		bool stopping = false;
		for (double next = host.elapsed() + interval; !stopping; next += interval) {
			stopping = !read_names_until(host, names, next);
			metrics.add(take_interval(names));
			metrics.update_unreported(skel_.skips(host), skel_->bss->missed_calls,
						  skel_->bss->cq_overflows);
		}
		return 0;
	}

private:
	static std::string format_seconds(double seconds)
	{
		std::string text = std::to_string(seconds);
		text.erase(text.find_last_not_of('0') + 1);
		if (text.back() == '.')
			text.pop_back();
		return text;
	}

	bool resolve_dir(const fsbpf::plugin::Host &host)
	{
		std::array<char, PATH_MAX> buf{};
		const int err = realpath(dir_, buf.data()) ? directory_error(buf.data()) : errno;
		if (err) {
			host.error("filetop: --dir " + fsbpf::plugin::excerpt(dir_) + ": " +
				   std::strerror(err));
			return false;
		}
		dir_prefix_ = buf.data();
		if (dir_prefix_.back() != '/')
			dir_prefix_ += '/';
		return true;
	}

	int try_backend(size_t backend, const fsbpf::plugin::Host &host)
	{
		const bool uring = uring_usable(host);
		auto configure = [&](filetop_bpf &skel) {
			configure_rodata(*skel.rodata);
			int err = filter_.apply(skel);
			if (!err && !kBackends.at(backend).pairs)
				err = bpf_map__set_max_entries(skel.maps.inflights, 1);
			return err;
		};
		return skel_.attempt(host, configure, [&](std::string_view name) {
			if (name.starts_with(fsbpf::kUringPrefix))
				return fsbpf::uring_completion_wanted(name, uring, host);
			return fsbpf::loads(kBackends.at(backend), name, host) &&
			       (!name.starts_with("fexit_") || fexit_wanted(name, host));
		});
	}

	void configure_rodata(filetop_bpf::filetop_bpf__rodata &rodata) const
	{
		rodata.all_files = all_files_ != 0;
		rodata.count_reads = write_only_ == 0;
		rodata.count_writes = read_only_ == 0;
	}

	void open_sink(const fsbpf::plugin::Host &host)
	{
		table_ = host.output_format() == FSBPF_OUTPUT_TABLE;
		std::vector<fsbpf_column> columns;
		if (table_)
			columns = {
				{"tid", nullptr, FSBPF_VAL_UINT, -7, 0},
				{"comm", nullptr, FSBPF_VAL_STR, -16, 0},
				{"reads", nullptr, FSBPF_VAL_UINT, -6, 0},
				{"writes", nullptr, FSBPF_VAL_UINT, -6, 0},
				{"r_kb", "R_Kb", FSBPF_VAL_UINT, -7, 0},
				{"w_kb", "W_Kb", FSBPF_VAL_UINT, -7, 0},
				{"type", "T", FSBPF_VAL_STR, 1, 0},
				{"via", nullptr, FSBPF_VAL_STR, -8, 0},
			};
		else
			columns = {
				// When the interval ended, and its number from 1.
				{"time", nullptr, FSBPF_VAL_TIME, 0, 0},
				{"interval_number", nullptr, FSBPF_VAL_UINT, 0, 0},
				{"pid", nullptr, FSBPF_VAL_UINT, 0, 0},
				{"tid", nullptr, FSBPF_VAL_UINT, 0, 0},
				{"comm", nullptr, FSBPF_VAL_STR, 0, 0},
				{"reads", nullptr, FSBPF_VAL_UINT, 0, 0},
				{"writes", nullptr, FSBPF_VAL_UINT, 0, 0},
				{"rbytes", nullptr, FSBPF_VAL_UINT, 0, 0},
				{"wbytes", nullptr, FSBPF_VAL_UINT, 0, 0},
				{"type", nullptr, FSBPF_VAL_STR, 0, 0},
				{"via", nullptr, FSBPF_VAL_STR, 0, 0},
			};
		std::ranges::copy(workload_.columns(), std::back_inserter(columns));
		columns.push_back({"file", nullptr, FSBPF_VAL_STR, table_ ? -1 : 0, 0});
		sink_ = std::make_unique<fsbpf::plugin::Sink>(host.raw(), std::move(columns));
		if (noclear_)
			sink_->keep_screen();
	}

	// Prints every interval; after a stop (Ctrl-C, --duration) the partial last one too.
	void loop(const fsbpf::plugin::Host &host, fsbpf::Ring &names)
	{
		double next = host.elapsed() + interval_s_;
		for (int64_t printed = 0; count_ == 0 || printed < count_; printed++) {
			const bool going = read_names_until(host, names, next);
			if (!report(host, names) || !going)
				return; // the reader has gone, or the user stopped us
			next += interval_s_;
		}
	}

	// Hands name records to on_name until `deadline`; false once the
	// command must stop (the interval then ends early).
	static bool read_names_until(const fsbpf::plugin::Host &host, fsbpf::Ring &names,
				     double deadline)
	{
		int ready = 0;
		while ((ready = host.wait(names.wakeups(), until(host, deadline))) >= 0 &&
		       host.elapsed() < deadline)
			if (ready > 0)
				names.consume();
		return ready >= 0;
	}

	static int until(const fsbpf::plugin::Host &host, double deadline)
	{
		const double ms = std::ceil((deadline - host.elapsed()) * 1000);
		return ms <= 0 ? 0 : static_cast<int>(std::min(ms, 1000.0 * 86400));
	}

	// Flips the epoch and waits until no program can still be counting in the
	// old one: a map-in-map update returns only after every running BPF
	// program has finished. The new epoch's slot is filled before the flip
	// (loading fills only epoch 0's), so no call finds it empty.
	uint32_t flip_epoch()
	{
		const uint32_t old_epoch =
			__atomic_load_n(&skel_->bss->epoch, __ATOMIC_RELAXED) & 1;
		const uint32_t new_epoch = old_epoch ^ 1;
		if (!slot_filled_.at(new_epoch)) {
			fill_slot(new_epoch);
			slot_filled_.at(new_epoch) = true;
		}
		__atomic_store_n(&skel_->bss->epoch, new_epoch, __ATOMIC_SEQ_CST);
		fill_slot(old_epoch);
		return old_epoch;
	}

	// Points the epoch's slot of the outer map at the epoch's map, and waits.
	void fill_slot(uint32_t epoch)
	{
		const int outer = bpf_map__fd(skel_->maps.counts);
		const int map = bpf_map__fd(counts_map(*skel_, epoch));
		if (bpf_map_update_elem(outer, &epoch, &map, BPF_ANY) != 0)
			throw std::runtime_error(std::string("filetop: cannot switch counters: ") +
						 std::strerror(errno));
	}

	// What the epoch that ends now counted, each row with its name.
	Interval take_interval(fsbpf::Ring &names)
	{
		const uint32_t old_epoch = flip_epoch();
		names.consume();
		Interval interval = EpochReader(*skel_).take(old_epoch);
		describe_rows(interval, infos_.at(old_epoch));
		infos_.at(old_epoch).clear();
		return interval;
	}

	bool report(const fsbpf::plugin::Host &host, fsbpf::Ring &names)
	{
		Interval interval = take_interval(names);
		interval_number_++;
		totals_.overflow += interval.overflow;
		totals_.lost += interval.lost;
		interval.skipped = skel_.skips(host) - totals_.skipped;
		interval.missed = skel_->bss->missed_calls - totals_.missed;
		interval.cq_overflows = skel_->bss->cq_overflows - totals_.cq_overflows;
		totals_.skipped += interval.skipped;
		totals_.missed += interval.missed;
		totals_.cq_overflows += interval.cq_overflows;
		const bool ok = print(interval);
		return ok;
	}

	void describe_rows(Interval &interval, const RowInfos &infos) const
	{
		std::vector<Row> kept;
		for (Row &row : interval.rows) {
			const auto found = infos.find(row.key);
			if (found != infos.end())
				row.info = found->second;
			const std::string &path = row.info.path;
			if (dir_prefix_.empty() ||
			    path.compare(0, dir_prefix_.size(), dir_prefix_) == 0)
				kept.push_back(std::move(row));
		}
		interval.rows = std::move(kept);
	}

	static uint64_t saturating_sum(std::initializer_list<uint64_t> values)
	{
		uint64_t sum = 0;
		for (const uint64_t value : values)
			if (__builtin_add_overflow(sum, value, &sum))
				return UINT64_MAX;
		return sum;
	}

	static uint64_t sort_value(const filetop_counts &counts, std::string_view key)
	{
		if (key == "reads")
			return counts.reads;
		if (key == "writes")
			return counts.writes;
		if (key == "rbytes")
			return counts.rbytes;
		if (key == "wbytes")
			return counts.wbytes;
		return saturating_sum({counts.reads, counts.writes, counts.rbytes, counts.wbytes});
	}

	void sort_rows(std::vector<Row> &rows) const
	{
		const std::string_view key = sort_ ? sort_ : "all";
		std::sort(rows.begin(), rows.end(), [&](const Row &a, const Row &b) {
			const uint64_t va = sort_value(a.counts, key);
			const uint64_t vb = sort_value(b.counts, key);
			if (va != vb)
				return va > vb;
			return std::tie(a.key.tid, a.info.path) < std::tie(b.key.tid, b.info.path);
		});
		if (rows_ > 0 && rows.size() > static_cast<size_t>(rows_))
			rows.resize(static_cast<size_t>(rows_));
	}

	std::string title(const Interval &interval) const
	{
		std::string text = fsbpf::local_hms(time(nullptr)) + " loadavg: " + load_average();
		std::string losses;
		const auto note = [&](uint64_t n, const char *what) {
			if (n)
				losses += (losses.empty() ? "" : ", ") + std::to_string(n) + what;
		};
		note(interval.overflow, " calls not counted (table full)");
		note(interval.lost, " names lost");
		note(interval.missed, " calls missed (seen, not counted)");
		note(interval.skipped, " program runs skipped by the kernel");
		note(interval.cq_overflows, " io_uring completions held back");
		return losses.empty() ? text : text + " [" + losses + "]";
	}

	// The counters of calls not reported, with their values in `counts`.
	static std::vector<fsbpf_column> unreported_columns(const Interval &counts,
							    std::vector<fsbpf_value> &values)
	{
		for (const uint64_t count : {counts.overflow, counts.lost, counts.missed,
					     counts.skipped, counts.cq_overflows})
			values.push_back(u64(count));
		return {{"overflow", nullptr, FSBPF_VAL_UINT, 0, 0},
			{"lost", nullptr, FSBPF_VAL_UINT, 0, 0},
			{"missed", nullptr, FSBPF_VAL_UINT, 0, 0},
			{"skipped", nullptr, FSBPF_VAL_UINT, 0, 0},
			{"cq_overflows", nullptr, FSBPF_VAL_UINT, 0, 0}};
	}

	bool print(Interval &interval)
	{
		sort_rows(interval.rows);
		const bool printed = print_rows(interval);
		if (table_)
			return printed;
		// Also when the rows could not be written: the sink then sends it to stderr.
		std::vector<fsbpf_value> values = {u64(interval_number_)};
		std::vector<fsbpf_column> columns = {
			{"interval_number", nullptr, FSBPF_VAL_UINT, 0, 0}};
		std::ranges::copy(unreported_columns(interval, values),
				  std::back_inserter(columns));
		return sink_->summary(columns, values) && printed;
	}

	// Each frame's title shows its interval's losses; at exit, those of the
	// whole run go to stderr, as the other tools' counters do.
	void print_totals()
	{
		std::vector<fsbpf_value> values;
		const std::vector<fsbpf_column> columns = unreported_columns(totals_, values);
		sink_->summary(columns, values);
	}

	bool print_rows(const Interval &interval)
	{
		if (table_ && !sink_->frame(title(interval)))
			return false;
		const uint64_t ended_ns = fsbpf::clock_ns(CLOCK_REALTIME);
		for (const Row &row : interval.rows)
			if (!print_row(row, ended_ns))
				return false;
		return true;
	}

	bool print_row(const Row &row, uint64_t ended_ns)
	{
		const std::string &path = row.info.path;
		const std::string file = path.empty() ? "?"
					 : full_path_ ? path
						      : fsbpf::last_name(path);
		const std::string comm = row.info.comm.empty() ? "?" : row.info.comm;
		const std::string type(1, row.info.type);
		const char *via = row.key.via == FILETOP_VIA_IO_URING ? "io_uring" : "syscall";
		const filetop_counts &c = row.counts;
		std::vector<fsbpf_value> values =
			table_ ? std::vector<fsbpf_value>{u64(row.key.tid),
							  str(comm),
							  u64(c.reads),
							  u64(c.writes),
							  u64(c.rbytes / 1024),
							  u64(c.wbytes / 1024),
							  str(type),
							  str(via)}
			       : std::vector<fsbpf_value>{wall_ns(ended_ns), u64(interval_number_),
							  u64(row.info.pid), u64(row.key.tid),
							  str(comm),         u64(c.reads),
							  u64(c.writes),     u64(c.rbytes),
							  u64(c.wbytes),     str(type),
							  str(via)};
		std::ranges::copy(workload_.values(row.info.cgroup_id, row.info.mntns),
				  std::back_inserter(values));
		values.push_back(str(file));
		return sink_->row(values);
	}

	static int on_name(void *ctx, void *data, size_t size)
	{
		auto *self = static_cast<FileTop *>(ctx);
		const size_t header = offsetof(filetop_name, path.names);
		if (size < header)
			return 0;
		const auto *name = static_cast<const filetop_name *>(data);
		const auto type = static_cast<char>(name->type);
		self->workload_.cgroup(name->cgroup_id); // named now, while the thread runs
		self->infos_.at(name->epoch &
				1)[{name->tid, name->dev, name->ino, name->gen, name->via}] = {
			name->pid,
			std::string(name->comm, strnlen(name->comm, sizeof(name->comm))),
			type,
			fsbpf::path_in_record(data, size, offsetof(filetop_name, path)),
			name->cgroup_id,
			name->mntns,
		};
		return 0;
	}

	double interval_s_ = 1;
	int64_t count_ = 0;
	fsbpf::ProcessFilter filter_;
	fsbpf::WorkloadFields workload_;
	int noclear_ = 0;
	int all_files_ = 0;
	int64_t rows_ = 20;
	const char *sort_ = nullptr;
	int read_only_ = 0;
	int write_only_ = 0;
	const char *dir_ = nullptr;
	int full_path_ = 0;
	int timestamp_ = 0;

	Skeleton skel_;
	std::unique_ptr<fsbpf::plugin::Sink> sink_;
	bool table_ = true;
	std::string dir_prefix_;
	std::array<RowInfos, FILETOP_EPOCHS> infos_;
	std::array<bool, FILETOP_EPOCHS> slot_filled_ = {true, false}; // the outer map's
	uint64_t interval_number_ = 0;
	Interval totals_; // the whole run's counters, as of the last interval
};

constexpr std::array<fsbpf_command, 1> kCommands = {
	fsbpf::plugin::make_command<FileTop>(
		"filetop", "Top files by reads and writes, per thread, refreshed every interval",
		kBackendInfos),
};

} // namespace

extern "C" FSBPF_EXPORT const fsbpf_plugin FSBPF_PLUGIN_SYMBOL = fsbpf::plugin::make_plugin(
	"filetop", "0.1.0", "GPL-2.0-only",
	"Files read and written most, by thread, with bytes and calls", kCommands);
