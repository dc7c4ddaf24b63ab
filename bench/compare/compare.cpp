// SPDX-License-Identifier: GPL-2.0
// compare: what each tracer adds to the work it traces, side by side in one
// run. Every round measures each workload untraced and then under each
// tracer configuration (fsbpf's backends, the peers), so ratios compare
// numbers taken seconds apart on the same machine. Prints one JSON object.
//   fsbpf-compare --fsbpf PATH [--peers DIR] [--dir EXT4_DIR] [--rounds N] [--scale X]
//                 [--backends auto,fentry,...,exporter]   (default: auto, every one supported and
//                 the exporter)
//                 [--tools filelife,...]         (default: every tool)
#include "tracer.hpp"

#include <liburing.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <regex>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <sys/mount.h>
#include <sys/resource.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kFileBytes = 4096;
constexpr int kManyFiles = 10000;
constexpr int kTrackedFiles = 10240;

struct Options {
	std::string fsbpf;
	std::string peers = "/usr/sbin";
	std::string dir = "/tmp";
	int rounds = 5;
	double scale = 1.0;
	std::set<std::string> backends; // of fsbpf to measure; empty: all
	std::set<std::string> tools;    // to measure; empty: all
	std::string hookcost;           // bench/hookcost, whose empty programs are the floor
	std::string empty_cgroup;       // a cgroup no process is in, for filters that exclude all

	bool measures(const std::string &tool) const
	{
		return tools.empty() || tools.contains(tool);
	}
};

std::set<std::string> comma_list(const std::string &value)
{
	std::set<std::string> items;
	for (size_t from = 0; from <= value.size();) {
		const size_t comma = std::min(value.find(',', from), value.size());
		items.insert(value.substr(from, comma - from));
		from = comma + 1;
	}
	return items;
}

// Attaching 22 syscall tracepoints takes 20 s in a TCG guest.
constexpr auto kReadyTimeout = std::chrono::seconds(90);
constexpr auto kSettleTimeout = std::chrono::seconds(5);

[[noreturn]] void fail(const std::string &what)
{
	std::fprintf(stderr, "compare: %s: %s\n", what.c_str(), std::strerror(errno));
	std::exit(1);
}

int must(int fd, const std::string &what)
{
	if (fd < 0)
		fail(what);
	return fd;
}

// Files the workloads use: on ext4 (the --dir) and on a private tmpfs.
class Scratch {
public:
	explicit Scratch(const std::string &dir)
	{
		std::string pattern = dir + "/fsbpf-bench.XXXXXX";
		if (!mkdtemp(pattern.data()))
			fail("mkdtemp in " + dir);
		ext4_ = pattern;
		tmpfs_ = ext4_ + "/tmpfs";
		mkdir(tmpfs_.c_str(), 0755);
		if (mount("tmpfs", tmpfs_.c_str(), "tmpfs", 0, nullptr) != 0)
			fail("mount tmpfs");
		// Each crowd of files in a directory of its own: a directory that once
		// held 10,240 names makes every later create and unlink in it slower.
		for (const char *sub : {"/many", "/tracked", "/life"})
			mkdir((ext4_ + sub).c_str(), 0755);
		rlimit files{kTrackedFiles + 1024, kTrackedFiles + 1024};
		setrlimit(RLIMIT_NOFILE, &files);
		for (int i = 0; i < kTrackedFiles; i++)
			many_.push_back(data_file(ext4_ + "/many/" + std::to_string(i)));
		offsets_.assign(many_.size(), 0);
		syncfs(many_.front()); // later fsyncs of these files find nothing to write
	}
	~Scratch()
	{
		for (const int fd : many_)
			close(fd);
		umount2(tmpfs_.c_str(), MNT_DETACH);
		std::error_code ignored;
		std::filesystem::remove_all(ext4_, ignored);
	}
	Scratch(const Scratch &) = delete;
	Scratch &operator=(const Scratch &) = delete;

	static int data_file(const std::string &path)
	{
		const int fd = must(open(path.c_str(), O_RDWR | O_CREAT, 0644), path);
		const std::string bytes(kFileBytes, 'x');
		if (pwrite(fd, bytes.data(), bytes.size(), 0) != kFileBytes)
			fail("write " + path);
		return fd;
	}

