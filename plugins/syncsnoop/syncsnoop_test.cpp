// SPDX-License-Identifier: GPL-2.0
// syncsnoop against the real kernel: real sync-family calls from a child
// process, and exactly what fsbpf reports about them.
#include "containers.hpp"
#include "process.hpp"
#include "tracing.hpp"
#include "uring.hpp"
#include "workload.hpp"

#include <fsbpf/clock.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <sstream>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

namespace fsbpf::test {
namespace {

using namespace std::chrono_literals;

// Every sync-family call once, plus a failing fsync on a bad descriptor.
void sync_family_calls(const std::string &path)
{
	const int fd = open(path.c_str(), O_RDWR | O_CREAT, 0644);
	if (fd < 0 || write(fd, "data", 4) != 4 || ftruncate(fd, 4096))
		_exit(10);
	sync();
	syncfs(fd);
	fsync(fd);
	fdatasync(fd);
	sync_file_range(fd, 0, 4096, SYNC_FILE_RANGE_WRITE);
	void *map = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		_exit(11);
	static_cast<char *>(map)[0] = 'x';
	msync(map, 4096, MS_SYNC);
	fsync(-1);
	close(fd);
}

// syncsnoop's backend -> "" when it works here, else the reason.
std::map<std::string, std::string> supported_backends()
{
	return fsbpf::test::supported_backends("syncsnoop");
}

class Tracer : public fsbpf::test::Tracer {
public:
	explicit Tracer(std::vector<std::string> args, const std::vector<std::string> &env = {})
		: fsbpf::test::Tracer("syncsnoop", std::move(args), env)
	{
	}
};

// msync's file comes from bpf_find_vma(), which kernels before 5.17 lack.
bool kernel_finds_mapped_files()
{
	return features_report()["features"]["find_vma"]["supported"].get<bool>();
}

// syncsnoop with args and -p of child, while child runs to its end.
Finished trace_child(std::vector<std::string> args, Workload &child,
		     const std::vector<std::string> &env = {})
{
	args.insert(args.end(), {"-p", std::to_string(child.pid())});
	Tracer tracer(args, env);
	if (!tracer.attached())
		throw std::runtime_error("not attached: " + tracer.process().err());
	child.go();
	EXPECT_EQ(child.wait(), 0);
	return tracer.stop();
}

// The tracepoint backend keeping calls in flight in the hash by thread id, as
// kernels whose tracing programs lack task local storage do (5.10, 5.11).
constexpr std::string_view kByThreadId = "tracepoint_by_tid";

struct ExpectedCall {
	std::string call;
	int ret;
	std::string file;

