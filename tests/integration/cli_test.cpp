// SPDX-License-Identifier: GPL-2.0
// The fsbpf executable as a user meets it: exit codes, messages, dispatch,
// plugin search, kernel features, and that nothing stays attached.
#include "process.hpp"
#include "tracing.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <regex>
#include <set>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <thread>
#include <unistd.h>

namespace fsbpf::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

std::string plugin_path()
{
	const std::string binary = fsbpf_binary();
	return binary.substr(0, binary.rfind('/')) + "/plugins/syncsnoop.so";
}

TEST(Usage, UnknownToolExitsTwoWithOneLineAndHint)
{
	const Finished done = run({fsbpf_binary(), "nosuchtool"});
	EXPECT_EQ(done.status, 2);
	EXPECT_EQ(done.err, "fsbpf: no tool named 'nosuchtool' (see 'fsbpf list')\n");
}

TEST(Usage, AnErrorQuotesAtMostAFewHundredBytesOfInputEscaped)
{
	const std::string hostile = "evil\n\033[31m" + std::string(100000, 'x');
	for (const std::vector<std::string> &args : std::vector<std::vector<std::string>>{
		     {hostile}, {"syncsnoop", hostile}, {"syncsnoop", "--backend", hostile}}) {
		std::vector<std::string> argv = {fsbpf_binary()};
		argv.insert(argv.end(), args.begin(), args.end());
		const Finished done = run(argv);
		SCOPED_TRACE(done.err.substr(0, 1000));
		EXPECT_EQ(done.status, 2);
		EXPECT_LT(done.err.size(), 400U);
		EXPECT_EQ(done.err.find('\033'), std::string::npos);
		EXPECT_EQ(std::count(done.err.begin(), done.err.end(), '\n'), 1);
	}
	const Finished unknown = run({fsbpf_binary(), hostile});
	EXPECT_EQ(unknown.err, "fsbpf: no tool named 'evil\\n\\x1b[31m" + std::string(175, 'x') +
				       "... (see 'fsbpf list')\n");
}

TEST(Usage, NumbersMustBeFiniteAndInRange)
{
	const std::map<std::vector<std::string>, std::string> refusals = {
		{{"syncsnoop", "--duration", "1e10"},
		 "fsbpf syncsnoop: --duration: must be between 0.001 and 1e9"},
		{{"syncsnoop", "--duration", "0"},
		 "fsbpf syncsnoop: --duration: must be between 0.001 and 1e9"},
		{{"syncsnoop", "--duration", "nan"},
		 "fsbpf syncsnoop: --duration: must be a finite number"},
		{{"syncsnoop", "--min-latency", "nan"},
		 "fsbpf syncsnoop: --min-latency: must be a finite number"},
		{{"filetop", "nan"}, "fsbpf filetop: interval: must be a finite number"},
		{{"filetop", "inf"}, "fsbpf filetop: interval: must be a finite number"},
		{{"filetop", "1", "-5"}, "fsbpf filetop: count: must be between 0 and 1e12"},
		{{"filelife", "--min-age", "nan"},
		 "fsbpf filelife: --min-age: must be a finite number"},
		{{"filelife", "--max-age", "-inf"},
		 "fsbpf filelife: --max-age: must be a finite number"},
		{{"filelife", "--ring-size", "abc"},
		 "fsbpf filelife: --ring-size: must be an integer"},
	};
	for (const auto &[args, message] : refusals) {
		std::vector<std::string> argv = {fsbpf_binary()};
		argv.insert(argv.end(), args.begin(), args.end());
		const Finished done = run(argv);
		EXPECT_EQ(done.status, 2) << message;
		EXPECT_EQ(done.err, message + " (see 'fsbpf " + args[0] + " --help')\n");
	}
}

TEST(Usage, AnEmptyCommandNameIsRefusedByEveryTool)
{
	for (const std::string tool : {"syncsnoop", "filetop", "filelife"}) {
		const Finished done = run({fsbpf_binary(), tool, "-c", ""});
		EXPECT_EQ(done.status, 2) << tool;
		EXPECT_EQ(done.err, "fsbpf " + tool + ": --comm: must not be empty (see 'fsbpf " +
					    tool + " --help')\n");
	}
}