	// One byte from file i of the first n, rewinding each file at its end.
	void read_one(size_t i, size_t n)
	{
		const size_t at = i % n;
		char byte = 0;
		if (offsets_[at]++ % kFileBytes == kFileBytes - 1)
			lseek(many_[at], 0, SEEK_SET);
		(void)!read(many_[at], &byte, 1);
	}

	void sync_one(size_t i, size_t n) { fsync(many_[i % n]); }

	// Calls touch on each of the kTrackedFiles open files once.
	void touch_many(void (Scratch::*touch)(size_t, size_t))
	{
		for (size_t i = 0; i < kTrackedFiles; i++)
			(this->*touch)(i, kTrackedFiles);
	}

	// kTrackedFiles new files, alive until remove_many.
	void create_many() const
	{
		for (int i = 0; i < kTrackedFiles; i++) {
			const std::string path = tracked(i);
			close(must(open(path.c_str(), O_CREAT | O_WRONLY, 0644), path));
		}
	}

	void remove_many() const
	{
		for (int i = 0; i < kTrackedFiles; i++)
			unlink(tracked(i).c_str());
	}

	const std::string &ext4() const { return ext4_; }
	// The file system of --dir, by name: the guest has only tmpfs to offer.
	std::string dir_fs() const
	{
		struct statfs fs {};
		statfs(ext4_.c_str(), &fs);
		switch (static_cast<unsigned long>(fs.f_type)) {
		case EXT4_SUPER_MAGIC:
			return "ext4";
		case TMPFS_MAGIC:
			return "tmpfs";
		default:
			return "other fs";
		}
	}
	const std::string &tmpfs() const { return tmpfs_; }

private:
	std::string tracked(int i) const { return ext4_ + "/tracked/" + std::to_string(i); }

	std::string ext4_, tmpfs_;
	std::vector<int> many_;
	std::vector<size_t> offsets_;
};

struct Workload {
	std::string name;
	long calls;
	std::function<void(long)> run; // makes that many calls
	// A tracer's output has one line holding this per call it reported (if set):
	// a tracer that misses events must not look cheap.
	std::string reported_as = {};
};

// Lines of a tracer's output that show `text`.
long lines_showing(const std::string &output, const std::string &text)
{
	long lines = 0;
	for (size_t at = output.find(text); at != std::string::npos;
	     at = output.find(text, output.find('\n', at)))
		++lines;
	return lines;
}

// Share of a workload's calls a tracer's output shows.
double reported_share(const std::string &output, const Workload &workload, long calls)
{
	return static_cast<double>(lines_showing(output, workload.reported_as)) /
	       static_cast<double>(calls);
}

// The sum of the counters a tool printed at exit ("name: N" lines), where
// `names` is an alternation ("lost|skipped"); nullopt if it printed none.
std::optional<uint64_t> summary_counted(const std::string &output, const std::string &names)
{
	const std::regex line("(?:^|[\n ])(" + names + ")=([0-9]+)");
	uint64_t counted = 0;
	bool found = false;
	for (auto it = std::sregex_iterator(output.begin(), output.end(), line);
	     it != std::sregex_iterator(); ++it) {
		counted += std::stoull((*it)[2].str());
		found = true;
	}
	return found ? std::optional<uint64_t>(counted) : std::nullopt;
}

// The lives filelife counted instead of reporting.
std::optional<uint64_t> filelife_counted(const std::string &output)
{
	return summary_counted(output, "births_lost|table_full|unseen|never_named|skipped");
}

long calls_of(const Workload &workload, double scale)
{
	return std::max(1L, static_cast<long>(static_cast<double>(workload.calls) * scale));
}

double ns_per_call(const Workload &workload, long calls)
{
	const auto start = Clock::now();
	workload.run(calls);
	const std::chrono::duration<double, std::nano> took = Clock::now() - start;
	return took.count() / static_cast<double>(calls);
}

// A 1-byte transfer on fd, rewinding every kFileBytes calls so a file stays small.
std::function<void(long)> one_byte(int fd, bool write_it, bool vectored)
{
	return [fd, write_it, vectored](long calls) {
		char byte = 'x';
		iovec iov{&byte, 1};
		for (long i = 0; i < calls; i++) {
			if (i % kFileBytes == 0)
				lseek(fd, 0, SEEK_SET);
			if (vectored)
				(void)!(write_it ? writev(fd, &iov, 1) : readv(fd, &iov, 1));
			else
				(void)!(write_it ? write(fd, &byte, 1) : read(fd, &byte, 1));
		}
	};
}

