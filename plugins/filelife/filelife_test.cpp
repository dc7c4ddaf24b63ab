// SPDX-License-Identifier: GPL-2.0
// filelife against the real kernel: files born and removed by real system
// calls on ext4 and on a tmpfs, and exactly which lives fsbpf reports.
#include <fsbpf/clock.hpp>
#include "containers.hpp"
#include "process.hpp"
#include "tracing.hpp"
#include "uring.hpp"
#include "workload.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <functional>
#include <linux/openat2.h>
#include <map>
#include <memory>
#include <optional>
#include <csignal>
#include <regex>
#include <sstream>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <system_error>
#include <thread>
#include <unistd.h>

namespace fsbpf::test {
namespace {

using namespace std::chrono_literals;

constexpr long kExt4Magic = 0xEF53;

// The clock filelife's ages are measured on.
uint64_t monotonic_ns()
{
	return fsbpf::clock_ns(CLOCK_MONOTONIC);
}

// An ext4 directory to work in: /tmp here, the image the kernel-matrix guests mount.
std::optional<std::string> ext4_base()
{
	for (const char *dir : {"/tmp", "/mnt/ext4"}) {
		struct statfs fs {};
		if (statfs(dir, &fs) == 0 && fs.f_type == kExt4Magic)
			return dir;
	}
	return std::nullopt;
}

// A scratch directory on the file system under test.
class Scratch {
public:
	explicit Scratch(const std::string &fs)
	{
		if (fs == "tmpfs") {
			dir_ = std::make_unique<TempDir>();
			tmpfs_ = std::make_unique<Mount>("tmpfs", dir_->path(), "tmpfs");
		} else if (const auto base = ext4_base()) {
			dir_ = std::make_unique<TempDir>(0755, *base);
		}
		if (dir_) {
			path_ = real_path(dir_->path());
			fd_ = open(path_.c_str(), O_PATH | O_DIRECTORY);
		}
	}
	~Scratch()
	{
		if (fd_ >= 0)
			close(fd_);
		tmpfs_.reset();
	}
	Scratch(const Scratch &) = delete;
	Scratch &operator=(const Scratch &) = delete;