TEST(Usage, BadOptionsExitTwoWithOneLineAndHint)
{
	for (const std::vector<std::string> &args :
	     std::vector<std::vector<std::string>>{{"syncsnoop", "--no-such-option"},
						   {"syncsnoop", "--json", "--csv"},
						   {"syncsnoop", "--backend", "nosuch"},
						   {"syncsnoop", "--duration", "-1"},
						   {"syncsnoop", "-p", "abc"},
						   {}}) {
		std::vector<std::string> argv = {fsbpf_binary()};
		argv.insert(argv.end(), args.begin(), args.end());
		const Finished done = run(argv);
		SCOPED_TRACE(done.err);
		EXPECT_EQ(done.status, 2);
		EXPECT_TRUE(std::regex_match(
			done.err, std::regex("fsbpf[a-z ]*: [^\n]+ \\(see '[^']+ --help'\\)\n")));
	}
}

// A mistyped FSBPF_DISABLE would test a fallback that never happens.
TEST(Usage, FsbpfDisableNamingNoAttachTypeOrFeatureExitsTwo)
{
	for (const std::vector<std::string> &command : std::vector<std::vector<std::string>>{
		     {"syncsnoop", "--duration", "1"}, {"features"}}) {
		std::vector<std::string> argv = {fsbpf_binary()};
		argv.insert(argv.end(), command.begin(), command.end());
		const Finished done = run(argv, {"FSBPF_DISABLE=kprobe,kprob"});
		EXPECT_EQ(done.status, 2) << command[0];
		EXPECT_EQ(done.err, "fsbpf: FSBPF_DISABLE names 'kprob', no attach type or feature "
				    "(see 'fsbpf features')\n")
			<< command[0];
	}
}

TEST(Usage, VersionAndHelpExitZero)
{
	const Finished version = run({fsbpf_binary(), "--version"});
	EXPECT_EQ(version.status, 0);
	EXPECT_EQ(version.out, "0.1.0\n");
	const Finished help = run({fsbpf_binary(), "syncsnoop", "--help"});
	EXPECT_EQ(help.status, 0);
	EXPECT_NE(help.out.find("--min-latency"), std::string::npos);
	EXPECT_NE(help.out.find("--backend"), std::string::npos);
}

// features too: without privileges each of its probes would only say EPERM.
TEST(Privileges, UnprivilegedUserGetsOneLineAndStatusOne)
{
	for (const std::string command : {"syncsnoop", "features"}) {
		const Finished done =
			run({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
			     "--inh-caps=-all", fsbpf_binary(), command});
		EXPECT_EQ(done.status, 1) << command;
		EXPECT_EQ(done.out, "") << command;
		EXPECT_EQ(done.err,
			  "fsbpf: " + command + ": needs root, or CAP_BPF and CAP_PERFMON\n");
	}
}

TEST(Dispatch, SymlinkNamedAfterToolRunsIt)
{
	TempDir dir;
	const std::string link = dir.path() + "/syncsnoop";
	ASSERT_EQ(symlink(fsbpf_binary().c_str(), link.c_str()), 0);
	const Finished done = run({link, "--help"});
	EXPECT_EQ(done.status, 0);
	EXPECT_NE(done.out.find("Usage: syncsnoop [OPTIONS]"), std::string::npos) << done.out;
	const Finished wrong = run({link, "--min-latency", "soon"});
	EXPECT_EQ(wrong.status, 2);
	EXPECT_EQ(wrong.err.rfind("syncsnoop: ", 0), 0U) << wrong.err;
	EXPECT_NE(wrong.err.find("(see 'syncsnoop --help')"), std::string::npos) << wrong.err;
}

// ---- The peers' habits: BCC's and libbpf-tools' spellings and examples ----