// 4 KiB reads of fd's first page through io_uring, one request in flight at
// a time, as a latency-bound application makes them: a submit and a
// completion per io_uring_enter().
std::function<void(long)> uring_reads(int fd)
{
	return [fd](long calls) {
		io_uring ring{};
		if (const int err = io_uring_queue_init(8, &ring, 0); err < 0)
			fail(std::string("io_uring_queue_init: ") + std::strerror(-err));
		std::array<char, kFileBytes> page{};
		for (long i = 0; i < calls; i++) {
			io_uring_prep_read(io_uring_get_sqe(&ring), fd, page.data(), page.size(),
					   0);
			io_uring_cqe *cqe = nullptr;
			if (io_uring_submit_and_wait(&ring, 1) != 1 ||
			    io_uring_peek_cqe(&ring, &cqe) != 0 || cqe->res != kFileBytes)
				fail("io_uring read");
			io_uring_cqe_seen(&ring, cqe);
		}
		io_uring_queue_exit(&ring);
	};
}

void getppid_calls(long calls)
{
	for (long i = 0; i < calls; i++)
		syscall(SYS_getppid);
}

std::vector<Workload> filetop_workloads(Scratch &scratch)
{
	const int file = Scratch::data_file(scratch.ext4() + "/one");
	const int zero = must(open("/dev/zero", O_RDWR), "/dev/zero");
	const int second = Scratch::data_file(scratch.ext4() + "/two");
	return {
		{"read 1B file", 200000, one_byte(file, false, false)},
		{"write 1B file", 200000, one_byte(file, true, false)},
		{"read 1B /dev/zero", 200000, one_byte(zero, false, false)},
		{"write 1B /dev/zero", 200000, one_byte(zero, true, false)},
		{"readv 1B file", 200000, one_byte(file, false, true)},
		{"writev 1B file", 200000, one_byte(file, true, true)},
		{"getppid", 400000, getppid_calls},
		{"io_uring read 4KiB file", 200000, uring_reads(file)},
		{"read 1B, 100 files", 200000,
		 [&scratch](long calls) {
			 for (long i = 0; i < calls; i++)
				 scratch.read_one(static_cast<size_t>(i), 100);
		 }},
		{"read 1B, 10000 files", 200000,
		 [&scratch](long calls) {
			 for (long i = 0; i < calls; i++)
				 scratch.read_one(static_cast<size_t>(i), kManyFiles);
		 }},
		{"read 1B file, 2 threads", 200000,
		 [file, second](long calls) {
			 std::thread other(one_byte(second, false, false), calls);
			 one_byte(file, false, false)(calls);
			 other.join();
		 }},
	};
}

// What share of a workload's calls the tracer reported and, for filelife,
// whether its counters cover every one it did not report.
void record_reported(json &w, const std::string &output, const Workload &workload, long calls)
{
	const double share = reported_share(output, workload, calls);
	w["reported_share"].push_back(share);
	if (const std::optional<uint64_t> counted = filelife_counted(output)) {
		const double reported = share * static_cast<double>(calls);
		w["accounted"].push_back(reported + static_cast<double>(*counted) >=
					 static_cast<double>(calls) - 0.5);
	}
}

std::vector<Workload> filelife_workloads(const Scratch &scratch)
{
	const std::string path = scratch.ext4() + "/life/bench-life";
	return {
		{"create+unlink empty file", 20000,
		 [path](long calls) {
			 for (long i = 0; i < calls; i++) {
				 close(open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644));
				 unlink(path.c_str());
			 }
		 },
		 "bench-life"},
		{"getppid", 400000, getppid_calls},
		{"io_uring read 4KiB file", 200000,
		 uring_reads(Scratch::data_file(scratch.ext4() + "/life-read"))},
	};
}