	bool usable() const { return fd_ >= 0; }
	const std::string &path() const { return path_; }
	std::string file(const std::string &name) const { return path_ + "/" + name; }
	int fd() const { return fd_; }

private:
	std::unique_ptr<TempDir> dir_;
	std::unique_ptr<Mount> tmpfs_;
	std::string path_;
	int fd_ = -1;
};

bool closed(int fd)
{
	return fd >= 0 && close(fd) == 0;
}

// Each way a regular file can be born: (directory, its fd, file name) -> ok.
using BirthFn = std::function<bool(const Scratch &, const std::string &)>;

bool tmpfile_linked(const Scratch &dir, const std::string &name, bool through_proc)
{
	const int fd = open(dir.path().c_str(), O_TMPFILE | O_WRONLY, 0644);
	if (fd < 0)
		return false;
	std::this_thread::sleep_for(20ms); // the age runs from here, not from the link
	const int linked =
		through_proc ? linkat(AT_FDCWD, ("/proc/self/fd/" + std::to_string(fd)).c_str(),
				      AT_FDCWD, dir.file(name).c_str(), AT_SYMLINK_FOLLOW)
			     : linkat(fd, "", dir.fd(), name.c_str(), AT_EMPTY_PATH);
	return closed(fd) && linked == 0;
}

const std::vector<std::pair<std::string, BirthFn>> &births()
{
	static const std::vector<std::pair<std::string, BirthFn>> all = {
		{"open",
		 [](const Scratch &d, const std::string &n) {
			 return closed(open(d.file(n).c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644));
		 }},
		{"openat",
		 [](const Scratch &d, const std::string &n) {
			 return closed(openat(d.fd(), n.c_str(), O_CREAT | O_WRONLY, 0644));
		 }},
		{"openat2",
		 [](const Scratch &d, const std::string &n) {
			 open_how how{};
			 how.flags = O_CREAT | O_WRONLY;
			 how.mode = 0644;
			 return closed(static_cast<int>(
				 syscall(SYS_openat2, d.fd(), n.c_str(), &how, sizeof(how))));
		 }},
		{"creat",
		 [](const Scratch &d, const std::string &n) {
			 return closed(creat(d.file(n).c_str(), 0644));
		 }},
		{"mknod",
		 [](const Scratch &d, const std::string &n) {
			 return mknod(d.file(n).c_str(), S_IFREG | 0644, 0) == 0;
		 }},
		{"mknodat",
		 [](const Scratch &d, const std::string &n) {
			 return mknodat(d.fd(), n.c_str(), 0644, 0) == 0; // type 0 means regular
		 }},
		{"tmpfile-linkat",
		 [](const Scratch &d, const std::string &n) {
			 return tmpfile_linked(d, n, false);
		 }},
		{"tmpfile-proc",
		 [](const Scratch &d, const std::string &n) { return tmpfile_linked(d, n, true); }},
	};
	return all;
}

struct Traced {
	std::vector<json> events; // deaths, in order
	std::map<std::string, uint64_t> summary;
	std::string output;
};

// Traces while `work` runs in this process; every line, summary apart.
Traced trace_with(std::vector<std::string> args, const std::function<void(Tracer &)> &work,
		  const std::vector<Workload *> &children = {})
{
	args.insert(args.begin(), "--json");
	Tracer tracer("filelife", args);
	if (!tracer.attached())
		throw std::runtime_error("not attached: " + tracer.process().err());
	for (Workload *child : children)
		child->go();
	work(tracer);
	for (Workload *child : children)
		if (child->wait() != 0)
			throw std::runtime_error("a workload failed");
	const Finished done = tracer.stop();
	Traced run;
	run.output = done.out + done.err;
	if (done.status != 0)
		throw std::runtime_error("filelife failed: " + run.output);
	const std::vector<json> lines = json_lines(done.out);
	const json *summary = summary_of(lines);
	if (!summary)
		throw std::runtime_error("no summary: " + run.output);
	for (const auto &[key, value] : summary->items())
		if (value.is_number_unsigned())
			run.summary[key] = value.get<uint64_t>();
	run.events = events_of(lines);
	return run;
}

Traced trace(std::vector<std::string> args, const std::function<void()> &work,
	     const std::vector<Workload *> &children = {})
{
	return trace_with(
		std::move(args), [&](Tracer &) { work(); }, children);
}

std::vector<json> under(const std::vector<json> &events, const std::string &dir)
{
	std::vector<json> found;
	for (const json &event : events)
		if (event["file"].get<std::string>().rfind(dir + "/", 0) == 0)
			found.push_back(event);
	return found;
}

std::vector<std::string> files_of(const Traced &run, const std::string &dir)
{
	std::vector<std::string> files;
	for (const json &event : under(run.events, dir))
		files.push_back(event["file"]);
	return files;
}

// Nothing lost, missed or ended unseen but for the kernel's skipped runs (an
// unlink whose run was skipped leaves its life open until exit, unseen). The
// unresolved counts are left out: a tracer that sees the whole machine also
// counts other processes' names (a directory removed before its unlinks were
// read), which ended no life it knew; tests that trace their own process
// only check them too.
void expect_clean(const Traced &run)
{
	for (const char *count : {"lost", "births_lost", "table_full", "unseen", "never_named",
				  "fixed_file_opens", "cq_overflows", "missed", "skipped"})
		ASSERT_TRUE(run.summary.contains(count)) << count << "\n" << run.output;
	for (const char *count : {"lost", "births_lost", "table_full", "never_named",
				  "fixed_file_opens", "cq_overflows", "missed"})
		EXPECT_EQ(run.summary.at(count), 0U) << count << "\n" << run.output;
	EXPECT_LE(run.summary.at("unseen"), run.summary.at("skipped")) << run.output;
}

void expect_every_name_resolved(const Traced &run)
{
	for (const char *count : {"unresolved_long", "unresolved_dir"})
		EXPECT_EQ(run.summary.at(count), 0U) << count << "\n" << run.output;
}

// Exactly `expected`, in order; where the kernel skipped runs of filelife's
// programs (preemptible kernels skip one still active on the CPU, and say
// so), an ordered subset with no more missing than skipped.
void expect_reported(const std::vector<std::string> &got, const std::vector<std::string> &expected,
		     const Traced &run)
{
	const uint64_t skipped = run.summary.contains("skipped") ? run.summary.at("skipped") : 0;
	if (skipped == 0) {
		EXPECT_EQ(got, expected) << run.output;
		return;
	}
	auto next = expected.begin();
	for (const std::string &file : got) {
		next = std::find(next, expected.end(), file);
		ASSERT_NE(next, expected.end()) << file << " out of order, twice or wrong\n"
						<< run.output;
		++next;
	}
	EXPECT_GE(got.size() + skipped, expected.size()) << run.output;
}

std::vector<std::string> backend_args(const std::string &backend)
{
	if (backend == "auto")
		return {};
	const std::string why_not = supported_backends("filelife").at(backend);
	if (!why_not.empty())
		return {"SKIP", why_not};
	return {"--backend", backend};
}

// Whether the backend (auto: the one `fsbpf features` says it picks) sees system calls.
bool sees_system_calls(const std::string &backend)
{
	const std::string used =
		backend == "auto"
			? features_report()["tools"]["filelife"]["pick"].get<std::string>()
			: backend;
	return used == "tp_btf" || used == "tracepoint";
}

// A device as filelife prints it: major:minor.
std::string device_text(dev_t dev)
{
	return std::to_string(major(dev)) + ":" + std::to_string(minor(dev));
}

using Case = std::tuple<std::string, std::string>; // backend, file system

class FileLifeBackend : public testing::TestWithParam<Case> {
protected:
	// Skips when this kernel or machine cannot run the case.
	std::vector<std::string> setup_args()
	{
		const auto &[backend, fs] = GetParam();
		std::vector<std::string> args = backend_args(backend);
		if (!args.empty() && args[0] == "SKIP") {
			skip_ = "filelife's " + backend + " backend cannot work here: " + args[1];
			return {};
		}
		scratch_ = std::make_unique<Scratch>(fs);
		if (!scratch_->usable())
			skip_ = "no " + fs + " directory here";
		// This process does the work: its counters are then its own.
		args.insert(args.end(), {"--full-path", "-p", std::to_string(getpid())});
		return args;
	}