	bool matches(const json &event) const
	{
		return event["call"] == call && event["ret"] == ret;
	}
};

// syncsnoop --json on the test's backend, with the environment it needs;
// skipped where the backend cannot work on this kernel.
class SyncSnoopBackend : public testing::TestWithParam<std::string> {
protected:
	void SetUp() override
	{
		std::string backend = GetParam();
		if (backend == kByThreadId) {
			backend = "tracepoint";
			env_ = {"FSBPF_DISABLE=task_storage"};
		}
		if (backend == "auto")
			return;
		const std::string why_not = supported_backends().at(backend);
		if (!why_not.empty())
			GTEST_SKIP() << "syncsnoop's " << backend
				     << " backend cannot work on this kernel: " << why_not;
		args_.insert(args_.end(), {"--backend", backend});
	}
	std::vector<std::string> args_ = {"--json"};
	std::vector<std::string> env_;
};

TEST_P(SyncSnoopBackend, ReportsEachSyncFamilyCallExactlyOnce)
{
	TempDir dir;
	const std::string file = dir.path() + "/synced-file";
	Workload child("fsbpf-synct", [&] { sync_family_calls(file); });
	const pid_t pid = child.pid();
	const Finished done = trace_child(args_, child, env_);
	ASSERT_EQ(done.status, 0) << done.err;

	const auto lines = json_lines(done.out);
	const json *summary = summary_of(lines);
	ASSERT_NE(summary, nullptr) << done.out;
	EXPECT_EQ((*summary)["lost"], 0);
	EXPECT_EQ((*summary)["missed"], 0);

	const std::string path = real_path(file);
	const bool finds_mapped_files = kernel_finds_mapped_files();
	const std::vector<ExpectedCall> expected = {
		{"sync", 0, "-"},
		{"syncfs", 0, path},
		{"fsync", 0, path},
		{"fdatasync", 0, path},
		{"sync_file_range", 0, path},
		{"msync", 0, finds_mapped_files ? path : "-"},
		{"fsync", -EBADF, "-"},
	};
	// In order, each call at most once; one the kernel skipped is counted instead.
	size_t next = 0;
	for (const json &event : events_of(lines)) {
		SCOPED_TRACE(event.dump());
		while (next < expected.size() && !expected[next].matches(event))
			next++;
		ASSERT_LT(next, expected.size()) << "reported out of order, twice, or wrong\n"
						 << done.out;
		EXPECT_EQ(event["pid"], pid);
		EXPECT_EQ(event["tid"], pid);
		EXPECT_EQ(event["comm"], "fsbpf-synct");
		EXPECT_EQ(event["via"], "syscall");
		EXPECT_GT(event["latency_ms"].get<double>(), 0.0);
		EXPECT_EQ(event["file"], expected[next].file);
		next++;
	}
	const size_t reported = events_of(lines).size();
	EXPECT_GE(reported + (*summary)["skipped"].get<size_t>(), expected.size()) << done.out;
}

// io_uring's FSYNC, FSYNC with IORING_FSYNC_DATASYNC and SYNC_FILE_RANGE,
// which no system call hook sees: reported on every backend, via io_uring,
// with the submitting thread, the request's file and its result.
TEST_P(SyncSnoopBackend, ReportsIoUringSyncRequestsExactlyOnce)
{
	if (const std::string why_not = why_uring_untraced(); !why_not.empty())
		GTEST_SKIP() << why_not;
	try {
		const Uring probe;
		if (!probe.supports(IORING_OP_FSYNC) || !probe.supports(IORING_OP_SYNC_FILE_RANGE))
			GTEST_SKIP() << "this kernel's io_uring has no FSYNC or SYNC_FILE_RANGE";
	} catch (const std::system_error &e) {
		GTEST_SKIP() << "no io_uring here: " << e.what();
	}
	TempDir dir;
	const std::string file = dir.path() + "/ring-synced";
	Workload child("fsbpf-ringsync", [&] {
		const int fd = open(file.c_str(), O_RDWR | O_CREAT, 0644);
		if (fd < 0 || write(fd, "data", 4) != 4)
			_exit(10);
		Uring ring;
		if (ring.fsync(fd, 0) != 0 || ring.fsync(fd, IORING_FSYNC_DATASYNC) != 0 ||
		    ring.sync_file_range(fd, 4096, 0, SYNC_FILE_RANGE_WRITE) != 0 ||
		    ring.fsync(-1, 0) != -EBADF)
			_exit(11);
		close(fd);
	});
	const pid_t pid = child.pid();
	const Finished done = trace_child(args_, child, env_);
	ASSERT_EQ(done.status, 0) << done.err;

	const auto lines = json_lines(done.out);
	const json *summary = summary_of(lines);
	ASSERT_NE(summary, nullptr) << done.out;
	for (const char *count : {"lost", "missed", "skipped", "cq_overflows"})
		EXPECT_EQ((*summary)[count], 0) << count << "\n" << done.out;
	const std::string path = real_path(file);
	const std::vector<ExpectedCall> expected = {
		{"fsync", 0, path},
		{"fdatasync", 0, path},
		{"sync_file_range", 0, path},
		{"fsync", -EBADF, "-"},
	};
	const std::vector<json> events = events_of(lines);
	ASSERT_EQ(events.size(), expected.size()) << done.out;
	for (size_t i = 0; i < expected.size(); i++) {
		SCOPED_TRACE(events[i].dump());
		EXPECT_TRUE(expected[i].matches(events[i]));
		EXPECT_EQ(events[i]["via"], "io_uring");
		EXPECT_EQ(events[i]["pid"], pid);
		EXPECT_EQ(events[i]["tid"], pid);
		EXPECT_EQ(events[i]["comm"], "fsbpf-ringsync");
		EXPECT_EQ(events[i]["file"], expected[i].file);
		EXPECT_GT(events[i]["latency_ms"].get<double>(), 0.0);
	}
}

// fio, which nobody here wrote, syncs its file with IORING_OP_FSYNC on its
// io_uring engine: syncsnoop reports as many as fio counts itself.
TEST(SyncSnoopRealPrograms, FioIoUringFsyncsMatchFiosOwnCount)
{
	if (const std::string why_not = why_no_fio_on_uring(); !why_not.empty())
		GTEST_SKIP() << why_not;
	TempDir dir;
	Tracer tracer({"--json", "-c", "fio"});
	ASSERT_TRUE(tracer.attached()) << tracer.process().err();
	const Finished fio =
		run({"fio", "--name=ringsync", "--directory=" + dir.path(), "--ioengine=io_uring",
		     "--rw=write", "--bs=4k", "--size=256k", "--fsync=4", "--output-format=json"});
	const Finished done = tracer.stop();
	ASSERT_EQ(fio.status, 0) << fio.err;
	ASSERT_EQ(done.status, 0) << done.err;
	const uint64_t fio_syncs = json::parse(fio.out)["jobs"][0]["sync"]["total_ios"];
	EXPECT_GT(fio_syncs, 0U) << fio.out;

	const auto lines = json_lines(done.out);
	const json *summary = summary_of(lines);
	ASSERT_NE(summary, nullptr) << done.out;
	for (const char *count : {"lost", "missed", "skipped", "cq_overflows"})
		EXPECT_EQ((*summary)[count], 0) << count << "\n" << done.out;
	const std::string file = real_path(dir.path()) + "/ringsync.0.0";
	const auto syncs = std::ranges::count_if(events_of(lines), [&](const json &event) {
		return event["via"] == "io_uring" && event["call"] == "fsync" &&
		       event["ret"] == 0 && event["file"] == file;
	});
	EXPECT_EQ(static_cast<uint64_t>(syncs), fio_syncs) << done.out;
}

INSTANTIATE_TEST_SUITE_P(Backends, SyncSnoopBackend,
			 testing::Values("auto", "fentry", "kprobe", "tracepoint", "tp_btf",
					 std::string(kByThreadId)),
			 [](const testing::TestParamInfo<std::string> &info) {
				 return info.param;
			 });

struct Seen {
	std::vector<json> fsyncs; // of the test's file
	uint64_t skipped = 0;     // program runs the kernel skipped, as syncsnoop reported
	std::string output;       // everything syncsnoop printed, for failure messages
};

// Nothing reported twice, and every call either reported or counted as skipped
// (fentry programs are preemptible on newer kernels, and the kernel skips one
// that is still active on the CPU when the next call comes).
void expect_each_seen_or_counted(const Seen &seen, size_t calls)
{
	EXPECT_LE(seen.fsyncs.size(), calls) << seen.output;
	EXPECT_GE(seen.fsyncs.size() + seen.skipped, calls) << seen.output;
}

// Runs two children, one fsync each, under the given filter options.
Seen fsyncs_seen(std::vector<std::string> filter, const std::string &first_comm,
		 const std::string &second_comm, pid_t *first_pid = nullptr)
{
	TempDir dir;
	const std::string file = dir.path() + "/f";
	const auto one_fsync = [&] {
		const int fd = open(file.c_str(), O_RDWR | O_CREAT, 0644);
		fsync(fd);
		close(fd);
	};
	Workload first(first_comm, one_fsync);
	Workload second(second_comm, one_fsync);
	if (first_pid)
		*first_pid = first.pid();
	for (std::string &arg : filter)
		if (arg == "FIRST_PID")
			arg = std::to_string(first.pid());
	filter.insert(filter.begin(), "--json");
	Tracer tracer(filter);
	if (!tracer.attached())
		throw std::runtime_error("not attached: " + tracer.process().err());
	first.go();
	second.go();
	const int first_status = first.wait();
	const int second_status = second.wait();
	if (first_status != 0 || second_status != 0)
		throw std::runtime_error("a workload failed: " + std::to_string(first_status) +
					 " " + std::to_string(second_status));
	Seen seen;
	const Finished done = tracer.stop();
	seen.output = done.out + done.err;
	const std::vector<json> lines = json_lines(done.out);
	const json *summary = summary_of(lines);
	if (!summary)
		throw std::runtime_error("no summary: " + seen.output);
	seen.skipped = (*summary)["skipped"].get<uint64_t>();
	for (const json &event : events_of(lines))
		if (event["call"] == "fsync" && event["file"] == real_path(file))
			seen.fsyncs.push_back(event);
	return seen;
}

TEST(SyncSnoopFilter, PidKeepsOnlyThatProcess)
{
	pid_t first = 0;
	const Seen seen = fsyncs_seen({"-p", "FIRST_PID"}, "fsbpf-one", "fsbpf-two", &first);
	expect_each_seen_or_counted(seen, 1);
	for (const json &fsync : seen.fsyncs)
		EXPECT_EQ(fsync["pid"], first);
}

TEST(SyncSnoopFilter, CommKeepsOnlyThatCommand)
{
	const Seen seen = fsyncs_seen({"-c", "fsbpf-two"}, "fsbpf-one", "fsbpf-two");
	expect_each_seen_or_counted(seen, 1);
	for (const json &fsync : seen.fsyncs)
		EXPECT_EQ(fsync["comm"], "fsbpf-two");
}

TEST(SyncSnoopFilter, WithoutFiltersBothAreSeen)
{
	expect_each_seen_or_counted(fsyncs_seen({}, "fsbpf-one", "fsbpf-two"), 2);
}

TEST(SyncSnoopFilter, MinLatencyDropsFasterCalls)
{
	const Seen seen = fsyncs_seen({"--min-latency", "60000"}, "fsbpf-one", "fsbpf-two");
	EXPECT_EQ(seen.fsyncs.size(), 0U) << seen.output;
}

// One traced fsync of a file with this name, printed in the given format.
Finished trace_one_fsync(const std::string &name, std::vector<std::string> format)
{
	TempDir dir;
	const std::string file = dir.path() + "/" + name;
	Workload child("fsbpf-fmt", [&] {
		const int fd = open(file.c_str(), O_RDWR | O_CREAT, 0644);
		fsync(fd);
		close(fd);
	});
	format.insert(format.end(), {"-p", std::to_string(child.pid())});
	Tracer tracer(format);
	if (!tracer.attached())
		throw std::runtime_error("not attached: " + tracer.process().err());
	child.go();
	child.wait();
	return tracer.stop();
}

TEST(SyncSnoopOutput, TableShowsHostileFileNamesEscaped)
{
	const Finished done = trace_one_fsync("evil\n\033[31mred", {});
	ASSERT_EQ(done.status, 0) << done.err;
	EXPECT_EQ(done.out.find('\033'), std::string::npos) << done.out;
	EXPECT_NE(done.out.find("evil\\n\\x1b[31mred"), std::string::npos) << done.out;
	EXPECT_EQ(done.out.rfind("TIME(s)", 0), 0U) << done.out;
	EXPECT_NE(done.err.find("lost=0"), std::string::npos) << done.err;
}

TEST(SyncSnoopOutput, JsonCarriesTheExactFileName)
{
	const std::string name = "evil\n\033[31mred \"quoted\"";
	const Finished done = trace_one_fsync(name, {"--json"});
	const auto events = events_of(json_lines(done.out));
	ASSERT_EQ(events.size(), 1U) << done.out;
	const std::string file = events[0]["file"];
	EXPECT_EQ(file.substr(file.rfind('/') + 1), name);
}

// A file's path comes in its first event of each path epoch (about a second);
// later events of the epoch refer to it. Every fsync names its file, and a
// file renamed shows the new name once the epoch has moved on.
TEST(SyncSnoopOutput, EveryEventNamesItsFileAndRenamesShowWithinTwoSeconds)
{
	TempDir dir;
	const std::string first = dir.file("first"), second = dir.file("second");
	const std::string renamed = dir.file("renamed");
	Workload child("fsbpf-ssnames", [&] {
		const int a = open(first.c_str(), O_RDWR | O_CREAT, 0600);
		const int b = open(second.c_str(), O_RDWR | O_CREAT, 0600);
		for (int i = 0; i < 50; i++)
			if (fsync(a) != 0 || fsync(b) != 0)
				_exit(1);
		if (rename(first.c_str(), renamed.c_str()) != 0)
			_exit(2);
		sleep(2); // the reader moves the epoch on within 1.1 s
		if (fsync(a) != 0 || fdatasync(b) != 0)
			_exit(3);
	});
	const Finished done = trace_child({"--json"}, child);
	ASSERT_EQ(done.status, 0) << done.err;
	const auto events = events_of(json_lines(done.out));
	ASSERT_EQ(events.size(), 102U) << done.out;
	const std::string real_file = real_path(renamed);
	const std::string real_dir = real_file.substr(0, real_file.rfind('/') + 1);
	for (size_t i = 0; i < 100; i++)
		EXPECT_EQ(events[i]["file"], real_dir + (i % 2 ? "second" : "first")) << i;
	EXPECT_EQ(events[100]["file"], real_dir + "renamed");
	EXPECT_EQ(events[101]["file"], real_dir + "second");
}

std::string fd_link(int fd)
{
	return std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(fd)).string();
}

// The name /proc/self/maps gives the mapping that starts at addr.
std::string mapping_name(const void *addr)
{
	std::ifstream maps("/proc/self/maps");
	std::ostringstream start;
	start << std::hex << reinterpret_cast<uintptr_t>(addr) << '-';
	for (std::string line; std::getline(maps, line);)
		if (line.rfind(start.str(), 0) == 0)
			return line.substr(line.find('/'));
	return "";
}

// A pipe, a socket, an eventfd, a memfd and shared anonymous memory have no
// path in the mount tree: each is named as /proc/PID/fd and maps name it.
// Both readers write the names: the default backend reads directly where the
// kernel allows it, classic tracepoints always through CO-RE.
class SyncSnoopKernelNames : public testing::TestWithParam<std::string> {};

TEST_P(SyncSnoopKernelNames, ObjectsOutsideTheMountTreeHaveTheKernelsNames)
{
	std::vector<std::string> args = {"--json"};
	if (GetParam() != "auto")
		args.insert(args.end(), {"--backend", GetParam()});
	std::array<int, 2> pipe_fds{};
	ASSERT_EQ(pipe(pipe_fds.data()), 0);
	const int sock = socket(AF_UNIX, SOCK_STREAM, 0);
	const int event = eventfd(0, 0);
	const int memfd = memfd_create("fsbpf-memfd", 0);
	ASSERT_TRUE(sock >= 0 && event >= 0 && memfd >= 0);
	void *shared =
		mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(shared, MAP_FAILED);
	const std::vector<std::string> expected = {
		fd_link(pipe_fds[1]), fd_link(sock), fd_link(event), fd_link(memfd),
		kernel_finds_mapped_files() ? mapping_name(shared) : "-"};
	EXPECT_EQ(expected[3], "/memfd:fsbpf-memfd (deleted)");
	EXPECT_EQ(expected[0].rfind("pipe:[", 0), 0U) << expected[0];
	Workload child("fsbpf-kname", [&] {
		for (const int fd : {pipe_fds[1], sock, event, memfd})
			fdatasync(fd);
		msync(shared, 4096, MS_SYNC);
	});
	args.insert(args.end(), {"-p", std::to_string(child.pid())});
	Tracer tracer(args);
	ASSERT_TRUE(tracer.attached()) << tracer.process().err();
	child.go();
	ASSERT_EQ(child.wait(), 0);
	const Finished done = tracer.stop();
	const std::vector<json> lines = json_lines(done.out);
	std::vector<std::string> files;
	for (const json &event_row : events_of(lines))
		files.push_back(event_row["file"]);
	if ((*summary_of(lines))["skipped"] == 0) {
		EXPECT_EQ(files, expected) << done.out;
	}
	for (const std::string &file : files)
		EXPECT_NE(std::find(expected.begin(), expected.end(), file), expected.end())
			<< file;
	munmap(shared, 4096);
	for (const int fd : {pipe_fds[0], pipe_fds[1], sock, event, memfd})
		close(fd);
}

INSTANTIATE_TEST_SUITE_P(Readers, SyncSnoopKernelNames, testing::Values("auto", "tracepoint"));

TEST(SyncSnoopOutput, CsvHasHeaderAndQuotedFields)
{
	const Finished done = trace_one_fsync("a,b", {"--csv"});
	std::istringstream in(done.out);
	std::string header, row;
	std::getline(in, header);
	std::getline(in, row);
	EXPECT_EQ(header,
		  "time_ns,time,pid,tid,comm,call,via,latency_ms,ret,cgroup_id,cgroup,container,"
		  "mntns,file");
	EXPECT_NE(row.find(",fsbpf-fmt,fsync,syscall,"), std::string::npos) << row;
	const size_t file_field = row.rfind(",\"/");
	ASSERT_NE(file_field, std::string::npos) << row;
	EXPECT_EQ(row.substr(row.size() - 5), "/a,b\"") << row;
	EXPECT_NE(done.err.find("# lost=0"), std::string::npos) << done.err;
}

// -T changes the table's column only; JSON's time is the same with or without it.
TEST(SyncSnoopOutput, TimestampOptionPrintsTheTimeOfDay)
{
	const Finished table = trace_one_fsync("t", {"-T"});
	EXPECT_TRUE(std::regex_search(table.out, std::regex(R"(^TIME +PID[^\n]*\n)"
							    R"(\d\d:\d\d:\d\d\.\d\d\d +\d+ )")))
		<< table.out;
	for (const bool time_of_day : {false, true}) {
		const uint64_t before = fsbpf::clock_ns(CLOCK_REALTIME);
		const Finished done =
			trace_one_fsync("t", time_of_day ? std::vector<std::string>{"--json", "-T"}
							 : std::vector<std::string>{"--json"});
		const uint64_t after = fsbpf::clock_ns(CLOCK_REALTIME);
		const auto events = events_of(json_lines(done.out));
		ASSERT_EQ(events.size(), 1U) << done.out;
		EXPECT_GE(events[0]["time_ns"].get<uint64_t>(), before) << done.out;
		EXPECT_LE(events[0]["time_ns"].get<uint64_t>(), after) << done.out;
	}
}

TEST(SyncSnoopLifecycle, DurationStopsByItself)
{
	const auto start = std::chrono::steady_clock::now();
	const Finished done = run({fsbpf_binary(), "syncsnoop", "--duration", "1", "--json"});
	const auto took = std::chrono::steady_clock::now() - start;
	EXPECT_EQ(done.status, 0) << done.err;
	EXPECT_GE(took, 1s);
	EXPECT_LT(took, 20s);
	ASSERT_NE(summary_of(json_lines(done.out)), nullptr) << done.out;
}

TEST(SyncSnoopLifecycle, SigtermStopsCleanly)
{
	Tracer tracer({"--json"});
	ASSERT_TRUE(tracer.attached()) << tracer.process().err();
	const Finished done = tracer.stop(SIGTERM);
	EXPECT_EQ(done.status, 0) << done.err;
	EXPECT_NE(summary_of(json_lines(done.out)), nullptr);
}

TEST(SyncSnoopLifecycle, ClosedPipeEndsQuietlyWithStatusZero)
{
	Tracer tracer({"--json"});
	ASSERT_TRUE(tracer.attached()) << tracer.process().err();
	tracer.process().close_stdout_reader();
	TempDir dir;
	const std::string file = dir.path() + "/f";
	Workload child("fsbpf-pipe", [&] {
		const int fd = open(file.c_str(), O_RDWR | O_CREAT, 0644);
		for (int i = 0; i < 5; i++)
			fsync(fd);
	});
	child.go();
	child.wait();
	auto done = tracer.process().finish(30s);
	ASSERT_TRUE(done.has_value()) << "syncsnoop kept running after its reader left";
	EXPECT_EQ(done->status, 0);
	EXPECT_EQ(done->err.find("error"), std::string::npos) << done->err;
}

TEST(SyncSnoopBackendChoice, FallsBackWhenBetterBackendsAreOff)
{
	Tracer tracer({"-v", "--json", "--duration", "30"},
		      {"FSBPF_DISABLE=fentry,kprobe,tracepoint"});
	ASSERT_TRUE(tracer.attached()) << tracer.process().err();
	const Finished done = tracer.stop();
	EXPECT_EQ(done.status, 0);
	EXPECT_NE(done.err.find("using the tp_btf backend"), std::string::npos) << done.err;
}

TEST(SyncSnoopBackendChoice, ForcedBackendThatFailsSaysWhyAndExitsOne)
{
	const Finished done =
		run({fsbpf_binary(), "syncsnoop", "--backend", "kprobe"}, {"FSBPF_DISABLE=kprobe"});
	EXPECT_EQ(done.status, 1);
	EXPECT_EQ(done.err, "fsbpf: syncsnoop: backend kprobe failed: Operation not permitted\n");
}

// The kernel's kprobe events that process pid made, as tracefs lists them.
std::vector<std::string> kprobe_events_of(pid_t pid)
{
	std::ifstream events("/sys/kernel/tracing/kprobe_events");
	const std::string mine = ":kprobes/fsbpf_" + std::to_string(pid) + "_";
	std::vector<std::string> found;
	for (std::string line; std::getline(events, line);)
		if (line.find(mine) != std::string::npos)
			found.push_back(line);
	return found;
}

// Why syncsnoop's kprobe backend cannot work here, or "".
std::string why_no_kprobes()
{
	const std::string why_not = supported_backends().at("kprobe");
	return why_not.empty()
		       ? ""
		       : "syncsnoop's kprobe backend cannot work on this kernel: " + why_not;
}

// A run of syncsnoop on its kprobe backend: its PID, the kprobe events it
// had made once attached, how it ended.
struct KprobeRun {
	pid_t pid = 0;
	std::vector<std::string> events;
	Finished done;
};

KprobeRun run_on_kprobes()
{
	Tracer tracer({"--backend", "kprobe"});
	if (!tracer.attached())
		throw std::runtime_error("syncsnoop did not attach: " + tracer.process().err());
	KprobeRun tool{tracer.process().pid(), kprobe_events_of(tracer.process().pid()), {}};
	tool.done = tracer.stop();
	return tool;
}

// Each of the six kretprobes follows the most calls in flight the kernel
// allows, and none outlives the tool.
TEST(SyncSnoopBackendChoice, KretprobesFollowTheMostCallsAndGoWithTheTool)
{
	if (const std::string why_not = why_no_kprobes(); !why_not.empty())
		GTEST_SKIP() << why_not;
	const KprobeRun tool = run_on_kprobes();

	EXPECT_EQ(tool.done.status, 0) << tool.done.err;
	ASSERT_EQ(tool.events.size(), 6U);
	for (const std::string &event : tool.events)
		EXPECT_TRUE(event.starts_with("r4096:kprobes/fsbpf_")) << event;
	EXPECT_EQ(kprobe_events_of(tool.pid), std::vector<std::string>{});
}

// A SIGKILLed tool leaves its kprobe events behind, named after its PID.
// The next process given that PID, here PID 1 of a new PID namespace, takes
// them back rather than falling back from the kprobe backend.
TEST(SyncSnoopBackendChoice, KprobeEventsLeftUnderItsPidAreTakenBack)
{
	if (const std::string why_not = why_no_kprobes(); !why_not.empty())
		GTEST_SKIP() << why_not;
	const KprobeRun first = run_on_kprobes();
	ASSERT_EQ(first.done.status, 0) << first.done.err;
	const std::string pid = std::to_string(first.pid);
	const int kprobe_events = open("/sys/kernel/tracing/kprobe_events", O_WRONLY | O_APPEND);
	ASSERT_GE(kprobe_events, 0) << std::strerror(errno);
	for (const std::string &event : first.events) {
		const std::string left =
			std::regex_replace(event, std::regex("fsbpf_" + pid + "_"), "fsbpf_1_") +
			"\n";
		EXPECT_EQ(write(kprobe_events, left.data(), left.size()),
			  static_cast<ssize_t>(left.size()))
			<< left << std::strerror(errno);
	}
	close(kprobe_events);
	ASSERT_EQ(kprobe_events_of(1).size(), first.events.size());

	const Finished done = run({"unshare", "-p", "-f", fsbpf_binary(), "syncsnoop", "--backend",
				   "kprobe", "--duration", "0.2"});
	EXPECT_EQ(done.status, 0) << done.err;
	EXPECT_EQ(kprobe_events_of(1), std::vector<std::string>{});
}

TEST(SyncSnoopBackendChoice, NoWorkingBackendListsEveryReason)
{
	const Finished done = run({fsbpf_binary(), "syncsnoop"},
				  {"FSBPF_DISABLE=fentry,kprobe,tracepoint,tp_btf"});
	EXPECT_EQ(done.status, 1);
	EXPECT_NE(done.err.find(
			  "no backend works on this kernel (fentry: Operation not permitted; "
			  "kprobe: Operation not permitted; tracepoint: Operation not permitted; "
			  "tp_btf: Operation not permitted)"),
		  std::string::npos)
		<< done.err;
}

} // namespace
} // namespace fsbpf::test