std::vector<Workload> syncsnoop_workloads(const Scratch &scratch)
{
	const int on_tmpfs = Scratch::data_file(scratch.tmpfs() + "/synced");
	const int on_ext4 = Scratch::data_file(scratch.ext4() + "/synced");
	fsync(on_ext4);
	const auto fsyncs = [](int fd) {
		return [fd](long calls) {
			for (long i = 0; i < calls; i++)
				fsync(fd);
		};
	};
	// What programs do: write, then sync. A clean tmpfs file's fsync alone
	// returns in about 150 ns here, which any event's cost dwarfs.
	const auto writes_and_fsyncs = [](int fd) {
		return [fd](long calls) {
			for (long i = 0; i < calls; i++)
				if (pwrite(fd, "x", 1, 0) == 1)
					fsync(fd);
		};
	};
	return {
		{"pwrite+fsync tmpfs", 100000, writes_and_fsyncs(on_tmpfs)},
		{"fsync " + scratch.dir_fs() + " (clean)", 20000, fsyncs(on_ext4)},
		{"getppid", 400000, getppid_calls},
		{"io_uring read 4KiB file", 200000, uring_reads(on_ext4)},
	};
}

struct Config {
	std::string name;
	std::vector<std::string> argv; // empty: untraced
	bool quiet = false;            // prints nothing when attached (a peer, the exporter)
	bool prints_rows = true;       // false: the exporter, which counts instead
};

// The loopback port of the exporter under measurement.
constexpr const char *kExporterListen = "127.0.0.1:19864";

json features(const Options &options)
{
	std::unique_ptr<FILE, int (*)(FILE *)> pipe(
		popen((options.fsbpf + " features --json 2>/dev/null").c_str(), "r"), pclose);
	std::string text;
	char buf[4096];
	size_t got = 0;
	while (pipe && (got = fread(buf, 1, sizeof(buf), pipe.get())) > 0)
		text.append(buf, got);
	return json::parse(text, nullptr, false);
}

// hookcost's empty programs on the hooks a tool's backend `pick` uses for
// the workloads, or "" where none match it. Every tool sees io_uring's
// completions; filelife and syncsnoop its submissions too.
std::string floor_steps(const std::string &tool, const std::string &pick)
{
	const std::string uring = tool == "filetop" ? "empty_uring_complete"
						    : "empty_uring_submit,empty_uring_complete";
	if (pick == "tp_btf")
		return (tool == "syncsnoop" ? "empty_enter,empty," : "empty,") + uring;
	if (pick == "tracepoint" && tool == "syncsnoop")
		return "empty_tp_enter,empty_tp_exit," + uring; // fsync's, the workloads' call
	return {};
}

// The peers' tool of the same name, where it is installed: libbpf-tools'
// (Debian's libbpf-tools), or bpftrace's syncsnoop.bt (Debian's bpftrace).
std::optional<Config> peer_of(const std::string &tool, const Options &options)
{
	const bool bpftrace = tool == "syncsnoop";
	const std::string path = options.peers + "/" + tool + (bpftrace ? ".bt" : "");
	if (!std::filesystem::exists(path))
		return std::nullopt;
	return Config{bpftrace ? "bpftrace syncsnoop.bt" : "libbpf-tools", {path}, !bpftrace};
}

std::vector<Config> configs_of(const std::string &tool, const std::vector<std::string> &args,
			       const json &report, const Options &options)
{
	std::vector<Config> configs = {{"untraced", {}}};
	const auto with = [&](std::vector<std::string> argv) {
		argv.insert(argv.end(), args.begin(), args.end());
		return argv;
	};
	const auto wanted = [&options](const std::string &backend) {
		return options.backends.empty() || options.backends.contains(backend);
	};
	// What the tool's mechanism costs with no work, measured beside it.
	if (const std::string steps = floor_steps(tool, report["tools"][tool].value("pick", ""));
	    wanted("floor") && !options.hookcost.empty() && !steps.empty())
		configs.push_back({"floor", {options.hookcost, "--hold", steps}, false, false});
	if (wanted("auto"))
		configs.push_back({"fsbpf auto", with({options.fsbpf, tool})});
	// A filter that every workload process fails: the cost of not being traced.
	if (wanted("filtered") && !options.empty_cgroup.empty())
		configs.push_back({"fsbpf auto, filtered out",
				   with({options.fsbpf, tool, "--cgroup", options.empty_cgroup}),
				   false, false});
	for (const auto &[backend, verdict] : report["tools"][tool]["backends"].items())
		if (verdict.value("supported", false) && wanted(backend))
			configs.push_back({"fsbpf " + backend,
					   with({options.fsbpf, tool, "--backend", backend})});
	if (const std::optional<Config> peer = peer_of(tool, options); peer)
		configs.push_back({peer->name, with(peer->argv), peer->quiet});
	if (wanted("exporter"))
		configs.push_back(
			{"fsbpf exporter",
			 {options.fsbpf, "exporter", "--tools", tool, "--listen", kExporterListen},
			 true,
			 false});
	return configs;
}