// A command line of a tool, run as its symlink: attached, then stopped with
// Ctrl-C as a user stops it, it must end with status 0.
void expect_runs_until_stopped(const std::string &tool, const std::vector<std::string> &args)
{
	TempDir dir;
	const std::string link = dir.path() + "/" + tool;
	ASSERT_EQ(symlink(fsbpf_binary().c_str(), link.c_str()), 0);
	std::vector<std::string> argv = {link};
	argv.insert(argv.end(), args.begin(), args.end());
	Process process(argv);
	const bool attached = process.wait_for_stderr("Hit Ctrl-C to end", 60s);
	process.signal(SIGINT);
	const std::optional<Finished> done = process.finish(30s);
	ASSERT_TRUE(attached) << process.err();
	ASSERT_TRUE(done.has_value());
	EXPECT_EQ(done->status, 0) << done->err;
}

std::vector<std::string> words(const std::string &line)
{
	std::istringstream in(line);
	return {std::istream_iterator<std::string>(in), std::istream_iterator<std::string>()};
}

// The example command lines of BCC's filetop, filelife and syncsnoop (their
// --help epilogs and man pages) and of libbpf-tools' filetop and filelife
// (their --help), word for word.
TEST(PeerHabits, ThePeersDocumentedExamplesRunUnchanged)
{
	const std::vector<std::string> examples = {
		"filetop",         "filetop -C",      "filetop -p 181", "filetop 5",
		"filetop 5 10",    "filetop -p 1216", "filelife",       "filelife -p 181",
		"filelife -p 123", "syncsnoop",
	};
	for (const std::string &example : examples) {
		SCOPED_TRACE(example);
		const std::vector<std::string> argv = words(example);
		expect_runs_until_stopped(argv[0], {argv.begin() + 1, argv.end()});
	}
}

// Each tool's --help ends with its examples, as BCC's tools do, and each
// of them runs.
TEST(PeerHabits, HelpEndsWithExamplesThatRun)
{
	for (const std::string tool : {"filetop", "filelife", "syncsnoop"}) {
		SCOPED_TRACE(tool);
		const Finished help = run({fsbpf_binary(), tool, "--help"});
		ASSERT_EQ(help.status, 0);
		const size_t examples = help.out.rfind("\nExamples:\n");
		ASSERT_NE(examples, std::string::npos) << help.out;
		std::istringstream lines(help.out.substr(examples + 11));
		size_t count = 0;
		for (std::string line; std::getline(lines, line); count++) {
			const std::vector<std::string> argv = words(line.substr(0, line.find('#')));
			ASSERT_FALSE(argv.empty()) << "an empty example line";
			EXPECT_EQ(argv[0], tool) << line;
			SCOPED_TRACE(line);
			expect_runs_until_stopped(tool, {argv.begin() + 1, argv.end()});
		}
		EXPECT_GE(count, 3U) << help.out;
		EXPECT_EQ(help.out.find("Excludes:"), std::string::npos) << help.out;
	}
}

// libbpf-tools' argp spellings: -? and --usage, -V and --version.
TEST(PeerHabits, ArgpHelpUsageAndVersionSpellings)
{
	for (const std::string tool : {"filetop", "filelife", "syncsnoop"}) {
		SCOPED_TRACE(tool);
		const Finished question = run({fsbpf_binary(), tool, "-?"});
		EXPECT_EQ(question.status, 0);
		EXPECT_EQ(question.out, run({fsbpf_binary(), tool, "--help"}).out);
		const Finished usage = run({fsbpf_binary(), tool, "--usage"});
		EXPECT_EQ(usage.status, 0);
		EXPECT_EQ(usage.out.rfind("Usage: fsbpf " + tool + " [OPTIONS]", 0), 0U)
			<< usage.out;
		EXPECT_EQ(std::count(usage.out.begin(), usage.out.end(), '\n'), 1) << usage.out;
		for (const char *version : {"-V", "--version"}) {
			const Finished done = run({fsbpf_binary(), tool, version});
			EXPECT_EQ(done.status, 0);
			EXPECT_EQ(done.out, "0.1.0\n");
		}
	}
}