// ---- Containers: which cgroup and mount namespace, and filters on them ----

namespace fsbpf::test {
namespace {

constexpr int kContainerSyncs = 3;
constexpr const char *kContainerComm = "fsbpf-ctrsync";

void fsync_times(const std::string &path, int times)
{
	const int fd = open(path.c_str(), O_WRONLY | O_CREAT, 0644);
	for (int i = 0; i < times; i++)
		if (fd < 0 || fsync(fd) != 0)
			_exit(10);
	close(fd);
}

// This process and the ones it starts from now on run on its first allowed
// CPU, until the object goes.
class OnOneCpu {
public:
	OnOneCpu()
	{
		sched_getaffinity(0, sizeof(all_), &all_);
		cpu_set_t one;
		CPU_ZERO(&one);
		for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
			if (CPU_ISSET(cpu, &all_)) {
				CPU_SET(cpu, &one);
				break;
			}
		sched_setaffinity(0, sizeof(one), &one);
	}
	~OnOneCpu() { sched_setaffinity(0, sizeof(all_), &all_); }
	OnOneCpu(const OnOneCpu &) = delete;
	OnOneCpu &operator=(const OnOneCpu &) = delete;

private:
	cpu_set_t all_{};
};

// A record carries only the bytes its path uses, so the ring holds thousands
// of them: a burst the reader gets no CPU for loses nothing.
TEST(SyncSnoopOutput, BurstOfFsyncsOnTheReadersCpuIsReportedWhole)
{
	constexpr int kBurst = 5000;
	const OnOneCpu shared_cpu; // the workload and syncsnoop take turns
	TempDir dir;
	const std::string file = dir.path() + "/burst";
	Workload child("fsbpf-burst", [&] { fsync_times(file, kBurst); });
	const Finished done = trace_child({"--json"}, child);
	ASSERT_EQ(done.status, 0) << done.err;
	const auto lines = json_lines(done.out);
	const json *summary = summary_of(lines);
	ASSERT_NE(summary, nullptr) << done.out;
	EXPECT_EQ((*summary)["lost"], 0);
	const auto events = events_of(lines);
	EXPECT_EQ(std::ranges::count_if(events,
					[&](const json &event) {
						return event["call"] == "fsync" &&
						       event["file"] == file && event["ret"] == 0;
					}),
		  kBurst);
}

// Two identical workloads, one inside what setup makes and one outside, one
// after the other, and what syncsnoop run with args (and -c, to leave other
// processes out) reported of them.
struct ContainerRun {
	std::vector<json> events;
	pid_t inside = 0, outside = 0;
	uint64_t inside_mntns = 0;
	uint64_t skipped = 0; // program runs the kernel skipped
	std::string output;

