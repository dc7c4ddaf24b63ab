// SPDX-License-Identifier: GPL-2.0
// filetop against the real kernel: real reads and writes from child
// processes on known files, and exactly what fsbpf counts for them.
#include "containers.hpp"
#include "process.hpp"
#include "tracing.hpp"
#include "uring.hpp"
#include "workload.hpp"

#include "filetop.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <array>
#include <climits>
#include <dirent.h>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <pthread.h>
#include <regex>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <thread>
#include <tuple>
#include <unistd.h>

namespace fsbpf::test {
namespace {

using namespace std::chrono_literals;

struct Counts {
	uint64_t reads = 0, writes = 0, rbytes = 0, wbytes = 0;

	bool operator==(const Counts &other) const = default;
};

std::ostream &operator<<(std::ostream &out, const Counts &c)
{
	return out << "{reads " << c.reads << ", writes " << c.writes << ", rbytes " << c.rbytes
		   << ", wbytes " << c.wbytes << "}";
}

// One thread's row for one file, summed over intervals.
struct Totals {
	Counts counts;
	uint64_t pid = 0;
	std::string comm, type;
	std::string cgroup, container;
	uint64_t cgroup_id = 0, mntns = 0;
};

// What a filetop run counted, summed over its intervals: system calls and
// io_uring requests apart.
struct Counted {
	std::map<std::pair<uint64_t, std::string>, Totals> by_tid_file;
	std::map<std::pair<uint64_t, std::string>, Totals> uring_by_tid_file;
	uint64_t overflow = 0, lost = 0, missed = 0, skipped = 0, cq_overflows = 0;
	size_t intervals = 0;
	std::string output;

	// Calls of traced processes that no row shows. Not `skipped`: the kernel
	// skips a program's run before any filter, whoever made the call.
	uint64_t unreported() const { return overflow + lost + missed + cq_overflows; }
	const Totals *find(uint64_t tid, const std::string &file) const
	{
		const auto found = by_tid_file.find({tid, file});
		return found == by_tid_file.end() ? nullptr : &found->second;
	}
	std::vector<std::pair<uint64_t, Totals>> of_file(const std::string &file) const
	{
		std::vector<std::pair<uint64_t, Totals>> rows;
		for (const auto &[key, totals] : by_tid_file)
			if (key.second == file)
				rows.emplace_back(key.first, totals);
		return rows;
	}
};

Counted counted_from(const Finished &done)
{
	Counted counted;
	counted.output = done.out + done.err;
	const std::vector<json> lines = json_lines(done.out);
	for (const json &row : events_of(lines)) {
		auto &rows =
			row["via"] == "io_uring" ? counted.uring_by_tid_file : counted.by_tid_file;
		Totals &t = rows[{row["tid"].get<uint64_t>(), row["file"].get<std::string>()}];
		t.counts.reads += row["reads"].get<uint64_t>();
		t.counts.writes += row["writes"].get<uint64_t>();
		t.counts.rbytes += row["rbytes"].get<uint64_t>();
		t.counts.wbytes += row["wbytes"].get<uint64_t>();
		t.pid = row["pid"].get<uint64_t>();
		t.comm = row["comm"].get<std::string>();
		t.type = row["type"].get<std::string>();
		t.cgroup = row["cgroup"].get<std::string>();
		t.container = row["container"].get<std::string>();
		t.cgroup_id = row["cgroup_id"].get<uint64_t>();
		t.mntns = row["mntns"].get<uint64_t>();
	}
	for (const json &summary : summaries_of(lines)) {
		counted.overflow += summary["overflow"].get<uint64_t>();
		counted.lost += summary["lost"].get<uint64_t>();
		counted.missed += summary["missed"].get<uint64_t>();
		counted.skipped += summary["skipped"].get<uint64_t>();
		counted.cq_overflows += summary["cq_overflows"].get<uint64_t>();
		counted.intervals++;
	}
	return counted;
}

// Runs filetop (JSON, every row, 0.2 s intervals) around the workloads, all
// at once or one after another.
Counted count_during(std::vector<std::string> args, const std::vector<Workload *> &workloads,
		     bool one_at_a_time = false)
{
	args.insert(args.begin(), {"--json", "-r", "0"});
	args.emplace_back("0.2");
	Tracer tracer("filetop", args);
	if (!tracer.attached())
		throw std::runtime_error("filetop did not attach: " + tracer.process().err());
	const auto finish = [](Workload *workload) {
		if (const int status = workload->wait(); status != 0)
			throw std::runtime_error("a workload failed: " + std::to_string(status));
	};
	for (Workload *workload : workloads) {
		workload->go();
		if (one_at_a_time)
			finish(workload);
	}
	for (Workload *workload : workloads)
		if (!one_at_a_time)
			finish(workload);
	const Finished done = tracer.stop();
	if (done.status != 0)
		throw std::runtime_error("filetop failed: " + done.err);
	return counted_from(done);
}

// count_during() for one workload, which -p picks out.
Counted count_child(std::vector<std::string> args, Workload &child)
{
	args.insert(args.end(), {"-p", std::to_string(child.pid())});
	return count_during(std::move(args), {&child});
}

void must(bool ok, int code)
{
	if (!ok)
		_exit(code);
}

int open_or_exit(const std::string &path, int flags)
{
	const int fd = open(path.c_str(), flags, 0644);
	must(fd >= 0, 20);
	return fd;
}

void write_file(const std::string &path, size_t size)
{
	std::ofstream(path) << std::string(size, 'b');
}

// The files of the all-calls workload: b, x, y and z are read, the others written.
struct CallFiles {
	std::string a, b, c, d, e, x, y, z;