// The other tools' -T has no place in filetop, and filetop says why.
TEST(PeerHabits, FiletopSaysWhyItHasNoTimestampOption)
{
	const Finished done = run({fsbpf_binary(), "filetop", "-T"});
	EXPECT_EQ(done.status, 2);
	EXPECT_EQ(done.out, "");
	EXPECT_EQ(done.err, "fsbpf: filetop: -T: each output's title line already shows the "
			    "wall-clock time, and JSON and CSV rows carry it in time\n");
}

// filetop's other spellings, BCC's --maxrows and libbpf-tools' --all, mean
// what -r and -a mean. Each cat of a loop is a row of its own: many rows.
TEST(PeerHabits, FiletopMaxrowsAndAllMeanRowsAndAllFiles)
{
	Process cats({"sh", "-c",
		      "while :; do cat /etc/passwd /etc/group /etc/hosts > /dev/null; done"});
	const auto frames = [](std::vector<std::string> spelled) {
		std::vector<std::string> argv = {fsbpf_binary(), "filetop", "--json", "-c", "cat"};
		argv.insert(argv.end(), spelled.begin(), spelled.end());
		argv.insert(argv.end(), {"0.3", "2"});
		const Finished done = run(argv);
		EXPECT_EQ(done.status, 0) << done.err;
		std::map<uint64_t, std::vector<json>> rows; // by interval
		for (const json &line : json_lines(done.out))
			if (line["record"] == "row")
				rows[line["interval_number"].get<uint64_t>()].push_back(line);
		return rows;
	};
	const auto limited = frames({"--maxrows", "3"});
	EXPECT_EQ(limited.size(), 2U);
	for (const auto &[interval, rows] : limited)
		EXPECT_EQ(rows.size(), 3U) << "interval " << interval;
	bool device = false;
	for (const auto &[interval, rows] : frames({"--all", "--maxrows", "0"}))
		for (const json &row : rows)
			device = device || (row["type"] == "O" && row["file"] == "null");
	EXPECT_TRUE(device) << "--all shows cat's writes to /dev/null";
	cats.signal(SIGKILL);
	const Finished bad = run({fsbpf_binary(), "filetop", "--maxrows", "many"});
	EXPECT_EQ(bad.status, 2);
	EXPECT_NE(bad.err.find("--rows: must be an integer"), std::string::npos) << bad.err;
}

TEST(Dispatch, SymlinkNameMustMatchExactly)
{
	TempDir dir;
	const std::string link = dir.path() + "/syncsnoopx";
	ASSERT_EQ(symlink(fsbpf_binary().c_str(), link.c_str()), 0);
	const Finished done = run({link, "--help"});
	EXPECT_EQ(done.status, 0);
	EXPECT_NE(done.out.find("Usage: fsbpf [OPTIONS] SUBCOMMAND"), std::string::npos)
		<< done.out;
}

TEST(Plugins, ListShowsVersionFileAndCommands)
{
	const Finished done = run({fsbpf_binary(), "list"});
	EXPECT_EQ(done.status, 0);
	EXPECT_NE(done.out.find("syncsnoop 0.1.0 (GPL-2.0-only)\n  file: " + plugin_path()),
		  std::string::npos)
		<< done.out;
}

TEST(Plugins, DuplicateIsSkippedWithOneLineAndTheRestWorks)
{
	const TempDir dir = trusted_temp_dir();
	const std::string copy = dir.path() + "/again.so";
	ASSERT_EQ(run({"cp", plugin_path(), copy}).status, 0);
	const Finished done =
		run({fsbpf_binary(), "list", "--names"}, {"FSBPF_PLUGIN_PATH=" + dir.path()});
	EXPECT_EQ(done.status, 0);
	EXPECT_EQ(done.out, "filelife\nfiletop\nsyncsnoop\n");
	EXPECT_EQ(done.err, "fsbpf: skipping plugin " + copy +
				    ": subcommand 'syncsnoop' is already provided by " +
				    plugin_path() + "\n");
}