	// Exactly `expected` events, or as many as the kernel did not skip.
	void expect_events(size_t expected) const
	{
		if (skipped == 0)
			EXPECT_EQ(events.size(), expected) << output;
		else
			EXPECT_GE(events.size() + skipped, expected) << output;
	}
};

ContainerRun trace_inside_and_outside(
	std::vector<std::string> args, const std::string &inside_file,
	const std::string &outside_file, const std::function<bool()> &inside_setup,
	const std::function<void(pid_t)> &place_inside = [](pid_t) {})
{
	Workload inside(
		kContainerComm, [&] { fsync_times(inside_file, kContainerSyncs); }, inside_setup);
	Workload outside(kContainerComm, [&] { fsync_times(outside_file, kContainerSyncs); });
	place_inside(inside.pid());
	ContainerRun run;
	run.inside = inside.pid();
	run.outside = outside.pid();
	run.inside_mntns = mount_namespace(inside.pid());
	for (std::string &arg : args)
		if (arg == "PID" || arg == "MNTNS")
			arg = std::to_string(arg == "PID" ? run.inside : run.inside_mntns);
	for (const char *arg : {"--json", "-c", kContainerComm})
		args.emplace_back(arg);
	Tracer tracer(args);
	if (!tracer.attached())
		throw std::runtime_error(tracer.process().err());
	inside.go();
	EXPECT_EQ(inside.wait(), 0);
	outside.go();
	EXPECT_EQ(outside.wait(), 0);
	const Finished done = tracer.stop();
	EXPECT_EQ(done.status, 0) << done.err;
	const auto lines = json_lines(done.out);
	const json *summary = summary_of(lines);
	EXPECT_TRUE(summary && (*summary)["lost"] == 0 && (*summary)["missed"] == 0) << done.out;
	run.events = events_of(lines);
	run.skipped = summary ? (*summary)["skipped"].get<uint64_t>() : 0;
	run.output = done.out + done.err;
	return run;
}

class SyncSnoopContainers : public testing::Test {
protected:
	void SetUp() override
	{
		if (cgroup2_root().empty())
			GTEST_SKIP() << "no cgroup2 file system is mounted";
	}
	TempDir dir_;
};

// --cgroup takes the cgroup's descendants too; every record names the
// cgroup, its id, the container its name says and the mount namespace.
TEST_F(SyncSnoopContainers, CgroupFilterSeesItsDescendantsAndNothingElse)
{
	const Cgroup parent("fsbpf-test-" + std::to_string(getpid()));
	const Cgroup container(docker_scope_name(kContainerId), &parent);
	const ContainerRun run = trace_inside_and_outside({"--cgroup", parent.path()},
							  dir_.file("in"), dir_.file("out"), {},
							  [&](pid_t pid) { container.enter(pid); });
	run.expect_events(kContainerSyncs);
	for (const json &event : run.events) {
		EXPECT_EQ(event["pid"], run.inside);
		EXPECT_EQ(event["file"], real_path(dir_.file("in")));
		EXPECT_EQ(event["cgroup"], container.path());
		EXPECT_EQ(event["cgroup_id"], container.id());
		EXPECT_EQ(event["container"], kShortContainerId);
		EXPECT_EQ(event["mntns"], mount_namespace(getpid()));
	}
}

// A process on a tmpfs of its own mount namespace: the path it used, and
// its namespace, by --mntns-of PID, --mntns ID and --containers-only.
class SyncSnoopMountNamespaces : public SyncSnoopContainers,
				 public testing::WithParamInterface<std::vector<std::string>> {};

TEST_P(SyncSnoopMountNamespaces, FilterSeesTheNamespaceOnly)
{
	const std::string file = real_path(dir_.path()) + "/same-name";
	const std::string dir = dir_.path();
	const ContainerRun run = trace_inside_and_outside(GetParam(), file, file,
							  [&] { return enter_private_tmpfs(dir); });
	ASSERT_NE(run.inside_mntns, mount_namespace(getpid()));
	run.expect_events(kContainerSyncs);
	for (const json &event : run.events) {
		EXPECT_EQ(event["pid"], run.inside);
		EXPECT_EQ(event["file"], file);
		EXPECT_EQ(event["mntns"], run.inside_mntns);
		EXPECT_EQ(event["cgroup"], own_cgroup());
	}
}

INSTANTIATE_TEST_SUITE_P(Filters, SyncSnoopMountNamespaces,
			 testing::Values(std::vector<std::string>{"--mntns-of", "PID"},
					 std::vector<std::string>{"--mntns", "MNTNS"},
					 std::vector<std::string>{"--containers-only"}));

// Without a filter both workloads show, each with its own namespace.
TEST_F(SyncSnoopContainers, EveryRecordNamesItsNamespace)
{
	const std::string file = real_path(dir_.path()) + "/same-name";
	const std::string dir = dir_.path();
	const ContainerRun run =
		trace_inside_and_outside({}, file, file, [&] { return enter_private_tmpfs(dir); });
	run.expect_events(size_t{2} * kContainerSyncs);
	for (const json &event : run.events)
		EXPECT_EQ(event["mntns"],
			  event["pid"] == run.inside ? run.inside_mntns : mount_namespace(getpid()))
			<< event;
}

} // namespace
} // namespace fsbpf::test
