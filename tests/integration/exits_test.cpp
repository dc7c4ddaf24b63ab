// SPDX-License-Identifier: GPL-2.0
// How every tool ends: by a stop signal, when its output fails or its reader
// goes, or at once when it starts without its standard streams; the exit
// status, the one line it says, and the counters it still reports.
#include "process.hpp"
#include "tracing.hpp"
#include "workload.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <regex>
#include <string>
#include <tuple>
#include <unistd.h>
#include <vector>

namespace fsbpf::test {
namespace {

using namespace std::chrono_literals;

// Each work gives its tool more rows than stdio buffers (4 KiB), so that a
// write fails while rows are being printed, not only when they are flushed.
constexpr int kRows = 200;

void fsyncs(const TempDir &dir)
{
	const int fd = open(dir.file("synced").c_str(), O_RDWR | O_CREAT, 0644);
	for (int i = 0; i < kRows; i++)
		fsync(fd);
	close(fd);
}

void short_lives(const TempDir &dir)
{
	for (int i = 0; i < kRows; i++) {
		const std::string path = dir.file("short" + std::to_string(i));
		close(open(path.c_str(), O_CREAT | O_WRONLY, 0644));
		unlink(path.c_str());
	}
}

void writes(const TempDir &dir)
{
	for (int i = 0; i < kRows; i++) {
		const int fd = open(dir.file("written" + std::to_string(i)).c_str(),
				    O_WRONLY | O_CREAT, 0644);
		if (write(fd, "x", 1) != 1)
			_exit(10);
		close(fd);
	}
}

// A tool, the counters it reports at exit, and work that gives it rows.
struct Tool {
	std::string name;
	std::vector<std::string> counters;
	void (*work)(const TempDir &);
	std::vector<std::string> args;
};

const std::array<Tool, 3> kTools = {{
	{"syncsnoop", {"lost", "missed", "skipped", "cq_overflows"}, fsyncs, {}},
	{"filelife",
	 {"births_lost", "table_full", "unseen", "never_named", "fixed_file_opens", "cq_overflows",
	  "lost", "unresolved_long", "unresolved_dir", "missed", "skipped"},
	 short_lives,
	 {}},
	{"filetop",
	 {"overflow", "lost", "missed", "skipped", "cq_overflows"},
	 writes,
	 {"--rows", "0"}},
}};

const Tool &tool_named(const std::string &name)
{
	for (const Tool &tool : kTools)
		if (tool.name == name)
			return tool;
	throw std::invalid_argument(name);
}

// `fsbpf TOOL FORMAT -p PID` with stdout as the shell redirection says ("":
// the pipe the test reads).
std::vector<std::string> command(const Tool &tool, const std::string &format, pid_t pid,
				 const std::string &redirect)
{
	std::vector<std::string> argv = {
		"sh",      "-c", "exec \"$@\" " + redirect, "sh", fsbpf_binary(),
		tool.name, "-p", std::to_string(pid)};
	if (format != "table")
		argv.push_back("--" + format);
	argv.insert(argv.end(), tool.args.begin(), tool.args.end());
	return argv;
}

struct Session {
	std::string redirect;      // of stdout
	bool close_reader = false; // of the stdout pipe, once attached
	int stop_signal = SIGTERM; // sent after the work
};

// The tool attached, its work done, then stopped (or already ended by itself).
Finished trace_work(const Tool &tool, const std::string &format, const Session &session)
{
	TempDir dir;
	Workload child("fsbpf-exits", [&] { tool.work(dir); });
	Process tracer(command(tool, format, child.pid(), session.redirect));
	if (!tracer.wait_for_stderr("Hit Ctrl-C to end", 60s))
		throw std::runtime_error("not attached: " + tracer.err());
	if (session.close_reader)
		tracer.close_stdout_reader();
	child.go();
	if (child.wait() != 0)
		throw std::runtime_error("the work failed");
	tracer.signal(session.stop_signal);
	auto done = tracer.finish(30s);
	if (!done)
		throw std::runtime_error("the tracer did not stop");
	return *done;
}

// What stderr holds: the ready line, the counters on one line (once, or
// per interval for filetop's records) and then `last`, nothing else.
std::regex stderr_with_counters(const Tool &tool, const std::string &format,
				const std::string &last = "")
{
	std::vector<std::string> names = tool.counters;
	if (tool.name == "filetop" && format != "table")
		names.insert(names.begin(), "interval_number");
	std::string counters = format == "csv" ? "# " : "";
	for (size_t i = 0; i < names.size(); i++)
		counters += (i ? " " : "") + names[i] + "=[0-9]+";
	return std::regex("Tracing[^\n]*Hit Ctrl-C to end\\.?\n(" + counters + "\n)+" + last);
}

using ToolAndFormat = std::tuple<std::string, std::string>;

class Exits : public testing::TestWithParam<ToolAndFormat> {
protected:
	const Tool &tool() const { return tool_named(std::get<0>(GetParam())); }
	const std::string &format() const { return std::get<1>(GetParam()); }
};

TEST_P(Exits, AFullOutputIsOneLineAndStatusOneWithTheCountersOnStderr)
{
	const Finished done = trace_work(tool(), format(), {">/dev/full"});
	EXPECT_EQ(done.status, 1) << done.err;
	EXPECT_TRUE(std::regex_match(
		done.err, stderr_with_counters(tool(), format(),
					       "fsbpf: write error: No space left on device\n")))
		<< done.err;
}

TEST_P(Exits, AStopEndsWithStatusZeroAndTheCountersOnStderr)
{
	const Finished done = trace_work(tool(), format(), {});
	EXPECT_EQ(done.status, 0) << done.err;
	EXPECT_TRUE(std::regex_match(done.err, stderr_with_counters(tool(), format()))) << done.err;
	if (format() == "json") {
		EXPECT_NE(summary_of(json_lines(done.out)), nullptr) << done.out;
	}
}

TEST_P(Exits, AReaderGoneIsAQuietEndWithTheCountersOnStderr)
{
	Session session;
	session.close_reader = true;
	const Finished done = trace_work(tool(), format(), session);
	EXPECT_EQ(done.status, 0) << done.err;
	EXPECT_TRUE(std::regex_match(done.err, stderr_with_counters(tool(), format()))) << done.err;
}

INSTANTIATE_TEST_SUITE_P(Tools, Exits,
			 testing::Combine(testing::Values("syncsnoop", "filelife", "filetop"),
					  testing::Values("table", "json", "csv")),
			 [](const testing::TestParamInfo<ToolAndFormat> &info) {
				 return std::get<0>(info.param) + "_" + std::get<1>(info.param);
			 });

using ToolAndSignal = std::tuple<std::string, int>;

class ExitsBySignal : public testing::TestWithParam<ToolAndSignal> {};

TEST_P(ExitsBySignal, StatusZeroAndTheCountersOnStderr)
{
	const Tool &tool = tool_named(std::get<0>(GetParam()));
	Session session;
	session.stop_signal = std::get<1>(GetParam());
	const Finished done = trace_work(tool, "table", session);
	EXPECT_EQ(done.status, 0) << done.err;
	EXPECT_TRUE(std::regex_match(done.err, stderr_with_counters(tool, "table"))) << done.err;
}

INSTANTIATE_TEST_SUITE_P(Tools, ExitsBySignal,
			 testing::Combine(testing::Values("syncsnoop", "filelife", "filetop"),
					  testing::Values(SIGHUP, SIGQUIT)),
			 [](const testing::TestParamInfo<ToolAndSignal> &info) {
				 return std::get<0>(info.param) + "_" +
					sigabbrev_np(std::get<1>(info.param));
			 });

// A tmpfs of 64 KiB, full but for the empty file `out`.
class FullFileSystem {
public:
	FullFileSystem() : mount_("tmpfs", dir_.path(), "tmpfs", "size=64k")
	{
		close(open(out().c_str(), O_CREAT | O_WRONLY, 0644));
		const int fd = open(dir_.file("filler").c_str(), O_CREAT | O_WRONLY, 0644);
		const std::string block(4096, 'f');
		while (write(fd, block.data(), block.size()) > 0) {
		}
		const int err = errno;
		close(fd);
		if (err != ENOSPC)
			throw std::runtime_error("the tmpfs did not fill up");
	}