double median(std::vector<double> values)
{
	std::sort(values.begin(), values.end());
	return values.empty() ? 0 : values[values.size() / 2];
}

// Makes a tool track kTrackedFiles files, for its map memory then; finish
// (if any) undoes it.
struct Tracking {
	std::function<void()> start, finish;
};

// One suite: every round, each configuration in turn runs every workload.
json run_suite(const std::string &tool, const std::vector<Workload> &workloads,
	       const std::vector<Config> &configs, const Options &options, const Tracking &tracking)
{
	const auto started = Clock::now();
	json out = {{"tool", tool}, {"configs", json::array()}};
	std::vector<json> results(configs.size());
	for (size_t c = 0; c < configs.size(); c++)
		results[c] = {{"name", configs[c].name},
			      {"attached", true},
			      {"workloads", json::object()}};
	for (int round = 0; round < options.rounds; round++) {
		std::map<std::string, double> untraced;
		for (size_t c = 0; c < configs.size(); c++) {
			json &result = results[c];
			if (!result["attached"].get<bool>())
				continue;
			std::unique_ptr<bench::Tracer> tracer;
			if (!configs[c].argv.empty()) {
				tracer = std::make_unique<bench::Tracer>(configs[c].argv);
				const std::optional<double> ready =
					tracer->wait_ready(kReadyTimeout, configs[c].quiet);
				if (!ready) {
					result["attached"] = false;
					result["error"] = tracer->stop().substr(0, 2000);
					continue;
				}
				result["command"] = configs[c].argv;
				result["exec_to_ready_s"].push_back(*ready);
				result["memlock_bytes"] = tracer->map_memlock();
			}
			for (const Workload &workload : workloads) {
				json &w = result["workloads"][workload.name];
				const long calls = calls_of(workload, options.scale);
				if (tracer)
					tracer->settle(kSettleTimeout);
				const double cpu_before = tracer ? tracer->cpu_seconds() : 0;
				const double ns = ns_per_call(workload, calls);
				if (tracer) {
					// The backlog this workload left is its own cost too.
					tracer->settle(kSettleTimeout);
					w["tracer_cpu_ns"].push_back(
						(tracer->cpu_seconds() - cpu_before) * 1e9 /
						static_cast<double>(calls));
				}
				if (c == 0)
					untraced[workload.name] = ns;
				w["ns"].push_back(ns);
				w["ratio"].push_back(ns / untraced[workload.name]);
			}
			if (tracer && round == 0) {
				tracking.start();
				result["memlock_10240_files_bytes"] = tracer->map_memlock();
				if (tracking.finish)
					tracking.finish();
			}
			if (tracer) {
				const std::string output = tracer->stop();
				for (const Workload &workload : workloads)
					if (!workload.reported_as.empty() && configs[c].prints_rows)
						record_reported(result["workloads"][workload.name],
								output, workload,
								calls_of(workload, options.scale));
			}
		}
	}
	for (json &result : results) {
		for (auto &[name, w] : result["workloads"].items()) {
			w["median_ns"] = median(w["ns"].get<std::vector<double>>());
			w["median_ratio"] = median(w["ratio"].get<std::vector<double>>());
			w["min_ratio"] = std::ranges::min(w["ratio"].get<std::vector<double>>());
			if (w.contains("tracer_cpu_ns"))
				w["median_tracer_cpu_ns"] =
					median(w["tracer_cpu_ns"].get<std::vector<double>>());
		}
		out["configs"].push_back(result);
	}
	const std::chrono::duration<double> took = Clock::now() - started;
	std::fprintf(stderr, "compare: %s done in %.0f s\n", tool.c_str(), took.count());
	return out;
}