	explicit CallFiles(const TempDir &dir)
		: a(dir.file("a")), b(dir.file("b")), c(dir.file("c")), d(dir.file("d")),
		  e(dir.file("e")), x(dir.file("x")), y(dir.file("y")), z(dir.file("z"))
	{
		write_file(b, 200);
		for (const std::string *path : {&x, &y, &z})
			write_file(*path, 1);
	}
};

void write_calls(int a)
{
	std::array<char, 100> buf{};
	for (int i = 0; i < 3; i++)
		must(write(a, buf.data(), 100) == 100, 21);
	for (int i = 0; i < 2; i++)
		must(pwrite(a, buf.data(), 50, 0) == 50, 22);
	std::array<iovec, 2> two = {{{buf.data(), 10}, {buf.data(), 20}}};
	must(writev(a, two.data(), 2) == 30, 23);
	iovec four = {buf.data(), 4};
	must(pwritev(a, &four, 1, 0) == 4, 24);
	iovec six = {buf.data(), 6};
	must(pwritev2(a, &six, 1, 0, 0) == 6, 25);
}

void read_calls(int b)
{
	std::array<char, 1000> buf{};
	for (int i = 0; i < 4; i++)
		must(read(b, buf.data(), 25) == 25, 31);
	for (int i = 0; i < 2; i++)
		must(pread(b, buf.data(), 10, 0) == 10, 32);
	std::array<iovec, 2> two = {{{buf.data(), 5}, {buf.data(), 5}}};
	must(readv(b, two.data(), 2) == 10, 33);
	must(read(b, buf.data(), 1000) == 90, 34); // the rest: 90 of the 1000 asked
	must(read(b, buf.data(), 1000) == 0, 35);  // end of file: a call, no bytes
	iovec three = {buf.data(), 3};
	must(preadv(b, &three, 1, 0) == 3, 36);
	iovec seven = {buf.data(), 7};
	must(preadv2(b, &seven, 1, 0, 0) == 7, 37);
}

void copy_calls(int b, int c, int d)
{
	off_t offset = 0;
	must(sendfile(c, b, &offset, 40) == 40, 41);
	loff_t in_offset = 0;
	must(copy_file_range(b, &in_offset, d, nullptr, 60, 0) == 60, 42);
	std::array<int, 2> pipe_fds{};
	must(pipe(pipe_fds.data()) == 0, 43);
	loff_t splice_offset = 0;
	must(splice(b, &splice_offset, pipe_fds[1], nullptr, 16, 0) == 16, 44);
}

// One-byte preads by turns, x y x y z twenty times: when all three fall in
// one set of a CPU's pending cache, z goes straight to the map on one miss and
// evicts whichever took the older call on the next.
void rotating_reads(const CallFiles &files)
{
	const std::array<int, 3> fds = {open_or_exit(files.x, O_RDONLY),
					open_or_exit(files.y, O_RDONLY),
					open_or_exit(files.z, O_RDONLY)};
	char byte = 0;
	for (int round = 0; round < 20; round++)
		for (const int which : {0, 1, 0, 1, 2})
			must(pread(fds.at(which), &byte, 1, 0) == 1, 38);
}

// Every call of the family once or more, from the main thread; a second
// thread writes file e.
void all_calls(const CallFiles &files)
{
	const int a = open_or_exit(files.a, O_WRONLY | O_CREAT);
	const int b = open_or_exit(files.b, O_RDONLY);
	const int c = open_or_exit(files.c, O_WRONLY | O_CREAT);
	const int d = open_or_exit(files.d, O_WRONLY | O_CREAT);
	write_calls(a);
	read_calls(b);
	copy_calls(b, c, d);
	rotating_reads(files);
	std::thread writer([&] {
		const int e = open_or_exit(files.e, O_WRONLY | O_CREAT);
		for (int i = 0; i < 7; i++)
			must(write(e, "1234567", 7) == 7, 51);
	});
	writer.join();
}

// Equal, or short by no more than the program runs the kernel skipped
// (preemptible programs on newer kernels, see syncsnoop's tests).
void expect_counted(const Counted &counted, uint64_t tid, const std::string &file,
		    const Counts &expected)
{
	SCOPED_TRACE(file);
	const Totals *got = counted.find(tid, file);
	if (!got) {
		EXPECT_GT(counted.skipped, 0U) << "no row for tid " << tid << "\n"
					       << counted.output;
		return;
	}
	const Counts &counts = got->counts;
	if (counted.skipped == 0) {
		EXPECT_EQ(counts, expected) << counted.output;
		return;
	}
	EXPECT_LE(counts.reads, expected.reads);
	EXPECT_LE(counts.writes, expected.writes);
	EXPECT_GE(counts.reads + counts.writes + counted.skipped, expected.reads + expected.writes);
}

class FileTopBackend : public testing::TestWithParam<std::string> {
protected:
	void SetUp() override
	{
		if (GetParam() == "auto")
			return;
		const std::string why_not = supported_backends("filetop").at(GetParam());
		if (!why_not.empty())
			GTEST_SKIP() << "filetop's " << GetParam()
				     << " backend cannot work on this kernel: " << why_not;
		args_ = {"--backend", GetParam()};
	}
	std::vector<std::string> args_;
};

TEST_P(FileTopBackend, CountsEveryCallOfTheFamilyExactlyPerThreadAndFile)
{
	TempDir dir;
	const CallFiles files(dir);
	Workload child("fsbpf-ftcalls", [&] { all_calls(files); });
	const auto pid = static_cast<uint64_t>(child.pid());
	const Counted counted = count_child(args_, child);

	EXPECT_EQ(counted.overflow, 0U);
	EXPECT_EQ(counted.lost, 0U);
	EXPECT_EQ(counted.missed, 0U);
	expect_counted(counted, pid, "a", {0, 3 + 2 + 1 + 1 + 1, 0, 300 + 100 + 30 + 4 + 6});
	expect_counted(
		counted, pid, "b",
		{4 + 2 + 1 + 1 + 1 + 1 + 1 + 3, 0, 100 + 20 + 10 + 90 + 3 + 7 + 40 + 60 + 16, 0});
	expect_counted(counted, pid, "c", {0, 1, 0, 40});
	expect_counted(counted, pid, "d", {0, 1, 0, 60});
	expect_counted(counted, pid, "x", {40, 0, 40, 0});
	expect_counted(counted, pid, "y", {40, 0, 40, 0});
	expect_counted(counted, pid, "z", {20, 0, 20, 0});
	const auto e_rows = counted.of_file("e");
	if (e_rows.empty() && counted.skipped > 0)
		return; // the kernel hid the second thread's writes, and said so
	ASSERT_EQ(e_rows.size(), 1U) << counted.output;
	EXPECT_NE(e_rows[0].first, pid) << "the second thread's writes carry its own TID";
	EXPECT_EQ(e_rows[0].second.pid, pid);
	expect_counted(counted, e_rows[0].first, "e", {0, 7, 0, 49});
	for (const auto &[key, totals] : counted.by_tid_file) {
		EXPECT_EQ(totals.pid, pid) << key.second;
		EXPECT_EQ(totals.comm, "fsbpf-ftcalls") << key.second;
		EXPECT_EQ(totals.type, "R") << key.second;
	}
}

// One-byte preads by turns over more files than a CPU's pending cache holds,
// for several intervals: files that find no way go straight to the map, some
// take a way from another, and intervals end while files sit in ways. Each
// call still counts once.
TEST_P(FileTopBackend, ManyFilesByTurnsCountExactlyAcrossIntervals)
{
	constexpr int kFiles = 300; // FILETOP_SETS * FILETOP_WAYS is 256
	constexpr int kRounds = 40;
	TempDir dir;
	const auto name = [](int i) { return "many" + std::to_string(i); };
	for (int i = 0; i < kFiles; i++)
		write_file(dir.file(name(i)), 1);
	Workload child("fsbpf-ftmany", [&] {
		std::vector<int> fds;
		fds.reserve(kFiles);
		for (int i = 0; i < kFiles; i++)
			fds.push_back(open_or_exit(dir.file(name(i)), O_RDONLY));
		char byte = 0;
		for (int round = 0; round < kRounds; round++) {
			for (const int fd : fds)
				must(pread(fd, &byte, 1, 0) == 1, 61);
			usleep(20000); // 0.8 s in all: four 0.2 s intervals or so
		}
	});
	const Counted counted = count_child(args_, child);

	EXPECT_GE(counted.intervals, 2U) << counted.output;
	EXPECT_EQ(counted.overflow, 0U);
	EXPECT_EQ(counted.lost, 0U);
	EXPECT_EQ(counted.missed, 0U);
	for (int i = 0; i < kFiles; i++)
		expect_counted(counted, static_cast<uint64_t>(child.pid()), name(i),
			       {kRounds, 0, kRounds, 0});
}

INSTANTIATE_TEST_SUITE_P(Backends, FileTopBackend,
			 testing::Values("auto", "fexit", "tp_btf", "kprobe", "tracepoint"),
			 [](const testing::TestParamInfo<std::string> &info) {
				 return info.param;
			 });

// io_uring's reads and writes, which no system call hook sees: counted at
// completion, with the bytes each moved, for the thread that submitted them
// (even when an io-wq worker did the work), in rows of their own beside the
// same thread's system calls on the same file. A failed request counts
// nothing.
TEST_P(FileTopBackend, CountsIoUringReadsAndWritesForTheSubmitter)
{
	if (const std::string why_not = why_uring_untraced(); !why_not.empty())
		GTEST_SKIP() << why_not;
	TempDir dir;
	const std::string path = dir.file("ring");
	const auto body = [&] {
		const int fd = open_or_exit(path, O_RDWR | O_CREAT | O_TRUNC);
		Uring ring;
		std::string bytes(50, 'r');
		must(ring.write(fd, std::string(100, 'w'), 0) == 100, 80);
		must(ring.writev(fd, std::string(30, 'v'), 100) == 30, 81);
		must(ring.write_fixed(fd, 70, 130) == 70, 82);
		must(ring.read(fd, bytes, 0) == 50, 83);
		bytes.resize(20);
		must(ring.readv(fd, bytes, 50) == 20, 84);
		must(ring.read_fixed(fd, 10, 190) == 10, 85);
		must(ring.read(-1, bytes, 0) == -EBADF, 86);
		must(write(fd, "syscall", 7) == 7, 87);
		close(fd);
	};
	Workload child("fsbpf-ftring", body);
	const auto pid = static_cast<uint64_t>(child.pid());
	const Counted counted = count_child(args_, child);

	EXPECT_EQ(counted.unreported(), 0U) << counted.output;
	const auto found = counted.uring_by_tid_file.find({pid, "ring"});
	ASSERT_NE(found, counted.uring_by_tid_file.end()) << counted.output;
	const Counts expected{3, 3, 50 + 20 + 10, 100 + 30 + 70};
	EXPECT_EQ(found->second.counts, expected) << counted.output;
	EXPECT_EQ(found->second.comm, "fsbpf-ftring");
	EXPECT_EQ(found->second.pid, pid);
	EXPECT_EQ(counted.uring_by_tid_file.size(), 1U) << counted.output;
	expect_counted(counted, pid, "ring", {0, 1, 0, 7});
}

// io_uring's splices move file data as splice(2) does: a read on the file
// they take from, a write on the file they give to, whether the input is a
// descriptor or a fixed file slot. A tee moves data between pipes only and
// counts on no file.
TEST_P(FileTopBackend, CountsIoUringSplicesOnTheFilesTheyMove)
{
	if (const std::string why_not = why_uring_untraced(); !why_not.empty())
		GTEST_SKIP() << why_not;
	TempDir dir;
	const std::string source = dir.file("source");
	const std::string sink = dir.file("sink");
	std::ofstream(source) << std::string(200, 's');
	const auto body = [&] {
		const int from = open_or_exit(source, O_RDONLY);
		const int to = open_or_exit(sink, O_WRONLY | O_CREAT | O_TRUNC);
		std::array<int, 2> pipe_fds{};
		std::array<int, 2> copy_fds{};
		must(pipe(pipe_fds.data()) == 0 && pipe(copy_fds.data()) == 0, 80);
		Uring ring;
		must(ring.splice(from, pipe_fds[1], 100) == 100, 81);
		must(ring.splice(pipe_fds[0], to, 100) == 100, 82);
		must(ring.splice(from, pipe_fds[1], 30) == 30, 83);
		must(ring.tee(pipe_fds[0], copy_fds[1], 30) == 30, 84);
		must(ring.splice(pipe_fds[0], to, 30) == 30, 85);
		must(ring.put_in_slot(from) == 0, 86);
		must(ring.splice_from_slot(pipe_fds[1], 40) == 40, 87);
		must(ring.splice(pipe_fds[0], to, 40) == 40, 88);
	};
	Workload child("fsbpf-ftsplice", body);
	const auto pid = static_cast<uint64_t>(child.pid());
	const Counted counted = count_child(args_, child);

	EXPECT_EQ(counted.unreported(), 0U) << counted.output;
	const auto read_from = counted.uring_by_tid_file.find({pid, "source"});
	const auto written_to = counted.uring_by_tid_file.find({pid, "sink"});
	ASSERT_NE(read_from, counted.uring_by_tid_file.end()) << counted.output;
	ASSERT_NE(written_to, counted.uring_by_tid_file.end()) << counted.output;
	EXPECT_EQ(read_from->second.counts, (Counts{3, 0, 100 + 30 + 40, 0})) << counted.output;
	EXPECT_EQ(written_to->second.counts, (Counts{0, 3, 0, 100 + 30 + 40})) << counted.output;
	EXPECT_EQ(counted.uring_by_tid_file.size(), 2U) << counted.output;
}

// Threads of this process blocked in a system call numbered nr.
size_t threads_in_call(long nr)
{
	size_t in_call = 0;
	const std::string prefix = std::to_string(nr) + " ";
	for (const auto &task : std::filesystem::directory_iterator("/proc/self/task")) {
		std::ifstream syscall_file(task.path() / "syscall");
		std::string line;
		if (std::getline(syscall_file, line) && line.starts_with(prefix))
			in_call++;
	}
	return in_call;
}

// `readers` threads wait in readv() of one pipe at once, then each reads a
// byte. The wait is seen by read(), which another kretprobe follows.
void readers_wait_at_once(size_t readers)
{
	std::array<int, 2> fds{};
	must(pipe(fds.data()) == 0, 70);
	pthread_attr_t small_stack;
	must(pthread_attr_init(&small_stack) == 0, 71);
	must(pthread_attr_setstacksize(&small_stack, size_t{64} * 1024) == 0, 72);
	std::vector<pthread_t> threads(readers);
	for (pthread_t &thread : threads)
		must(pthread_create(
			     &thread, &small_stack,
			     [](void *fd) -> void * {
				     char byte = 0;
				     iovec vec{&byte, 1};
				     must(readv(*static_cast<int *>(fd), &vec, 1) == 1, 73);
				     return nullptr;
			     },
			     fds.data()) == 0,
		     74);
	while (threads_in_call(SYS_readv) < readers)
		std::this_thread::sleep_for(20ms);
	const std::string bytes(readers, 'x');
	must(write(fds[1], bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()), 75);
	for (const pthread_t thread : threads)
		must(pthread_join(thread, nullptr) == 0, 76);
}

// A kretprobe follows at most `maxactive` calls in flight and drops the
// returns of any more. The SDK asks for the kernel's most, 4096, and counts
// what the kernel dropped as skipped: of 4,200 readv() calls that wait at
// once, 4096 are reported and 104 counted, where libbpf's default (the CPU
// count on 5.10) reported one and counted none. A burst of 4096 new rows
// can outrun the name ring in a slow guest: such rows keep their counts,
// with `?` for the names that `lost` counts.
TEST(FileTopKprobes, ReadsBeyondWhatAKretprobeFollowsAreCountedAsSkipped)
{
	const std::string why_not = supported_backends("filetop").at("kprobe");
	if (!why_not.empty())
		GTEST_SKIP() << "filetop's kprobe backend cannot work on this kernel: " << why_not;
	constexpr uint64_t kMaxActive = 4096; // KRETPROBE_MAXACTIVE_MAX
	constexpr uint64_t kReaders = kMaxActive + 104;
	Workload readers("fsbpf-ftmany", [] { readers_wait_at_once(kReaders); });
	const Counted counted = count_during(
		{"-a", "--backend", "kprobe", "-p", std::to_string(readers.pid())}, {&readers});

	uint64_t named = 0;
	uint64_t unnamed_rows = 0;
	uint64_t unnamed = 0;
	for (const auto &[key, totals] : counted.by_tid_file) {
		if (key.second.starts_with("pipe:["))
			named += totals.counts.reads;
		if (key.second == "?") {
			unnamed_rows++;
			unnamed += totals.counts.reads;
		}
	}
	EXPECT_LE(unnamed_rows, counted.lost) << counted.output;
	EXPECT_LE(named + unnamed, kMaxActive) << counted.output;
	EXPECT_GE(named + unnamed + counted.skipped + counted.missed + counted.overflow, kReaders)
		<< counted.output;
}

// n writes of `bytes` each to path.
void writes_to(const std::string &path, int n, size_t bytes)
{
	const int fd = open_or_exit(path, O_WRONLY | O_CREAT | O_TRUNC);
	const std::string data(bytes, 'w');
	for (int i = 0; i < n; i++)
		must(write(fd, data.data(), bytes) == static_cast<ssize_t>(bytes), 60);
	close(fd);
}

// n reads of one byte from path.
void reads_from(const std::string &path, int n)
{
	const int fd = open_or_exit(path, O_RDONLY);
	char byte = 0;
	for (int i = 0; i < n; i++)
		must(pread(fd, &byte, 1, 0) == 1, 61);
	close(fd);
}

struct TwoWriters {
	TempDir dir;
	Workload first{"fsbpf-ftone", [this] { writes_to(dir.file("one"), 3, 10); }};
	Workload second{"fsbpf-fttwo", [this] { writes_to(dir.file("two"), 5, 20); }};
	uint64_t first_pid = static_cast<uint64_t>(first.pid());
	uint64_t second_pid = static_cast<uint64_t>(second.pid());