	std::string out() const { return dir_.file("out"); }

private:
	TempDir dir_;
	Mount mount_;
};

TEST(ExitsOnAFullDisk, EachToolSaysSoInOneLineWithStatusOneAndItsCounters)
{
	for (const Tool &tool : kTools) {
		const FullFileSystem disk;
		const Finished done = trace_work(tool, "table", {">'" + disk.out() + "'"});
		EXPECT_EQ(done.status, 1) << tool.name << "\n" << done.err;
		EXPECT_TRUE(std::regex_match(
			done.err,
			stderr_with_counters(tool, "table",
					     "fsbpf: write error: No space left on device\n")))
			<< tool.name << "\n"
			<< done.err;
	}
}

TEST(ExitsOnAFullDisk, ListAndFeaturesSaySoInOneLineWithStatusOne)
{
	for (const char *command : {"list", "features"}) {
		const Finished done =
			run({"sh", "-c", "exec \"$@\" >/dev/full", "sh", fsbpf_binary(), command});
		EXPECT_EQ(done.status, 1) << command;
		EXPECT_EQ(done.err, "fsbpf: write error: No space left on device\n") << command;
	}
}

TEST(ExitsWithStdoutClosed, EveryCommandSaysSoInOneLineWithStatusOne)
{
	for (const char *command : {"syncsnoop", "filelife", "filetop", "list"}) {
		const Finished done =
			run({"sh", "-c", "exec \"$@\" >&-", "sh", fsbpf_binary(), command});
		EXPECT_EQ(done.status, 1) << command;
		EXPECT_EQ(done.err, "fsbpf: write error: Bad file descriptor\n") << command;
	}
}

std::string link_target(const std::string &path)
{
	std::array<char, 256> buf{};
	const ssize_t len = readlink(path.c_str(), buf.data(), buf.size() - 1);
	return len > 0 ? std::string(buf.data(), static_cast<size_t>(len)) : "";
}

TEST(ExitsWithStdinAndStderrClosed, BothBecomeDevNullAndTheToolRuns)
{
	Process tracer({"sh", "-c", "exec \"$@\" <&- 2>&-", "sh", fsbpf_binary(), "filetop",
			"--json", "0.1"});
	ASSERT_TRUE(tracer.wait_for_stdout("\"record\":\"summary\"", 60s)) << "no interval";
	const std::string fds = "/proc/" + std::to_string(tracer.pid()) + "/fd/";
	EXPECT_EQ(link_target(fds + "0"), "/dev/null");
	EXPECT_EQ(link_target(fds + "2"), "/dev/null");
	tracer.signal(SIGINT);
	const auto done = tracer.finish(30s);
	ASSERT_TRUE(done.has_value());
	EXPECT_EQ(done->status, 0);
}

} // namespace
} // namespace fsbpf::test