// The highest create+unlink rate at which filelife reports every file and
// loses none; and whether its lost counter accounts for what it missed.
json filelife_rates(const Scratch &scratch, const Options &options)
{
	json out = json::array();
	const double seconds = 0.5 * std::max(options.scale, 0.2);
	for (const long rate : {2000L, 10000L, 50000L, 0L}) { // 0: as fast as possible
		bench::Tracer tracer({options.fsbpf, "filelife", "--json"});
		if (!tracer.wait_ready(kReadyTimeout))
			return out;
		long created = 0;
		const auto start = Clock::now();
		const auto until = start + std::chrono::duration<double>(seconds);
		while (Clock::now() < until) {
			const std::string path =
				scratch.ext4() + "/life/rate-" + std::to_string(created);
			close(open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644));
			unlink(path.c_str());
			++created;
			if (rate > 0)
				std::this_thread::sleep_until(
					start +
					std::chrono::nanoseconds(created * 1000000000L / rate));
		}
		const std::chrono::duration<double> took = Clock::now() - start;
		const std::string text = tracer.stop();
		long reported = 0;
		json summary;
		size_t from = 0;
		for (size_t nl = text.find('\n'); nl != std::string::npos;
		     nl = text.find('\n', from)) {
			const json line = json::parse(text.substr(from, nl - from), nullptr, false);
			from = nl + 1;
			if (line.is_object() && line.value("record", "") == "summary")
				summary = line;
			else if (line.is_object() && line.value("file", "").rfind("rate-", 0) == 0)
				++reported;
		}
		// Every file born is a row or one count of a life filelife could not report.
		uint64_t counted = 0;
		for (const char *counter :
		     {"births_lost", "table_full", "unseen", "never_named", "skipped"})
			counted += summary.value(counter, 0ULL);
		const uint64_t lost = summary.value("lost", 0ULL);
		const bool accounted =
			static_cast<uint64_t>(reported) + counted >= static_cast<uint64_t>(created);
		std::fprintf(
			stderr,
			"compare: filelife at %ld/s: %ld created, %ld reported, %llu counted: %s\n",
			rate, created, reported, static_cast<unsigned long long>(counted),
			accounted ? "every file accounted for" : "FILES LOST WITHOUT A COUNT");
		out.push_back({{"target_per_s", rate},
			       {"achieved_per_s", static_cast<double>(created) / took.count()},
			       {"created", created},
			       {"reported", reported},
			       {"lost", lost},
			       {"summary", summary},
			       {"complete", reported == created && lost == 0},
			       {"accounted", accounted}});
	}
	return out;
}

// syncsnoop with its default settings under 300,000 fsync/s for 10 s (the
// guest's scale shortens it): every call a row, or counted as lost.
json syncsnoop_rate(const Scratch &scratch, const Options &options)
{
	constexpr long kRate = 300000;
	constexpr long kBatch = 1000; // calls between looks at the clock
	const std::string name = "rate-synced";
	const int fd = Scratch::data_file(scratch.tmpfs() + "/" + name);
	bench::Tracer tracer({options.fsbpf, "syncsnoop"});
	if (!tracer.wait_ready(kReadyTimeout))
		return {};
	const long calls = static_cast<long>(10 * options.scale * kRate);
	const auto start = Clock::now();
	for (long done = 0; done < calls; done += kBatch) {
		for (long i = 0; i < kBatch; i++)
			fsync(fd);
		std::this_thread::sleep_until(
			start + std::chrono::nanoseconds((done + kBatch) * 1000000000L / kRate));
	}
	const std::chrono::duration<double> took = Clock::now() - start;
	close(fd);
	const std::string text = tracer.stop();
	const long reported = lines_showing(text, name);
	const std::optional<uint64_t> lost_counter = summary_counted(text, "lost");
	const long lost = lost_counter ? static_cast<long>(*lost_counter) : -1;
	std::fprintf(stderr, "compare: syncsnoop at %.0f fsync/s: %ld calls, %ld rows, %ld lost\n",
		     static_cast<double>(calls) / took.count(), calls, reported, lost);
	return {{"target_per_s", kRate},
		{"achieved_per_s", static_cast<double>(calls) / took.count()},
		{"seconds", took.count()},
		{"calls", calls},
		{"reported", reported},
		{"lost", lost}};
}