	Counted run(std::vector<std::string> args)
	{
		for (std::string &arg : args)
			if (arg == "FIRST_PID")
				arg = std::to_string(first.pid());
		return count_during(args, {&first, &second});
	}
};

TEST(FileTopFilter, PidKeepsOnlyThatProcess)
{
	TwoWriters writers;
	const Counted counted = writers.run({"-p", "FIRST_PID"});
	expect_counted(counted, writers.first_pid, "one", {0, 3, 0, 30});
	EXPECT_TRUE(counted.of_file("two").empty()) << counted.output;
}

TEST(FileTopFilter, CommKeepsOnlyThatCommand)
{
	TwoWriters writers;
	const Counted counted = writers.run({"-c", "fsbpf-fttwo"});
	expect_counted(counted, writers.second_pid, "two", {0, 5, 0, 100});
	EXPECT_TRUE(counted.of_file("one").empty()) << counted.output;
	for (const auto &[key, totals] : counted.by_tid_file)
		EXPECT_EQ(totals.comm, "fsbpf-fttwo") << key.second;
}

TEST(FileTopFilter, WithoutFiltersBothAreCounted)
{
	TwoWriters writers;
	const Counted counted = writers.run({});
	expect_counted(counted, writers.first_pid, "one", {0, 3, 0, 30});
	expect_counted(counted, writers.second_pid, "two", {0, 5, 0, 100});
}

Counted read_and_write_counted(const std::string &option, pid_t *pid)
{
	TempDir dir;
	write_file(dir.file("rw"), 10);
	Workload child("fsbpf-ftrw", [&] {
		reads_from(dir.file("rw"), 4);
		writes_to(dir.file("rw"), 2, 3);
	});
	*pid = child.pid();
	std::vector<std::string> args;
	if (!option.empty())
		args.push_back(option);
	return count_child(args, child);
}

TEST(FileTopFilter, ReadOnlyAndWriteOnlyKeepTheirSide)
{
	pid_t pid = 0;
	Counted counted = read_and_write_counted("", &pid);
	expect_counted(counted, static_cast<uint64_t>(pid), "rw", {4, 2, 4, 6});
	counted = read_and_write_counted("--read-only", &pid);
	expect_counted(counted, static_cast<uint64_t>(pid), "rw", {4, 0, 4, 0});
	counted = read_and_write_counted("--write-only", &pid);
	expect_counted(counted, static_cast<uint64_t>(pid), "rw", {0, 2, 0, 6});
}

TEST(FileTopFilter, ReadOnlyAndWriteOnlyTogetherAreAUsageError)
{
	const Finished done = run({fsbpf_binary(), "filetop", "--read-only", "--write-only"});
	EXPECT_EQ(done.status, 2);
	EXPECT_NE(done.err.find("--read-only excludes --write-only"), std::string::npos)
		<< done.err;
	EXPECT_EQ(std::count(done.err.begin(), done.err.end(), '\n'), 1) << done.err;
}

TEST(FileTopFilter, DirThatIsNoDirectoryIsAUsageError)
{
	// A file every machine that runs this test has, the kernel matrix's too.
	Finished done = run({fsbpf_binary(), "filetop", "-d", fsbpf_binary()});
	EXPECT_EQ(done.status, 2);
	EXPECT_EQ(done.err, "fsbpf: filetop: --dir " + fsbpf_binary() + ": Not a directory\n");
	done = run({fsbpf_binary(), "filetop", "-d", "/nonexistent\n/x"});
	EXPECT_EQ(done.status, 2);
	EXPECT_EQ(done.err, "fsbpf: filetop: --dir /nonexistent\\n/x: No such file or directory\n");
	const std::string long_dir(5000, 'd');
	done = run({fsbpf_binary(), "filetop", "-d", long_dir});
	EXPECT_EQ(done.status, 2);
	EXPECT_EQ(done.err,
		  "fsbpf: filetop: --dir " + long_dir.substr(0, 200) + "...: File name too long\n");
}

TEST(FileTopFilter, DirKeepsOnlyFilesUnderIt)
{
	TempDir dir;
	ASSERT_EQ(mkdir(dir.file("in").c_str(), 0755), 0);
	ASSERT_EQ(mkdir(dir.file("inside").c_str(), 0755), 0); // shares the prefix "in"
	Workload child("fsbpf-ftdir", [&] {
		writes_to(dir.file("in/kept"), 2, 5);
		writes_to(dir.file("inside/dropped"), 2, 5);
	});
	const Counted counted = count_during(
		{"-p", std::to_string(child.pid()), "-d", dir.file("in"), "--full-path"}, {&child});
	expect_counted(counted, static_cast<uint64_t>(child.pid()), real_path(dir.file("in/kept")),
		       {0, 2, 0, 10});
	EXPECT_TRUE(counted.of_file(real_path(dir.file("inside/dropped"))).empty())
		<< counted.output;
}

TEST(FileTopFilter, AllFilesAddsPipesAndSockets)
{
	TempDir dir;
	const auto body = [&] {
		writes_to(dir.file("regular"), 1, 8);
		std::array<int, 2> fds{};
		must(pipe(fds.data()) == 0, 62);
		for (int i = 0; i < 3; i++)
			must(write(fds[1], "pipe", 4) == 4, 63);
	};
	Workload regular_only("fsbpf-ftall", body);
	Counted counted = count_during({"-p", std::to_string(regular_only.pid())}, {&regular_only});
	expect_counted(counted, static_cast<uint64_t>(regular_only.pid()), "regular", {0, 1, 0, 8});
	for (const auto &[key, totals] : counted.by_tid_file)
		EXPECT_EQ(totals.type, "R") << key.second;

	Workload all("fsbpf-ftall", body);
	counted = count_during({"-a", "-p", std::to_string(all.pid())}, {&all});
	const auto pid = static_cast<uint64_t>(all.pid());
	expect_counted(counted, pid, "regular", {0, 1, 0, 8});
	bool pipe_seen = false;
	for (const auto &[key, totals] : counted.by_tid_file) {
		if (totals.type != "O" || totals.counts.wbytes != 12)
			continue;
		pipe_seen = true;
		EXPECT_EQ(totals.counts.writes, 3U);
		EXPECT_EQ(key.second.rfind("pipe:[", 0), 0U) << key.second;
	}
	EXPECT_TRUE(pipe_seen || counted.skipped > 0) << counted.output;
}

TEST(FileTopOutput, FullPathFollowsABindMount)
{
	TempDir dir;
	ASSERT_EQ(mkdir(dir.file("source").c_str(), 0755), 0);
	ASSERT_EQ(mkdir(dir.file("view").c_str(), 0755), 0);
	const Mount bind(dir.file("source"), dir.file("view"));
	const std::string through_bind = real_path(dir.file("view")) + "/deep-file";
	Workload child("fsbpf-ftbind", [&] { writes_to(through_bind, 2, 4); });
	const Counted counted =
		count_during({"--full-path", "-p", std::to_string(child.pid())}, {&child});
	expect_counted(counted, static_cast<uint64_t>(child.pid()), through_bind, {0, 2, 0, 8});
}

TEST(FileTopOutput, TableShowsKibibytesAndHostileNamesEscaped)
{
	TempDir dir;
	const std::string name = "evil\n\033[31mred";
	Workload child("fsbpf-fttable", [&] { writes_to(dir.file(name), 3, 4096); });
	Tracer tracer("filetop", {"-C", "-p", std::to_string(child.pid()), "0.2"});
	ASSERT_TRUE(tracer.attached()) << tracer.process().err();
	child.go();
	ASSERT_EQ(child.wait(), 0);
	const Finished done = tracer.stop();
	ASSERT_EQ(done.status, 0) << done.err;
	EXPECT_EQ(done.out.find("\033["), std::string::npos) << "no screen clearing, no raw escape";
	EXPECT_TRUE(std::regex_search(done.out, std::regex(R"(\d\d:\d\d:\d\d loadavg: [0-9.]+ )")))
		<< done.out;
	EXPECT_NE(done.out.find(
			  "TID     COMM             READS  WRITES R_Kb    W_Kb    T VIA      FILE"),
		  std::string::npos)
		<< done.out;
	const std::regex row(std::to_string(child.pid()) +
			     R"( +fsbpf-fttable +0 +3 +0 +12 +R +syscall +evil\\n\\x1b\[31mred\n)");
	// A write the kernel did not let filetop see is reported in the title instead.
	EXPECT_TRUE(std::regex_search(done.out, row) ||
		    done.out.find("program runs skipped by the kernel") != std::string::npos)
		<< done.out;
}

TEST(FileTopOutput, JsonCarriesTheExactFileName)
{
	TempDir dir;
	const std::string name = "evil\n\033[31mred \"quoted\"";
	Workload child("fsbpf-ftjson", [&] { writes_to(dir.file(name), 1, 1); });
	const Counted counted = count_during({"-p", std::to_string(child.pid())}, {&child});
	expect_counted(counted, static_cast<uint64_t>(child.pid()), name, {0, 1, 0, 1});
}

TEST(FileTopOutput, SortAndRowsPickTheTop)
{
	TempDir dir;
	const auto body = [&] {
		writes_to(dir.file("many-small"), 5, 1);
		writes_to(dir.file("one-big"), 1, 10000);
	};
	const auto first_file = [&](const std::string &sort) {
		Workload child("fsbpf-ftsort", body);
		Tracer tracer("filetop", {"--json", "-r", "1", "-s", sort, "-p",
					  std::to_string(child.pid()), "60"});
		if (!tracer.attached())
			throw std::runtime_error(tracer.process().err());
		child.go();
		child.wait();
		const Finished done = tracer.stop();
		const Counted counted = counted_from(done);
		if (counted.skipped > 0)
			return std::string("skipped"); // the kernel hid some writes
		const auto rows = events_of(json_lines(done.out));
		return rows.size() == 1 ? rows[0]["file"].get<std::string>()
					: "rows: " + std::to_string(rows.size());
	};
	const auto expect_first = [&](const std::string &sort, const std::string &file) {
		const std::string first = first_file(sort);
		if (first != "skipped") {
			EXPECT_EQ(first, file) << "sorted by " << sort;
		}
	};
	expect_first("writes", "many-small");
	expect_first("wbytes", "one-big");
	expect_first("all", "one-big");
}

// Sum of memlock over the BPF maps a process holds (/proc/PID/fdinfo).
uint64_t map_memlock_of(pid_t pid)
{
	uint64_t total = 0;
	const std::string fd_dir = "/proc/" + std::to_string(pid) + "/fdinfo";
	DIR *dir = opendir(fd_dir.c_str());
	if (!dir)
		return 0;
	while (const dirent *entry = readdir(dir)) {
		std::ifstream info(fd_dir + "/" + entry->d_name);
		bool is_map = false;
		uint64_t memlock = 0;
		for (std::string line; std::getline(info, line);) {
			if (line.rfind("map_id:", 0) == 0)
				is_map = true;
			if (line.rfind("memlock:", 0) == 0)
				memlock = std::stoull(line.substr(8));
		}
		if (is_map)
			total += memlock;
	}
	closedir(dir);
	return total;
}

TEST(FileTopLimits, FullTableCountsOverflowAndLocksUnderFourMiB)
{
	constexpr int kFiles = FILETOP_MAX_FILES + 60;
	TempDir dir;
	Workload child("fsbpf-ftfull", [&] {
		for (int i = 0; i < kFiles; i++)
			writes_to(dir.file(std::to_string(i)), 1, 1);
	});
	// One interval only: the whole workload must land in one epoch's map.
	Tracer tracer("filetop", {"--json", "-r", "0", "-p", std::to_string(child.pid()), "600"});
	ASSERT_TRUE(tracer.attached()) << tracer.process().err();
	child.go();
	ASSERT_EQ(child.wait(), 0);
	const uint64_t memlock = map_memlock_of(tracer.process().pid());
	const Counted counted = counted_from(tracer.stop());
	EXPECT_EQ(counted.intervals, 1U);
	const uint64_t rows = counted.by_tid_file.size();
	SCOPED_TRACE("names lost " + std::to_string(counted.lost) + ", runs skipped " +
		     std::to_string(counted.skipped));
	if (counted.skipped == 0) {
		EXPECT_EQ(rows, FILETOP_MAX_FILES);
		EXPECT_EQ(counted.overflow, 60U);
	} else { // a skipped run hides a file, or another process's syscall
		EXPECT_LE(rows, FILETOP_MAX_FILES);
		EXPECT_TRUE(counted.overflow == 0 || rows == FILETOP_MAX_FILES)
			<< "overflow counted before the table was full";
		EXPECT_LE(rows + counted.overflow, static_cast<uint64_t>(kFiles));
		EXPECT_GE(rows + counted.overflow + counted.skipped, static_cast<uint64_t>(kFiles));
	}
	EXPECT_GT(memlock, 0U);
	EXPECT_LT(memlock, 4U << 20) << "bytes of locked BPF map memory";
	RecordProperty("map_memlock_bytes", std::to_string(memlock));
}

TEST(FileTopLifecycle, CountEndsAfterThatManyIntervals)
{
	const Finished done = run({fsbpf_binary(), "filetop", "--json", "0.1", "3"}, {}, 30s);
	EXPECT_EQ(done.status, 0) << done.err;
	EXPECT_EQ(summaries_of(json_lines(done.out)).size(), 3U) << done.out;
}

// ---- Real programs, against strace's count of the same calls ----

// Reads and bytes per file name in an strace log of openat and read (strace
// pads short calls with spaces before their result).
std::map<std::string, Counts> reads_in_strace_log(const std::string &log)
{
	static const std::regex opened(R"re(^openat\(.*"([^"]*)", .*\) += (\d+)$)re");
	static const std::regex read_line(R"re(^read\((\d+), .*\) += (\d+)$)re");
	std::map<std::string, std::string> names; // fd -> base name
	std::map<std::string, Counts> counts;
	std::ifstream in(log);
	std::smatch match;
	for (std::string line; std::getline(in, line);) {
		if (std::regex_match(line, match, opened)) {
			names[match[2]] = std::filesystem::path(match[1].str()).filename();
		} else if (std::regex_match(line, match, read_line) && names.contains(match[1])) {
			Counts &file = counts[names[match[1]]];
			file.reads++;
			file.rbytes += std::stoull(match[2]);
		}
	}
	return counts;
}

// cmp reads its two files by turns, the pattern the two ways of a CPU's
// slot are for: filetop counts what strace counts, call for call.
TEST(FileTopRealPrograms, CmpReadingTwoFilesByTurns)
{
	TempDir dir;
	const std::string one = dir.file("one"), two = dir.file("two"), log = dir.file("log");
	write_file(one, 1 << 20);
	write_file(two, 1 << 20);
	Workload cmp("fsbpf-ftcmp", [&] {
		execlp("strace", "strace", "-qq", "-e", "trace=openat,read", "-o", log.c_str(),
		       "cmp", one.c_str(), two.c_str(), nullptr);
		_exit(127);
	});
	const Counted counted = count_during({"-c", "cmp"}, {&cmp});
	const std::map<std::string, Counts> straced = reads_in_strace_log(log);

	ASSERT_TRUE(straced.contains("one") && straced.contains("two")) << "strace: " << log;
	EXPECT_GT(straced.at("one").reads, 2U);
	for (const std::string name : {"one", "two"}) {
		const std::vector<std::pair<uint64_t, Totals>> rows = counted.of_file(name);
		ASSERT_EQ(rows.size(), 1U) << name << "\n" << counted.output;
		EXPECT_EQ(rows[0].second.counts, straced.at(name)) << name;
		EXPECT_EQ(rows[0].second.counts.rbytes, 1U << 20) << name;
	}
	EXPECT_EQ(counted.unreported() + counted.skipped, 0U);
}

// fio, which nobody here wrote, writes and then reads its file through its
// io_uring engine: filetop's io_uring rows for that file count the requests
// and bytes fio reports itself.
TEST(FileTopRealPrograms, FioIoUringBytesMatchFiosOwnTotals)
{
	if (const std::string why_not = why_no_fio_on_uring(); !why_not.empty())
		GTEST_SKIP() << why_not;
	TempDir dir;
	const auto fio = [&](const char *rw) {
		const Finished done = run({"fio", "--name=ringio", "--directory=" + dir.path(),
					   "--ioengine=io_uring", "--rw=" + std::string(rw),
					   "--bs=4k", "--size=256k", "--output-format=json"});
		if (done.status != 0)
			throw std::runtime_error("fio: " + done.err);
		return json::parse(done.out)["jobs"][0];
	};
	Tracer tracer("filetop", {"--json", "-r", "0", "-c", "fio", "0.2"});
	ASSERT_TRUE(tracer.attached()) << tracer.process().err();
	const json wrote = fio("write");
	const json read = fio("read");
	const Finished done = tracer.stop();
	ASSERT_EQ(done.status, 0) << done.err;
	const Counted counted = counted_from(done);

	Counts by_uring;
	for (const auto &[key, totals] : counted.uring_by_tid_file) {
		if (key.second != "ringio.0.0")
			continue;
		by_uring.reads += totals.counts.reads;
		by_uring.writes += totals.counts.writes;
		by_uring.rbytes += totals.counts.rbytes;
		by_uring.wbytes += totals.counts.wbytes;
	}
	const Counts fios_own{read["read"]["total_ios"], wrote["write"]["total_ios"],
			      read["read"]["io_bytes"], wrote["write"]["io_bytes"]};
	EXPECT_EQ(fios_own.wbytes, 256U * 1024);
	EXPECT_EQ(by_uring, fios_own) << counted.output;
	EXPECT_EQ(counted.unreported() + counted.skipped, 0U) << counted.output;
}

// ---- Containers: which cgroup and mount namespace, and filters on them ----

class FileTopContainers : public testing::Test {
protected:
	void SetUp() override
	{
		if (cgroup2_root().empty())
			GTEST_SKIP() << "no cgroup2 file system is mounted";
	}
	TempDir dir_;
};

// --cgroup given as a directory: the container's writes, none of the same
// command's outside, and the row names the cgroup and the container.
TEST_F(FileTopContainers, CgroupFilterCountsTheContainerOnly)
{
	const Cgroup container(docker_scope_name(kContainerId));
	Workload inside("fsbpf-ftctr", [this] { writes_to(dir_.file("inside"), 3, 10); });
	Workload outside("fsbpf-ftctr", [this] { writes_to(dir_.file("outside"), 5, 20); });
	container.enter(inside.pid());
	const Counted counted =
		count_during({"--cgroup", container.directory()}, {&inside, &outside}, true);
	expect_counted(counted, inside.pid(), "inside", {0, 3, 0, 30});
	EXPECT_TRUE(counted.of_file("outside").empty()) << counted.output;
	const Totals *row = counted.find(inside.pid(), "inside");
	if (!row)
		return; // every write skipped by the kernel, which expect_counted checked it said
	EXPECT_EQ(row->cgroup, container.path());
	EXPECT_EQ(row->cgroup_id, container.id());
	EXPECT_EQ(row->container, kShortContainerId);
	EXPECT_EQ(row->mntns, mount_namespace(getpid()));
}

// --cgroup on a slice: a process two levels below it is counted, one as deep
// in a sibling slice is not (in BPF each climbs its cgroup's parents).
TEST_F(FileTopContainers, CgroupFilterCountsDescendantsOnly)
{
	const Cgroup top("fsbpf-test-" + std::to_string(getpid()));
	const Cgroup slice("traced.slice", &top);
	const Cgroup pod("pod.slice", &slice);
	const Cgroup container(docker_scope_name(kContainerId), &pod);
	const Cgroup other_slice("other.slice", &top);
	const Cgroup other_pod("pod.slice", &other_slice);
	const Cgroup other_container("other.scope", &other_pod);
	Workload inside("fsbpf-ftdeep", [this] { writes_to(dir_.file("inside"), 3, 10); });
	Workload outside("fsbpf-ftdeep", [this] { writes_to(dir_.file("outside"), 5, 20); });
	container.enter(inside.pid());
	other_container.enter(outside.pid());
	const Counted counted =
		count_during({"--cgroup", slice.directory()}, {&inside, &outside}, true);
	expect_counted(counted, inside.pid(), "inside", {0, 3, 0, 30});
	EXPECT_TRUE(counted.of_file("outside").empty()) << counted.output;
	if (const Totals *row = counted.find(inside.pid(), "inside")) {
		EXPECT_EQ(row->cgroup, container.path());
	}
}

// A systemd-nspawn container, booted from a busybox tree made here (nspawn
// places its payload in CGROUP/payload): its dd's writes to the directory
// bound at /data, named as the container sees it, and not those of the same
// dd outside.
class NspawnContainer {
public:
	explicit NspawnContainer(const TempDir &dir)
		: cgroup_("fsbpf-test-nspawn-" + std::to_string(getpid())), root_(dir.file("root")),
		  data_(dir.file("data"))
	{
		for (const char *sub : {"", "/bin", "/etc", "/usr/lib", "/tmp", "/proc", "/sys",
					"/dev", "/run", "/var"})
			std::filesystem::create_directories(root_ + sub);
		std::filesystem::create_directories(data_);
		std::filesystem::copy_file("/bin/busybox", root_ + "/bin/busybox");
		for (const char *applet : {"sh", "dd"})
			std::filesystem::create_symlink("busybox", root_ + "/bin/" + applet);
		for (const char *release : {"/etc/os-release", "/usr/lib/os-release"})
			std::ofstream(root_ + release) << "ID=fsbpf-test\nNAME=fsbpf-test\n";
	}
	~NspawnContainer()
	{
		// nspawn leaves its cgroups, and mirrors them on the name=systemd hierarchy.
		for (const std::string &hierarchy :
		     {cgroup2_root(), std::string("/sys/fs/cgroup/systemd")})
			for (const char *sub : {"/payload", "/supervisor", ""})
				rmdir((hierarchy + cgroup_.path() + sub).c_str());
	}
	NspawnContainer(const NspawnContainer &) = delete;
	NspawnContainer &operator=(const NspawnContainer &) = delete;

	// Runs command in the container; its exit status.
	int run(const std::string &command) const
	{
		const std::string script = "echo $$ > " + cgroup_.directory() +
					   "/cgroup.procs && exec systemd-nspawn -q --register=no "
					   "--keep-unit --pipe -D " +
					   root_ + " --bind=" + data_ + ":/data " + command +
					   " >/dev/null 2>&1";
		const int status = std::system(("sh -c '" + script + "'").c_str());
		return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	}
	std::string payload_cgroup() const { return cgroup_.path() + "/payload"; }
	const std::string &data() const { return data_; }
	const Cgroup &cgroup() const { return cgroup_; }

private:
	Cgroup cgroup_;
	std::string root_, data_;
};

TEST_F(FileTopContainers, SystemdNspawnContainer)
{
	if (std::system("systemd-nspawn --version >/dev/null 2>&1") != 0)
		GTEST_SKIP() << "systemd-nspawn is not installed (Debian's systemd-container)";
	const NspawnContainer container(dir_);
	Workload inside("fsbpf-nspawn", [&] {
		_exit(container.run("/bin/dd if=/dev/zero of=/data/out bs=100 count=7"));
	});
	Workload outside("fsbpf-nspawn", [&] {
		_exit(std::system(("dd if=/dev/zero of=" + container.data() +
				   "/out-host bs=100 count=7 status=none")
					  .c_str()));
	});
	const Counted counted =
		count_during({"--cgroup", container.cgroup().path(), "-c", "dd", "--full-path"},
			     {&inside, &outside}, true);
	ASSERT_EQ(counted.by_tid_file.size(), 1U) << counted.output;
	const auto &[key, row] = *counted.by_tid_file.begin();
	EXPECT_EQ(key.second, "/data/out");
	EXPECT_EQ(row.counts, (Counts{0, 7, 0, 700}));
	EXPECT_EQ(row.cgroup, container.payload_cgroup());
	EXPECT_NE(row.mntns, mount_namespace(getpid()));
	EXPECT_EQ(counted.overflow + counted.lost + counted.missed, 0U);
}

} // namespace
} // namespace fsbpf::test