	std::string skip_;
	std::unique_ptr<Scratch> scratch_;
};

struct Life {
	uint64_t created_from = 0, created_to = 0;
	uint64_t deleted_from = 0, deleted_to = 0;
	ino_t ino = 0;
	dev_t dev = 0;
};

// Every way of being born, each with a short and a long life; then checks
// each reported age against the times measured around the system calls.
TEST_P(FileLifeBackend, ReportsEveryBirthWithItsAge)
{
	std::vector<std::string> args = setup_args();
	if (!skip_.empty())
		GTEST_SKIP() << skip_;
	const Scratch &dir = *scratch_;
	const std::vector<std::pair<std::string, double>> ages = {{"short", 0.2}, {"long", 1.5}};
	ASSERT_TRUE(closed(open(dir.file("before").c_str(), O_CREAT | O_WRONLY, 0644)));
	std::map<std::string, Life> lives;

	const Traced run = trace(args, [&] {
		// An existing file opened with O_CREAT is no birth, and its end no death.
		if (!closed(open(dir.file("before").c_str(), O_CREAT | O_WRONLY, 0644)) ||
		    unlink(dir.file("before").c_str()) != 0)
			throw std::runtime_error("the existing file");
		// Each age group is born, then each file removed its age after its own birth,
		// so a slow machine shifts the schedule but not the ages.
		for (const auto &[label, age] : ages) {
			for (const auto &[how, born] : births()) {
				Life &life = lives[how + "-" + label];
				life.created_from = monotonic_ns();
				if (!born(dir, how + "-" + label))
					throw std::runtime_error(how +
								 " failed: " + strerror(errno));
				life.created_to = monotonic_ns();
				struct stat st {};
				stat(dir.file(how + "-" + label).c_str(), &st);
				life.ino = st.st_ino;
				life.dev = st.st_dev;
			}
			bool relative = false;
			for (const auto &[how, _] : births()) {
				Life &life = lives[how + "-" + label];
				const std::string name = how + "-" + label;
				const uint64_t due =
					life.created_to + static_cast<uint64_t>(age * 1e9);
				if (due > monotonic_ns())
					std::this_thread::sleep_for(
						std::chrono::nanoseconds(due - monotonic_ns()));
				life.deleted_from = monotonic_ns();
				relative = !relative; // both unlink and unlinkat
				const int err = relative ? unlinkat(dir.fd(), name.c_str(), 0)
							 : unlink(dir.file(name).c_str());
				life.deleted_to = monotonic_ns();
				if (err)
					throw std::runtime_error("unlink " + name);
			}
		}
	});
	expect_clean(run);
	expect_every_name_resolved(run);
	// mknod returns no descriptor: the system-call views find its file among
	// the directory's children, which a name with slashes does not give.
	const bool by_calls = sees_system_calls(std::get<0>(GetParam()));
	const auto unidentified = [&](const std::string &name) {
		return by_calls && name.starts_with("mknod-");
	};
	const std::vector<json> events = under(run.events, dir.path());
	std::vector<std::string> expected_files;
	for (const auto &[label, _] : ages)
		for (const auto &[how, __] : births())
			expected_files.push_back(dir.file(how + "-" + label));
	expect_reported(files_of(run, dir.path()), expected_files, run);
	for (const auto &[name, life] : lives) {
		SCOPED_TRACE(name);
		std::vector<json> found;
		for (const json &event : events)
			if (event["file"] == dir.file(name))
				found.push_back(event);
		if (found.empty())
			continue; // skipped, as expect_reported allowed
		ASSERT_EQ(found.size(), 1U) << run.output;
		const json &event = found[0];
		const double age = event["age_s"].get<double>();
		EXPECT_GE(age,
			  static_cast<double>(life.deleted_from - life.created_to) / 1e9 - 1e-6);
		EXPECT_LE(age,
			  static_cast<double>(life.deleted_to - life.created_from) / 1e9 + 1e-6);
		EXPECT_EQ(event["pid"], getpid());
		EXPECT_EQ(event["creator_pid"], getpid());
		if (unidentified(name)) {
			EXPECT_EQ(event["ino"], 0U);
			EXPECT_EQ(event["dev"], "");
		} else {
			EXPECT_EQ(event["ino"], life.ino);
			EXPECT_EQ(event["dev"], device_text(life.dev));
		}
		EXPECT_EQ(event["created_as"], "");
	}
}

// Renames keep a file's identity; a rename over a file ends it; a second
// hard link is no death; failed unlinks report nothing.
TEST_P(FileLifeBackend, FollowsRenamesLinksAndFailures)
{
	std::vector<std::string> args = setup_args();
	if (!skip_.empty())
		GTEST_SKIP() << skip_;
	const Scratch &dir = *scratch_;
	const auto create = [&](const std::string &name) {
		if (!closed(open(dir.file(name).c_str(), O_CREAT | O_WRONLY, 0644)))
			throw std::runtime_error("create " + name);
	};
	const auto must = [](bool ok, const std::string &what) {
		if (!ok)
			throw std::runtime_error(what + ": " + strerror(errno));
	};
	ASSERT_EQ(mkdir(dir.file("sub").c_str(), 0755), 0);

	const Traced run = trace(args, [&] {
		create("first");
		must(rename(dir.file("first").c_str(), dir.file("sub/moved").c_str()) == 0,
		     "rename");
		must(unlink(dir.file("sub/moved").c_str()) == 0, "unlink moved");

		create("victim");
		create("usurper");
		must(renameat(dir.fd(), "usurper", dir.fd(), "victim") == 0, "rename over");
		must(unlink(dir.file("victim").c_str()) == 0, "unlink usurper");

		create("linked");
		must(link(dir.file("linked").c_str(), dir.file("second-link").c_str()) == 0,
		     "link");
		must(unlink(dir.file("second-link").c_str()) == 0, "unlink second link");
		must(unlink(dir.file("linked").c_str()) == 0, "unlink last link");

		create("left");
		create("right");
		must(syscall(SYS_renameat2, dir.fd(), "left", dir.fd(), "right", RENAME_EXCHANGE) ==
			     0,
		     "exchange");
		must(unlink(dir.file("left").c_str()) == 0, "unlink left");

		create("survivor");
		must(unlink(dir.file("absent").c_str()) != 0 && errno == ENOENT, "ENOENT");
		must(unlink(dir.file("sub").c_str()) != 0, "unlink of a directory");
		must(unlinkat(dir.fd(), "survivor", AT_REMOVEDIR) != 0 && errno == ENOTDIR,
		     "ENOTDIR");
	});
	expect_clean(run);
	expect_every_name_resolved(run);
	const std::vector<json> events = under(run.events, dir.path());
	const std::vector<std::pair<std::string, std::string>> expected = {
		{dir.file("sub/moved"), dir.file("first")}, {dir.file("victim"), ""},
		{dir.file("victim"), dir.file("usurper")},  {dir.file("linked"), ""},
		{dir.file("left"), dir.file("right")},
	};
	std::vector<std::string> expected_files, got_files;
	for (const auto &[file, created_as] : expected)
		expected_files.push_back(file + " created as " + created_as);
	for (const json &event : events) {
		got_files.push_back(event["file"].get<std::string>() + " created as " +
				    event["created_as"].get<std::string>());
		EXPECT_EQ(event["pid"], getpid());
	}
	expect_reported(got_files, expected_files, run);
}

// A ring of `entries` for a test of backend, or null and the reason it cannot run here.
std::unique_ptr<Uring> uring_for(const std::string &backend, std::string &why_not,
				 unsigned entries = 8)
{
	// The vfs views always see io_uring's requests; the system-call views
	// where the completion tracepoint passes the request.
	if (sees_system_calls(backend) && !(why_not = why_uring_untraced()).empty())
		return nullptr;
	try {
		return std::make_unique<Uring>(entries);
	} catch (const std::system_error &e) {
		why_not = std::string("no io_uring here: ") + e.what();
		return nullptr;
	}
}

// io_uring's OPENAT, RENAMEAT, LINKAT and UNLINKAT run the same vfs
// functions as the system calls, in the submitter or in one of its io-wq
// worker threads, which share its PID: the vfs views see those lives whole.
// The system-call views read the names at submission and apply them at a
// successful completion.
TEST_P(FileLifeBackend, SeesTheLivesIoUringCreatesAndEnds)
{
	std::vector<std::string> args = setup_args();
	if (!skip_.empty())
		GTEST_SKIP() << skip_;
	std::string why_not;
	const std::unique_ptr<Uring> ring = uring_for(std::get<0>(GetParam()), why_not);
	if (!ring)
		GTEST_SKIP() << why_not;
	for (const auto &[opcode, name] : {std::pair{IORING_OP_OPENAT, "OPENAT"},
					   {IORING_OP_RENAMEAT, "RENAMEAT"},
					   {IORING_OP_UNLINKAT, "UNLINKAT"}})
		if (!ring->supports(opcode))
			GTEST_SKIP() << "this kernel's io_uring has no " << name;
	const bool links = ring->supports(IORING_OP_LINKAT);
	const Scratch &dir = *scratch_;
	const auto create = [&](const std::string &name) {
		const int fd = ring->openat(dir.fd(), name, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0 || close(fd) != 0)
			throw std::runtime_error("io_uring openat " + name + ": " + strerror(-fd));
	};
	const auto must = [](int result, const std::string &what) {
		if (result != 0)
			throw std::runtime_error("io_uring " + what + ": " + strerror(-result));
	};

	const Traced run = trace(args, [&] {
		create("ring-a");
		create("ring-b");
		create("ring-v");
		must(ring->renameat(dir.fd(), "ring-b", "ring-c"), "renameat");
		if (links) { // a second name, then the first goes: no death
			must(ring->linkat(dir.fd(), "ring-c", "ring-d"), "linkat");
			must(ring->unlinkat(dir.fd(), "ring-c"), "unlinkat ring-c");
		}
		must(ring->renameat(dir.fd(), "ring-a", "ring-v"), "renameat over ring-v");
		if (ring->unlinkat(dir.fd(), "ring-absent") != -ENOENT)
			throw std::runtime_error("io_uring unlinkat of no file did not fail");
		must(ring->unlinkat(dir.fd(), "ring-v"), "unlinkat ring-v");
		must(ring->unlinkat(dir.fd(), links ? "ring-d" : "ring-c"), "unlinkat the last");
	});
	expect_clean(run);
	expect_every_name_resolved(run);
	std::vector<std::string> got;
	for (const json &event : under(run.events, dir.path())) {
		got.push_back(event["file"].get<std::string>() + " created as " +
			      event["created_as"].get<std::string>());
		EXPECT_EQ(event["pid"], getpid());
		EXPECT_EQ(event["creator_pid"], getpid());
	}
	expect_reported(
		got,
		{dir.file("ring-v") + " created as ",
		 dir.file("ring-v") + " created as " + dir.file("ring-a"),
		 dir.file(links ? "ring-d" : "ring-c") + " created as " + dir.file("ring-b")},
		run);
}

// An open into a fixed file slot returns no descriptor: the system-call
// views cannot find its file, and count the open; the vfs views see it.
TEST_P(FileLifeBackend, CountsWhatIoUringCreatesInAFixedFileSlot)
{
	std::vector<std::string> args = setup_args();
	if (!skip_.empty())
		GTEST_SKIP() << skip_;
	const std::string backend = std::get<0>(GetParam());
	std::string why_not;
	const std::unique_ptr<Uring> ring = uring_for(backend, why_not);
	if (!ring)
		GTEST_SKIP() << why_not;
	if (!ring->supports(IORING_OP_OPENAT) || !ring->has_file_slots())
		GTEST_SKIP() << "this kernel's io_uring cannot open into a fixed file slot";
	const Scratch &dir = *scratch_;

	const Traced run = trace(args, [&] {
		const int result =
			ring->openat_slot(dir.fd(), "slotted", O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (result != 0)
			throw std::runtime_error("io_uring openat into a slot: " +
						 std::string(strerror(-result)));
		if (unlinkat(dir.fd(), "slotted", 0) != 0)
			throw std::system_error(errno, std::generic_category(), "unlink slotted");
	});
	const bool by_calls = sees_system_calls(backend);
	EXPECT_EQ(run.summary.at("fixed_file_opens"), by_calls ? 1U : 0U) << run.output;
	EXPECT_EQ(files_of(run, dir.path()).size(), by_calls ? 0U : 1U) << run.output;
}

// Completions that find the application's completion queue full are held
// back without naming their request: the system-call views count them in
// cq_overflows, so each file is reported or counted; the vfs views see all.
TEST_P(FileLifeBackend, AccountsForOpensIoUringHoldsBack)
{
	std::vector<std::string> args = setup_args();
	if (!skip_.empty())
		GTEST_SKIP() << skip_;
	const std::string backend = std::get<0>(GetParam());
	constexpr unsigned kQueue = 8;
	constexpr unsigned kFiles = 12;
	std::string why_not;
	const std::unique_ptr<Uring> ring = uring_for(backend, why_not, kQueue);
	if (!ring)
		GTEST_SKIP() << why_not;
	if (!ring->supports(IORING_OP_OPENAT))
		GTEST_SKIP() << "this kernel's io_uring has no OPENAT";
	const Scratch &dir = *scratch_;

	const Traced run = trace(args, [&] {
		for (unsigned i = 0; i < kFiles; i++) {
			if (i == kQueue)
				ring->submit(); // a queue's worth: these fit the completion queue
			ring->queue_openat(dir.fd(), "held-" + std::to_string(i),
					   O_CREAT | O_EXCL | O_WRONLY, 0644);
		}
		ring->submit();
		ring->await_overflow();
		for (const int fd : ring->results(kFiles))
			if (fd < 0 || close(fd) != 0)
				throw std::runtime_error("io_uring openat: " +
							 std::string(strerror(-fd)));
		for (unsigned i = 0; i < kFiles; i++)
			if (unlinkat(dir.fd(), ("held-" + std::to_string(i)).c_str(), 0) != 0)
				throw std::system_error(errno, std::generic_category(), "unlink");
	});
	const uint64_t held_back = run.summary.at("cq_overflows");
	const uint64_t reported = files_of(run, dir.path()).size();
	if (sees_system_calls(backend))
		EXPECT_GE(held_back, 1U) << run.output;
	else
		EXPECT_EQ(held_back, 0U) << run.output;
	// Every file reported or counted. Twelve io-wq workers in do_filp_open at
	// once can also make the kernel skip a run of a program still active on
	// the CPU (7.2's fexit did, 4 of 12), or a kretprobe drop returns beyond
	// its maxactive: `skipped` bounds the births hidden either way.
	EXPECT_LE(reported + held_back, kFiles) << run.output;
	EXPECT_GE(reported + held_back + run.summary.at("skipped"), kFiles) << run.output;
}

INSTANTIATE_TEST_SUITE_P(Backends, FileLifeBackend,
			 testing::Combine(testing::Values("auto", "fentry", "kprobe", "tracepoint",
							  "tp_btf"),
					  testing::Values("ext4", "tmpfs")),
			 [](const testing::TestParamInfo<Case> &info) {
				 return std::get<0>(info.param) + "_" + std::get<1>(info.param);
			 });

// One file created and deleted by a child named comm, after `age`.
Workload short_life(const std::string &comm, const std::string &path, double age = 0)
{
	return Workload(comm, [path, age] {
		if (!closed(open(path.c_str(), O_CREAT | O_WRONLY, 0644)))
			_exit(20);
		std::this_thread::sleep_for(std::chrono::duration<double>(age));
		if (unlink(path.c_str()) != 0)
			_exit(21);
	});
}

TEST(FileLifeFilter, PidAndCommTraceOnlyThatProcess)
{
	TempDir tmp;
	const std::string dir = real_path(tmp.path());
	Workload first = short_life("fsbpf-fl-one", dir + "/one");
	Workload second = short_life("fsbpf-fl-two", dir + "/two");
	Traced run =
		trace({"--full-path", "-p", std::to_string(first.pid())}, [] {}, {&first, &second});
	expect_reported(files_of(run, dir), {dir + "/one"}, run);

	Workload third = short_life("fsbpf-fl-one", dir + "/three");
	Workload fourth = short_life("fsbpf-fl-two", dir + "/four");
	run = trace({"--full-path", "-c", "fsbpf-fl-two"}, [] {}, {&third, &fourth});
	expect_reported(files_of(run, dir), {dir + "/four"}, run);
	for (const json &event : under(run.events, dir)) {
		EXPECT_EQ(event["comm"], "fsbpf-fl-two");
		EXPECT_EQ(event["pid"], fourth.pid());
	}
}

TEST(FileLifeFilter, MinAndMaxAge)
{
	TempDir tmp;
	const std::string dir = real_path(tmp.path());
	Workload young = short_life("fsbpf-fl-age", dir + "/young", 0.05);
	Workload old = short_life("fsbpf-fl-age", dir + "/old", 0.6);
	Traced run = trace({"--full-path", "--min-age", "0.4"}, [] {}, {&young, &old});
	expect_reported(files_of(run, dir), {dir + "/old"}, run);

	Workload young2 = short_life("fsbpf-fl-age", dir + "/young", 0.05);
	Workload old2 = short_life("fsbpf-fl-age", dir + "/old", 0.6);
	run = trace({"--full-path", "--max-age", "0.4"}, [] {}, {&young2, &old2});
	expect_reported(files_of(run, dir), {dir + "/young"}, run);
}

TEST(FileLifeFilter, MinAgeAboveMaxAgeIsAUsageError)
{
	const Finished done =
		run({fsbpf_binary(), "filelife", "--min-age", "10", "--max-age", "1"});
	EXPECT_EQ(done.status, 2);
	EXPECT_EQ(done.err, "fsbpf: filelife: --min-age must not be more than --max-age\n");
}

TEST(FileLifeOutput, FullPathFollowsABindMount)
{
	TempDir tmp;
	ASSERT_EQ(mkdir(tmp.file("source").c_str(), 0755), 0);
	ASSERT_EQ(mkdir(tmp.file("view").c_str(), 0755), 0);
	const Mount bind(tmp.file("source"), tmp.file("view"));
	const std::string view = real_path(tmp.file("view"));
	Workload child = short_life("fsbpf-fl-bind", view + "/through-bind");
	const Traced run =
		trace({"--full-path", "-p", std::to_string(child.pid())}, [] {}, {&child});
	expect_clean(run);
	expect_reported(files_of(run, view), {view + "/through-bind"}, run);
}

TEST(FileLifeOutput, TableShowsTheFileNameAndAgeInMilliseconds)
{
	TempDir tmp;
	Workload child = short_life("fsbpf-fl-table", tmp.file("named-file"), 0.25);
	Tracer tracer("filelife", {"-p", std::to_string(child.pid())});
	ASSERT_TRUE(tracer.attached()) << tracer.process().err();
	child.go();
	ASSERT_EQ(child.wait(), 0);
	const Finished done = tracer.stop();
	ASSERT_EQ(done.status, 0) << done.err;
	EXPECT_NE(done.out.find("TIME         PID COMM                AGE(s) FILE"),
		  std::string::npos)
		<< done.out;
	const std::regex row(R"(\n[0-9]{2}:[0-9]{2}:[0-9]{2} +)" + std::to_string(child.pid()) +
			     R"( fsbpf-fl-table +0\.2[5-9][0-9] named-file\n)");
	EXPECT_TRUE(std::regex_search(done.out, row)) << done.out;
}

// ---- Real programs, and the accounting invariant ----

// The rows of files whose path ends in `suffix`.
std::vector<json> rows_ending(const Traced &run, const std::string &suffix)
{
	std::vector<json> found;
	for (const json &event : run.events) {
		const std::string file = event["file"];
		if (file.size() >= suffix.size() &&
		    file.compare(file.size() - suffix.size(), suffix.size(), suffix) == 0)
			found.push_back(event);
	}
	return found;
}

uint64_t counted(const Traced &run)
{
	uint64_t sum = 0;
	for (const char *count : {"births_lost", "table_full", "unseen", "never_named"})
		sum += run.summary.at(count);
	return sum;
}

// Every file born is one row or one count, never neither and never both. A
// program run the kernel skipped (preemptible kernels) can hide a birth, and
// tp_btf's count includes runs on unrelated calls: the sum may fall short by
// no more than that.
void expect_count(uint64_t got, uint64_t expected, const Traced &run)
{
	EXPECT_LE(got, expected) << run.output;
	EXPECT_GE(got + run.summary.at("skipped"), expected) << run.output;
}

void expect_accounted(size_t rows, size_t born, const Traced &run)
{
	expect_count(rows + counted(run), born, run);
}

void shell(const std::string &script)
{
	const Finished done = fsbpf::test::run({"sh", "-c", script}, {}, std::chrono::seconds(120));
	if (done.status != 0)
		throw std::runtime_error(script + " failed: " + done.out + done.err);
}

// Each case on every backend this kernel offers.
class FileLifeOnBackend : public testing::TestWithParam<std::string> {
protected:
	// Adds the backend to args; false (see skip_) when it cannot work here.
	bool usable(std::vector<std::string> &args)
	{
		const std::vector<std::string> backend = backend_args(GetParam());
		if (!backend.empty() && backend[0] == "SKIP") {
			skip_ = "filelife's " + GetParam() +
				" backend cannot work here: " + backend[1];
			return false;
		}
		args.insert(args.end(), backend.begin(), backend.end());
		return true;
	}

	std::string skip_;
};

class FileLifeAccounting : public FileLifeOnBackend {};
class FileLifeRealPrograms : public FileLifeOnBackend {};

// One death unseen (a path too long to read) must not hide the files that
// later get the same inode number: ext4 hands a freed number out at once.
TEST_P(FileLifeAccounting, AnUnresolvedDeathDoesNotHideTheFilesOnItsInode)
{
	TempDir tmp;
	std::string dir = real_path(tmp.path());
	while (dir.size() < 1100) {
		dir += "/" + std::string(200, 'd');
		ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
	}
	const int dirfd = open(dir.c_str(), O_PATH | O_DIRECTORY);
	ASSERT_GE(dirfd, 0);
	std::vector<std::string> args = {"-p", std::to_string(getpid())};
	if (!usable(args))
		GTEST_SKIP() << skip_;
	const Traced run = trace(args, [&] {
		if (!closed(openat(dirfd, "victim", O_CREAT | O_WRONLY, 0644)) ||
		    unlink((dir + "/victim").c_str()) != 0)
			throw std::runtime_error("victim");
		for (int i = 0; i < 1000; i++) {
			const std::string name = "f" + std::to_string(i);
			if (!closed(openat(dirfd, name.c_str(), O_CREAT | O_WRONLY, 0644)) ||
			    unlinkat(dirfd, name.c_str(), 0) != 0)
				throw std::runtime_error(name);
		}
	});
	close(dirfd);
	size_t rows = 0, victim_rows = 0;
	for (const json &event : run.events) {
		const std::string file = event["file"];
		rows += file.starts_with("f") && event["pid"] == getpid();
		victim_rows += file == "victim";
	}
	expect_count(rows, 1000, run);
	// The vfs views see the victim's dentry; the system-call views cannot read its name.
	expect_count(victim_rows + run.summary.at("unresolved_long"), 1, run);
	// The unread death is the one unseen life, unless a skipped run hid another.
	if (run.summary.at("skipped") == 0) {
		EXPECT_EQ(run.summary.at("unseen"), run.summary.at("unresolved_long"))
			<< run.output;
	}
	expect_accounted(rows + victim_rows, 1001, run);
}

// git's lock files and loose objects, then gc --prune=now, which unlinks
// .git/objects/xx/HASH and removes each xx/ right after.
TEST_P(FileLifeRealPrograms, GitGcReportsEveryLooseObject)
{
	TempDir tmp;
	const std::string repo = real_path(tmp.path()) + "/repo";
	std::vector<std::string> objects;
	std::vector<std::string> args = {"--full-path"};
	if (!usable(args))
		GTEST_SKIP() << skip_;
	const Traced run = trace(args, [&] {
		shell("git init -q " + repo + " && cd " + repo +
		      " && for i in 1 2 3 4 5; do echo $i > f$i && git add f$i &&"
		      " git -c user.email=t@t -c user.name=t commit -qm $i; done");
		const Finished found = fsbpf::test::run(
			{"sh", "-c", "cd " + repo + " && find .git/objects/?? -type f"});
		std::istringstream in(found.out);
		for (std::string line; std::getline(in, line);)
			objects.push_back(repo + "/" + line);
		shell("cd " + repo + " && git gc -q --prune=now");
	});
	ASSERT_EQ(objects.size(), 15U); // 5 blobs, 5 trees, 5 commits
	for (const std::string &object : objects) {
		const std::vector<json> rows = rows_ending(run, object);
		ASSERT_EQ(rows.size(), 1U) << object << "\n" << run.output;
		EXPECT_EQ(rows[0]["comm"], "git");
		EXPECT_EQ(rows[0]["creator_comm"], "git");
	}
	expect_clean(run);
}

// tar unlinks a file it is about to extract again; rm -r follows at once.
TEST_P(FileLifeRealPrograms, TarOverAnExistingFileThenRmRightAway)
{
	TempDir tmp;
	const std::string dir = real_path(tmp.path());
	shell("cd " + dir + " && mkdir B && echo old > B/t1 && tar cf B.tar B && rm B/t1");
	std::vector<std::string> args = {"--full-path"};
	if (!usable(args))
		GTEST_SKIP() << skip_;
	const Traced run = trace(args, [&] {
		shell("cd " + dir + " && echo mine > B/t1 && tar xf B.tar && rm -r B");
	});
	const std::vector<json> rows = rows_ending(run, dir + "/B/t1");
	ASSERT_EQ(rows.size(), 2U) << run.output;
	EXPECT_EQ(rows[0]["comm"], "tar");
	EXPECT_EQ(rows[0]["creator_comm"], "sh");
	EXPECT_EQ(rows[1]["comm"], "rm");
	EXPECT_EQ(rows[1]["creator_comm"], "tar");
	expect_clean(run);
}

// Python's TemporaryFile is an O_TMPFILE that is never linked; the
// NamedTemporaryFile after it often gets its inode number.
TEST_P(FileLifeRealPrograms, PythonTemporaryFilesOnOneInode)
{
	TempDir tmp;
	const std::string dir = real_path(tmp.path());
	std::vector<std::string> args = {"--full-path"};
	if (!usable(args))
		GTEST_SKIP() << skip_;
	const Traced run = trace(args, [&] {
		shell("python3 -c 'import tempfile\n"
		      "with tempfile.TemporaryFile(dir=\"" +
		      dir +
		      "\") as f: f.write(b\"x\")\n"
		      "with tempfile.NamedTemporaryFile(dir=\"" +
		      dir +
		      "\", prefix=\"named\") as f:"
		      " f.write(b\"y\")'");
	});
	const std::vector<json> rows = under(run.events, dir);
	ASSERT_EQ(rows.size(), 1U) << run.output;
	EXPECT_TRUE(rows[0]["file"].get<std::string>().starts_with(dir + "/named"));
	EXPECT_EQ(rows[0]["comm"], "python3");
	EXPECT_EQ(run.summary.at("unseen"), 0U) << run.output;
	EXPECT_LE(run.summary.at("never_named"), 1U) << run.output;
}

// sed -i writes a temporary file and renames it over the original; sort
// spills to temporary files under -T; sqlite3's DELETE journal lives one
// transaction. Truth: strace of the same run.
TEST_P(FileLifeRealPrograms, SedSortAndSqliteTemporaryFiles)
{
	std::vector<std::string> args = {"--full-path"};
	if (!usable(args))
		GTEST_SKIP() << skip_;
	TempDir tmp;
	const std::string dir = real_path(tmp.path());
	shell("cd " + dir + " && seq 1 200000 | sort -R > in.txt && echo a > s.txt && mkdir spill");
	const Traced run = trace(args, [&] {
		shell("cd " + dir +
		      " && sed -i s/a/b/ s.txt && sed -i s/b/c/ s.txt"
		      " && sort -S 64k -T spill in.txt > sorted.txt"
		      " && sqlite3 db 'PRAGMA journal_mode=DELETE; CREATE TABLE t(x);"
		      " BEGIN; INSERT INTO t VALUES(1); COMMIT; BEGIN; INSERT INTO t VALUES(2); "
		      "COMMIT;'"
		      " > /dev/null");
	});
	// The second sed -i renames its file over the one the first made.
	const std::vector<json> sed_rows = rows_ending(run, dir + "/s.txt");
	ASSERT_EQ(sed_rows.size(), 1U) << run.output;
	EXPECT_EQ(sed_rows[0]["comm"], "sed");
	EXPECT_EQ(sed_rows[0]["creator_comm"], "sed");
	EXPECT_TRUE(sed_rows[0]["created_as"].get<std::string>().starts_with(dir + "/sed"));
	size_t spilled = 0;
	for (const json &event : under(run.events, dir + "/spill"))
		spilled += event["comm"] == "sort";
	EXPECT_GT(spilled, 1U) << run.output;
	EXPECT_EQ(rows_ending(run, dir + "/db-journal").size(), 3U) << run.output;
	expect_clean(run);
}

// A process in its own mount namespace on a private tmpfs: its paths are
// those it sees, and the row names its namespace.
TEST_P(FileLifeRealPrograms, FilesOfAnotherMountNamespace)
{
	TempDir tmp;
	const std::string dir = real_path(tmp.path());
	struct stat own {};
	ASSERT_EQ(stat("/proc/self/ns/mnt", &own), 0);
	std::vector<std::string> args = {"--full-path"};
	if (!usable(args))
		GTEST_SKIP() << skip_;
	const Traced run = trace(args, [&] {
		shell("unshare -m --propagation private sh -c 'mount -t tmpfs none " + dir +
		      " && for i in 1 2 3 4 5 6 7 8 9 10; do echo x > " + dir + "/f$i; rm " + dir +
		      "/f$i; done'");
	});
	const std::vector<json> rows = under(run.events, dir);
	ASSERT_EQ(rows.size(), 10U) << run.output;
	for (size_t i = 0; i < rows.size(); i++) {
		EXPECT_EQ(rows[i]["file"], dir + "/f" + std::to_string(i + 1));
		EXPECT_EQ(rows[i]["comm"], "rm");
		EXPECT_NE(rows[i]["mntns"], own.st_ino);
	}
	expect_clean(run);
}

// A small ring (some 300 records) loses events while its reader is stopped;
// every loss is counted, and the files after it are reported again.
TEST_P(FileLifeAccounting, ForcedLossesAreCountedAndDoNotPoisonWhatFollows)
{
	TempDir tmp;
	const std::string dir = real_path(tmp.path());
	const int dirfd = open(dir.c_str(), O_PATH | O_DIRECTORY);
	ASSERT_GE(dirfd, 0);
	const auto burst = [&](const std::string &prefix, int count) {
		for (int i = 0; i < count; i++) {
			const std::string name = prefix + std::to_string(i);
			if (!closed(openat(dirfd, name.c_str(), O_CREAT | O_WRONLY, 0644)) ||
			    unlinkat(dirfd, name.c_str(), 0) != 0)
				throw std::runtime_error(name);
		}
	};
	std::vector<std::string> args = {"--ring-size", "64", "-p", std::to_string(getpid())};
	if (!usable(args))
		GTEST_SKIP() << skip_;
	const Traced run = trace_with(args, [&](Tracer &tracer) {
		tracer.process().signal(SIGSTOP);
		burst("burst", 3000);
		tracer.process().signal(SIGCONT);
		std::this_thread::sleep_for(500ms); // the reader empties the ring
		for (int i = 0; i < 50; i++) {
			burst("after" + std::to_string(i) + "-", 1);
			std::this_thread::sleep_for(2ms);
		}
	});
	close(dirfd);
	size_t burst_rows = 0, after_rows = 0;
	for (const json &event : run.events) {
		const std::string file = event["file"];
		burst_rows += file.starts_with("burst");
		after_rows += file.starts_with("after");
	}
	EXPECT_GT(run.summary.at("births_lost"), 2000U) << run.output;
	expect_count(after_rows, 50, run);
	expect_accounted(burst_rows + after_rows, 3050, run);
}

// A file mknodat made and unlinked before filelife reads of it keeps the
// identity it had at the call: nothing is looked up later.
TEST_P(FileLifeAccounting, MknodatIdentityIsTheCallsWhenReadLate)
{
	TempDir tmp;
	const std::string dir = real_path(tmp.path());
	const int dirfd = open(dir.c_str(), O_PATH | O_DIRECTORY);
	ASSERT_GE(dirfd, 0);
	std::map<std::string, struct stat> made;
	std::vector<std::string> args = {"-p", std::to_string(getpid())};
	if (!usable(args))
		GTEST_SKIP() << skip_;
	const Traced run = trace_with(args, [&](Tracer &tracer) {
		tracer.process().signal(SIGSTOP);
		for (int i = 0; i < 20; i++) {
			const std::string name = "made" + std::to_string(i);
			struct stat &st = made[name];
			if (mknodat(dirfd, name.c_str(), S_IFREG | 0644, 0) != 0 ||
			    fstatat(dirfd, name.c_str(), &st, 0) != 0 ||
			    unlinkat(dirfd, name.c_str(), 0) != 0)
				throw std::runtime_error(name);
		}
		tracer.process().signal(SIGCONT);
	});
	close(dirfd);
	expect_clean(run);
	size_t rows = 0;
	for (const json &event : run.events) {
		const auto found = made.find(event["file"]);
		if (found == made.end())
			continue;
		SCOPED_TRACE(found->first);
		const struct stat &st = found->second;
		rows++;
		EXPECT_EQ(event["ino"], st.st_ino);
		EXPECT_EQ(event["dev"], device_text(st.st_dev));
	}
	expect_count(rows, made.size(), run);
}

const auto kBackendName = [](const testing::TestParamInfo<std::string> &info) {
	return info.param;
};
INSTANTIATE_TEST_SUITE_P(Backends, FileLifeAccounting,
			 testing::Values("fentry", "kprobe", "tp_btf", "tracepoint"), kBackendName);
INSTANTIATE_TEST_SUITE_P(Backends, FileLifeRealPrograms,
			 testing::Values("fentry", "kprobe", "tp_btf", "tracepoint"), kBackendName);

// ---- Containers: which cgroup and mount namespace, and filters on them ----

class FileLifeContainers : public testing::Test {
protected:
	void SetUp() override
	{
		if (cgroup2_root().empty())
			GTEST_SKIP() << "no cgroup2 file system is mounted";
	}
	// Traced while the workloads run one after the other.
	static Traced trace_in_turn(const std::vector<std::string> &args,
				    const std::vector<Workload *> &workloads)
	{
		return trace(args, [&] {
			for (Workload *workload : workloads) {
				workload->go();
				EXPECT_EQ(workload->wait(), 0);
			}
		});
	}
	TempDir tmp_;
	std::string dir_ = real_path(tmp_.path());
};

TEST_F(FileLifeContainers, CgroupFilterSeesTheContainersFilesOnly)
{
	const Cgroup parent("fsbpf-test-" + std::to_string(getpid()));
	const Cgroup container(docker_scope_name(kContainerId), &parent);
	Workload inside = short_life("fsbpf-flctr", dir_ + "/inside");
	Workload outside = short_life("fsbpf-flctr", dir_ + "/outside");
	container.enter(inside.pid());
	const Traced run =
		trace_in_turn({"--full-path", "--cgroup", parent.path()}, {&inside, &outside});
	expect_reported(files_of(run, dir_), {dir_ + "/inside"}, run);
	for (const json &event : under(run.events, dir_)) {
		EXPECT_EQ(event["cgroup"], container.path());
		EXPECT_EQ(event["cgroup_id"], container.id());
		EXPECT_EQ(event["container"], kShortContainerId);
		EXPECT_EQ(event["mntns"], mount_namespace(getpid()));
	}
	expect_clean(run);
}

// The same path in two mount namespaces, the inside one a private tmpfs:
// the filter keeps the inside file, named as its process sees it.
class FileLifeMountNamespaces : public FileLifeContainers,
				public testing::WithParamInterface<std::string> {};

TEST_P(FileLifeMountNamespaces, FilterSeesTheNamespacesFilesOnly)
{
	const std::string file = dir_ + "/same-name";
	const std::string dir = dir_;
	Workload inside(
		"fsbpf-flns",
		[&] {
			if (!closed(open(file.c_str(), O_CREAT | O_WRONLY, 0644)) ||
			    unlink(file.c_str()))
				_exit(20);
		},
		[&] { return enter_private_tmpfs(dir); });
	Workload outside = short_life("fsbpf-flns", file);
	const uint64_t inside_mntns = mount_namespace(inside.pid());
	ASSERT_NE(inside_mntns, mount_namespace(getpid()));
	std::vector<std::string> args = {"--full-path", "-c", "fsbpf-flns", GetParam()};
	if (GetParam() == "--mntns-of")
		args.push_back(std::to_string(inside.pid()));
	const Traced run = trace_in_turn(args, {&inside, &outside});
	expect_reported(files_of(run, dir_), {file}, run);
	for (const json &event : under(run.events, dir_)) {
		EXPECT_EQ(event["pid"], inside.pid());
		EXPECT_EQ(event["mntns"], inside_mntns);
	}
	expect_clean(run);
}

INSTANTIATE_TEST_SUITE_P(Filters, FileLifeMountNamespaces,
			 testing::Values("--mntns-of", "--containers-only"),
			 [](const testing::TestParamInfo<std::string> &info) {
				 return info.param == "--mntns-of" ? "mntns_of" : "containers_only";
			 });

} // namespace
} // namespace fsbpf::test