TEST(Plugins, UnsafeDirectoryIsSkippedBeforeLoading)
{
	const TempDir dir = trusted_temp_dir();
	const std::string copy = dir.path() + "/again.so";
	ASSERT_EQ(run({"cp", plugin_path(), copy}).status, 0);
	chmod(dir.path().c_str(), 0777);
	const Finished done =
		run({fsbpf_binary(), "list", "--names"}, {"FSBPF_PLUGIN_PATH=" + dir.path()});
	EXPECT_EQ(done.status, 0);
	EXPECT_EQ(done.err, "fsbpf: skipping plugin " + copy + ": directory " + dir.path() +
				    " is writable by others\n");
}

// struct renamedata's members as the kernel's own BTF dump lists them.
std::set<std::string> renamedata_fields_from_bpftool()
{
	const Finished dump =
		run({"bpftool", "btf", "dump", "file", "/sys/kernel/btf/vmlinux", "format", "c"});
	const size_t start = dump.out.find("struct renamedata {\n");
	const size_t end = dump.out.find("\n};", start);
	std::set<std::string> fields;
	const std::regex member(R"(\s*[^;]*?\**(\w+);)");
	std::string body = dump.out.substr(start, end - start);
	for (std::sregex_iterator it(body.begin(), body.end(), member), last; it != last; ++it)
		fields.insert((*it)[1]);
	return fields;
}

// A kernel function's parameter types resolved from bpftool's raw BTF dump,
// independently of fsbpf's own BTF code.
class RawBtf {
public:
	RawBtf()
	{
		const Finished dump =
			run({"bpftool", "btf", "dump", "file", "/sys/kernel/btf/vmlinux"});
		std::istringstream in(dump.out);
		const std::regex type(R"(^\[(\d+)\] (\w+) '([^']*)'(?: type_id=(\d+))?.*$)");
		const std::regex param(R"(^\s+'[^']*' type_id=(\d+)$)");
		int last = 0;
		for (std::string line; std::getline(in, line);) {
			std::smatch m;
			if (std::regex_match(line, m, type)) {
				last = std::stoi(m[1]);
				types_[last] = {m[2], m[3], m[4].matched ? std::stoi(m[4]) : 0, {}};
				if (m[2] == "FUNC")
					funcs_[m[3]] = last;
				if (m[2] == "TYPEDEF")
					typedefs_[m[3]] = last;
			} else if (std::regex_match(line, m, param)) {
				types_[last].params.push_back(std::stoi(m[1]));
			}
		}
	}

	std::vector<std::string> params(const std::string &func) const
	{
		std::vector<std::string> out;
		const Type &proto = types_.at(types_.at(funcs_.at(func)).target);
		for (int id : proto.params)
			out.push_back(name(id));
		return out;
	}

	// A tracepoint's, from its typedef btf_trace_NAME (a pointer to the
	// prototype); none where this kernel has no such tracepoint.
	std::optional<std::vector<std::string>>
	tracepoint_params(const std::string &tracepoint) const
	{
		const auto found = typedefs_.find(tracepoint);
		if (found == typedefs_.end())
			return std::nullopt;
		std::vector<std::string> out;
		const Type &pointer = types_.at(types_.at(found->second).target);
		for (int id : types_.at(pointer.target).params)
			out.push_back(name(id));
		return out;
	}

private:
	struct Type {
		std::string kind, name;
		int target;
		std::vector<int> params;
	};

	std::string name(int id) const
	{
		if (id == 0)
			return "void";
		const Type &t = types_.at(id);
		if (t.kind == "PTR") {
			const std::string inner = name(t.target);
			return inner + (inner.back() == '*' ? "*" : " *");
		}
		if (t.kind == "CONST")
			return "const " + name(t.target);
		if (t.kind == "STRUCT")
			return "struct " + t.name;
		return t.name;
	}

	std::map<int, Type> types_;
	std::map<std::string, int> funcs_;
	std::map<std::string, int> typedefs_;
};