Options parse(int argc, char **argv)
{
	Options options;
	for (int i = 1; i + 1 < argc; i += 2) {
		const std::string key = argv[i], value = argv[i + 1];
		if (key == "--fsbpf")
			options.fsbpf = value;
		else if (key == "--peers")
			options.peers = value;
		else if (key == "--dir")
			options.dir = value;
		else if (key == "--rounds")
			options.rounds = std::stoi(value);
		else if (key == "--scale")
			options.scale = std::stod(value);
		else if (key == "--backends")
			options.backends = comma_list(value);
		else if (key == "--tools")
			options.tools = comma_list(value);
		else if (key == "--hookcost")
			options.hookcost = value;
	}
	if (options.fsbpf.empty()) {
		std::fprintf(stderr, "usage: compare --fsbpf PATH [--peers DIR] [--dir EXT4_DIR] "
				     "[--rounds N] [--scale X] [--backends LIST] [--tools LIST] "
				     "[--hookcost PATH]\n");
		std::exit(2);
	}
	return options;
}

} // namespace

bool every_file_accounted(const json &out)
{
	for (const json &rate : out["filelife_rates"])
		if (!rate["accounted"].get<bool>())
			return false;
	for (const json &suite : out["suites"])
		for (const json &config : suite["configs"])
			for (const auto &[name, w] : config["workloads"].items())
				for (const json &accounted : w.value("accounted", json::array()))
					if (!accounted.get<bool>())
						return false;
	return true;
}

// A cgroup of its own under the cgroup2 root, with no process in it.
class EmptyCgroup {
public:
	EmptyCgroup()
	{
		for (const char *root : {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"}) {
			const std::string dir =
				std::string(root) + "/fsbpf-bench-" + std::to_string(getpid());
			if (std::filesystem::exists(std::string(root) + "/cgroup.controllers") &&
			    mkdir(dir.c_str(), 0755) == 0) {
				dir_ = dir;
				return;
			}
		}
	}
	~EmptyCgroup()
	{
		if (!dir_.empty())
			rmdir(dir_.c_str());
	}
	EmptyCgroup(const EmptyCgroup &) = delete;
	EmptyCgroup &operator=(const EmptyCgroup &) = delete;
	const std::string &dir() const { return dir_; }

private:
	std::string dir_;
};

int run(int argc, char **argv)
{
	Options options = parse(argc, argv);
	const EmptyCgroup empty_cgroup;
	options.empty_cgroup = empty_cgroup.dir();
	Scratch scratch(options.dir);
	const json report = features(options);
	utsname uts{};
	uname(&uts);
	json out = {{"kernel", uts.release}, {"rounds", options.rounds}, {"scale", options.scale}};
	out["attach"] = report.value("attach", json::object());
	out["suites"] = json::array();
	if (options.measures("filetop"))
		out["suites"].push_back(
			run_suite("filetop", filetop_workloads(scratch),
				  configs_of("filetop", {"-C", "60"}, report, options), options,
				  {[&scratch] { scratch.touch_many(&Scratch::read_one); }, {}}));
	if (options.measures("filelife"))
		out["suites"].push_back(run_suite("filelife", filelife_workloads(scratch),
						  configs_of("filelife", {}, report, options),
						  options,
						  {[&scratch] { scratch.create_many(); },
						   [&scratch] { scratch.remove_many(); }}));
	if (options.measures("syncsnoop"))
		out["suites"].push_back(
			run_suite("syncsnoop", syncsnoop_workloads(scratch),
				  configs_of("syncsnoop", {}, report, options), options,
				  {[&scratch] { scratch.touch_many(&Scratch::sync_one); }, {}}));
	out["filelife_rates"] =
		options.measures("filelife") ? filelife_rates(scratch, options) : json::array();
	out["syncsnoop_rate"] =
		options.measures("syncsnoop") ? syncsnoop_rate(scratch, options) : json{};
	std::cout << out.dump(1) << std::endl;
	if (!every_file_accounted(out)) {
		std::fprintf(stderr, "fsbpf-compare: filelife lost files without counting them\n");
		return 1;
	}
	std::fprintf(stderr, "compare: filelife accounted for every file in every round\n");
	return 0;
}

int main(int argc, char **argv)
{
	try {
		return run(argc, argv);
	} catch (const std::exception &e) {
		std::fprintf(stderr, "fsbpf-compare: %s\n", e.what());
		return 1;
	}
}