TEST(Features, JsonMatchesTheRunningKernel)
{
	const Finished done = run({fsbpf_binary(), "features", "--json"});
	ASSERT_EQ(done.status, 0) << done.err;
	const json report = json::parse(done.out);
	utsname uts{};
	uname(&uts);
	EXPECT_EQ(report["kernel"], uts.release);
	EXPECT_EQ(report["btf"], true);
	for (const char *attach :
	     {"fentry", "fexit", "kprobe", "kretprobe", "tp_btf", "raw_tp", "tracepoint"})
		EXPECT_TRUE(report["attach"].contains(attach)) << attach;
	// Every syscall-tracepoint kernel fsbpf supports has these; the probe must agree.
	EXPECT_EQ(report["attach"]["tracepoint"]["supported"], true);
	EXPECT_EQ(report["attach"]["tp_btf"]["supported"], true);

	std::set<std::string> reported;
	for (const auto &field : report["renamedata_fields"])
		reported.insert(field.get<std::string>());
	const std::set<std::string> actual = renamedata_fields_from_bpftool();
	for (const std::string &field : reported)
		EXPECT_TRUE(actual.count(field)) << field << " reported but absent";
	for (const char *field :
	     {"old_mnt_idmap", "mnt_idmap", "old_mnt_userns", "old_dentry", "new_dentry"})
		EXPECT_EQ(reported.count(field), actual.count(field)) << field;
	const RawBtf btf;
	for (const char *func : {"vfs_unlink", "vfs_create", "vfs_rename"})
		EXPECT_EQ(report["signatures"][func].get<std::vector<std::string>>(),
			  btf.params(func))
			<< func;
	// Each kernel has some of them: 6.12 renamed the submit tracepoint.
	for (const char *tracepoint :
	     {"btf_trace_io_uring_submit_sqe", "btf_trace_io_uring_submit_req",
	      "btf_trace_io_uring_complete"}) {
		const std::optional<std::vector<std::string>> params =
			btf.tracepoint_params(tracepoint);
		EXPECT_EQ(report["signatures"].contains(tracepoint), params.has_value())
			<< tracepoint;
		if (params) {
			EXPECT_EQ(report["signatures"][tracepoint].get<std::vector<std::string>>(),
				  *params)
				<< tracepoint;
		}
	}
	const json &syncsnoop = report["tools"]["syncsnoop"];
	ASSERT_EQ(syncsnoop["backends"].size(), 4U);
	const std::string pick = syncsnoop["pick"];
	EXPECT_EQ(syncsnoop["backends"][pick]["supported"], true);
}

// IDs of the BPF programs a process holds, from its /proc/PID/fdinfo.
std::set<int> program_ids_held_by(pid_t pid)
{
	std::set<int> ids;
	const std::string fdinfo = "/proc/" + std::to_string(pid) + "/fdinfo";
	for (const auto &entry : std::filesystem::directory_iterator(fdinfo)) {
		std::ifstream in(entry.path());
		for (std::string line; std::getline(in, line);)
			if (line.rfind("prog_id:", 0) == 0)
				ids.insert(std::stoi(line.substr(8)));
	}
	return ids;
}

bool program_exists(int id)
{
	return run({"bpftool", "prog", "show", "id", std::to_string(id)}).status == 0;
}

TEST(Lifecycle, NothingStaysLoadedAfterSigint)
{
	Process tracer({fsbpf_binary(), "syncsnoop", "--backend", "tracepoint"});
	ASSERT_TRUE(tracer.wait_for_stderr("Hit Ctrl-C to end", 60s));
	const std::set<int> ids = program_ids_held_by(tracer.pid());
	// Six enter and six exit programs, and io_uring's submit, complete and overflow.
	ASSERT_EQ(ids.size(), uring_completions_name_requests() ? 15U : 12U);
	for (int id : ids)
		ASSERT_TRUE(program_exists(id)) << id;
	tracer.signal(SIGINT);
	const auto done = tracer.finish(30s);
	ASSERT_TRUE(done.has_value());
	EXPECT_EQ(done->status, 0);
	for (int id : ids) {
		bool gone = false;
		for (int i = 0; i < 50 && !gone; i++) {
			gone = !program_exists(id);
			if (!gone)
				std::this_thread::sleep_for(100ms);
		}
		EXPECT_TRUE(gone) << "program " << id << " is still loaded";
	}
}

} // namespace
} // namespace fsbpf::test
