// SPDX-License-Identifier: GPL-2.0
// The plugin loader through the real binary: what it refuses and what it
// says, with an unprivileged user working against it meanwhile.
#include "process.hpp"

#include <gtest/gtest.h>

#include <array>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <grp.h>
#include <stdexcept>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fsbpf::test {
namespace {

constexpr uid_t kNobody = 65534;

// A test plugin as built (FSBPF_TEST_PLUGINS from the build).
std::string built_plugin(const std::string &name)
{
	const char *dir = std::getenv("FSBPF_TEST_PLUGINS");
	if (!dir)
		throw std::runtime_error("FSBPF_TEST_PLUGINS is not set");
	return std::string(dir) + "/" + name + ".so";
}

void install_file(const std::string &from, const std::string &to, mode_t mode, uid_t owner = 0)
{
	std::filesystem::copy_file(from, to);
	if (chmod(to.c_str(), mode) != 0 || chown(to.c_str(), owner, owner) != 0)
		throw std::runtime_error("cannot set up " + to);
}

void make_dir(const std::string &path, mode_t mode, uid_t owner = 0)
{
	if (mkdir(path.c_str(), mode) != 0 || chmod(path.c_str(), mode) != 0 ||
	    chown(path.c_str(), owner, owner) != 0)
		throw std::runtime_error("cannot make " + path);
}

void make_symlink(const std::string &target, const std::string &link)
{
	if (symlink(target.c_str(), link.c_str()) != 0)
		throw std::runtime_error("cannot make " + link);
}

bool exists(const std::string &path)
{
	return access(path.c_str(), F_OK) == 0;
}

[[noreturn]] void exchange_forever(const std::string &a, const std::string &b, int started)
{
	if (setgroups(0, nullptr) != 0 || setgid(kNobody) != 0 || setuid(kNobody) != 0)
		_exit(2);
	if (renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) != 0)
		_exit(3);
	if (write(started, "x", 1) != 1)
		_exit(4);
	while (renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) == 0) {
	}
	_exit(5);
}

// User nobody exchanging two directory entries (renameat2 RENAME_EXCHANGE)
// as fast as it can, from its first exchange until the object goes.
class Exchanger {
public:
	Exchanger(const std::string &a, const std::string &b)
	{
		std::array<int, 2> started{};
		if (pipe2(started.data(), O_CLOEXEC) != 0)
			throw std::runtime_error("pipe failed");
		pid_ = fork();
		if (pid_ == 0)
			exchange_forever(a, b, started[1]);
		close(started[1]);
		char byte = 0;
		const ssize_t got = read(started[0], &byte, 1);
		close(started[0]);
		if (got != 1)
			throw std::runtime_error("nobody could not exchange " + a + " and " + b);
	}
	~Exchanger()
	{
		kill(pid_, SIGKILL);
		waitpid(pid_, nullptr, 0);
	}
	Exchanger(const Exchanger &) = delete;
	Exchanger &operator=(const Exchanger &) = delete;

private:
	pid_t pid_ = -1;
};

std::string skipped_below(const std::string &plugin, const std::string &open_dir)
{
	return "fsbpf: skipping plugin " + plugin + ": directory " + open_dir +
	       " is writable by others\n";
}

// Root's good plugin and nobody's plugin with a constructor, each in a
// directory of its own inside a world-writable directory, where nobody swaps
// the two directories. Two symlinks lead to the good one: one in a trusted
// directory, one in a world-writable directory, both on FSBPF_PLUGIN_PATH.
// A loader that checks one file and loads another runs nobody's code as root.
TEST(PluginLoader, SwappingWhatSymlinksLeadToNeverRunsAnotherPluginAsRoot)
{
	const TempDir swap_dir = trusted_temp_dir(0777);
	const std::string good = swap_dir.file("current");
	const std::string evil = swap_dir.file("next");
	make_dir(good, 0755);
	install_file(built_plugin("good"), good + "/plugin.so", 0644);
	make_dir(evil, 0755, kNobody);
	install_file(built_plugin("constructor"), evil + "/plugin.so", 0644, kNobody);

	const TempDir trusted = trusted_temp_dir();
	const TempDir open = trusted_temp_dir(0777);
	make_symlink(good + "/plugin.so", trusted.file("plugin.so"));
	make_symlink(good + "/plugin.so", open.file("plugin.so"));
	const TempDir marker_dir = trusted_temp_dir();
	const std::string marker = marker_dir.file("constructor-ran");
	const std::string search_path = trusted.path() + ":" + open.path();
	const std::vector<std::string> env = {"FSBPF_PLUGIN_PATH=" + search_path,
					      "FSBPF_TEST_MARKER=" + marker};
	const std::string expected = skipped_below(trusted.file("plugin.so"), swap_dir.path()) +
				     skipped_below(open.file("plugin.so"), open.path());

	const Exchanger exchanger(good, evil);
	int runs = 0;
	int unexpected = 0;
	Finished first_unexpected;
	for (; runs < 1000 && !exists(marker); runs++) {
		Finished done = run({fsbpf_binary(), "list", "--names"}, env);
		if (done.status == 0 && done.err == expected &&
		    done.out == "filelife\nfiletop\nsyncsnoop\n")
			continue;
		if (unexpected++ == 0)
			first_unexpected = std::move(done);
	}
	EXPECT_FALSE(exists(marker)) << "nobody's plugin ran as root in run " << runs;
	EXPECT_EQ(unexpected, 0) << "first: status " << first_unexpected.status << "\n"
				 << first_unexpected.err;
	EXPECT_EQ(runs, 1000);
}

// fsbpf with file capabilities, run by nobody, under an environment of
// nobody's choosing: every FSBPF_* variable is ignored, with one line saying
// so. Plugins beside the binary still load.
TEST(PluginLoader, FileCapabilitiesMakeFsbpfIgnoreItsEnvironment)
{
	const TempDir bin = trusted_temp_dir();
	const std::string fsbpf = bin.file("fsbpf");
	install_file(fsbpf_binary(), fsbpf, 0755);
	make_dir(bin.file("plugins"), 0755);
	install_file(built_plugin("good"), bin.file("plugins/good.so"), 0644);
	const TempDir plugins = trusted_temp_dir();
	install_file(built_plugin("constructor"), plugins.file("constructor.so"), 0644);
	const TempDir marker_dir = trusted_temp_dir(0777);
	const std::string marker = marker_dir.file("constructor-ran");
	const std::vector<std::string> as_nobody = {
		"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
		fsbpf,     "list",          "--names"};
	std::vector<std::string> with_variables = {
		"env", "-i", "FSBPF_PLUGIN_PATH=" + plugins.path(), "FSBPF_TEST_MARKER=" + marker};
	with_variables.insert(with_variables.end(), as_nobody.begin(), as_nobody.end());

	const Finished plain = run(with_variables);
	EXPECT_EQ(plain.status, 0);
	EXPECT_EQ(plain.out, "markertool\ntesttool\n");
	EXPECT_EQ(plain.err, "");
	ASSERT_TRUE(exists(marker));
	ASSERT_EQ(unlink(marker.c_str()), 0);

	ASSERT_EQ(run({"setcap", "cap_bpf,cap_perfmon+ep", fsbpf}).status, 0);
	const Finished capable = run(with_variables);
	EXPECT_EQ(capable.status, 0);
	EXPECT_EQ(capable.out, "testtool\n");
	EXPECT_EQ(capable.err, "fsbpf: ignoring the FSBPF_* environment: fsbpf runs with file "
			       "capabilities or setuid (AT_SECURE)\n");
	EXPECT_FALSE(exists(marker));

	std::vector<std::string> without_variables = {"env", "-i"};
	without_variables.insert(without_variables.end(), as_nobody.begin(), as_nobody.end());
	const Finished quiet = run(without_variables);
	EXPECT_EQ(quiet.status, 0);
	EXPECT_EQ(quiet.out, "testtool\n");
	EXPECT_EQ(quiet.err, "");
}

TEST(PluginLoader, APluginWhoseRunpathOthersCanWriteIsSkippedWithOneLine)
{
	const TempDir plugins = trusted_temp_dir();
	const std::string plugin = plugins.file("runpath_origin.so");
	install_file(built_plugin("runpath_origin"), plugin, 0644);
	make_dir(plugins.file("lib"), 0777);
	const std::vector<std::string> env = {"FSBPF_PLUGIN_PATH=" + plugins.path()};

	const Finished refused = run({fsbpf_binary(), "list", "--names"}, env);
	EXPECT_EQ(refused.status, 0);
	EXPECT_EQ(refused.out, "filelife\nfiletop\nsyncsnoop\n");
	EXPECT_EQ(refused.err, "fsbpf: skipping plugin " + plugin +
				       ": RUNPATH entry '$ORIGIN/lib': directory " +
				       plugins.file("lib") + " is writable by others\n");

	ASSERT_EQ(chmod(plugins.file("lib").c_str(), 0755), 0);
	const Finished loaded = run({fsbpf_binary(), "list", "--names"}, env);
	EXPECT_EQ(loaded.status, 0);
	EXPECT_EQ(loaded.out, "filelife\nfiletop\nsyncsnoop\ntesttool\n");
	EXPECT_EQ(loaded.err, "");
}

std::string skipped(const std::string &plugin, const std::string &reason)
{
	return "fsbpf: skipping plugin " + plugin + ": " + reason + "\n";
}

// A plugin one of whose commands cannot be set up (an option the host owns,
// no state) is skipped whole with one line; everything else works.
TEST(PluginLoader, APluginThatCannotSetUpACommandIsSkippedAndTheRestWork)
{
	const TempDir plugins = trusted_temp_dir();
	for (const char *name : {"option_clash", "null_state", "good"})
		install_file(built_plugin(name), plugins.file(std::string(name) + ".so"), 0644);
	const std::vector<std::string> env = {"FSBPF_PLUGIN_PATH=" + plugins.path()};
	const std::string lines = skipped(plugins.file("option_clash.so"),
					  "command 'clashtool' declared an invalid option '-v'") +
				  skipped(plugins.file("null_state.so"),
					  "command 'nulltool' could not create its state");

	const Finished names = run({fsbpf_binary(), "list", "--names"}, env);
	EXPECT_EQ(names.status, 0);
	EXPECT_EQ(names.out, "filelife\nfiletop\nsyncsnoop\ntesttool\n");
	EXPECT_EQ(names.err, lines);

	const Finished list = run({fsbpf_binary(), "list"}, env);
	EXPECT_EQ(list.status, 0);
	EXPECT_EQ(list.out.find("option_clash"), std::string::npos) << list.out;
	EXPECT_NE(list.out.find("good 1.0"), std::string::npos) << list.out;
	EXPECT_EQ(list.err, lines);

	for (const char *tool : {"syncsnoop", "testtool"}) {
		const Finished help = run({fsbpf_binary(), tool, "--help"}, env);
		EXPECT_EQ(help.status, 0) << tool;
		EXPECT_EQ(help.err, lines) << tool;
	}
	const Finished features = run({fsbpf_binary(), "features", "--json"}, env);
	EXPECT_EQ(features.status, 0);
	EXPECT_EQ(features.err, lines);

	const Finished gone = run({fsbpf_binary(), "clashfine"}, env);
	EXPECT_EQ(gone.status, 2);
	EXPECT_EQ(gone.err, lines + "fsbpf: no tool named 'clashfine' (see 'fsbpf list')\n");
}

// A relative FSBPF_PLUGIN_PATH entry is not searched from the working
// directory; a plugin entry that is no file is named. One line each.
TEST(PluginLoader, RelativeDirectoriesAndEntriesThatAreNoFilesAreSkippedWithOneLineEach)
{
	const TempDir work = trusted_temp_dir();
	make_dir(work.file("plugins"), 0755);
	install_file(built_plugin("good"), work.file("plugins/good.so"), 0644);
	const TempDir plugins = trusted_temp_dir();
	ASSERT_EQ(mkfifo(plugins.file("fifo.so").c_str(), 0644), 0);
	install_file(built_plugin("good_two"), plugins.file("good_two.so"), 0644);

	const Finished done =
		run({"env", "-C", work.path(), "FSBPF_PLUGIN_PATH=plugins:" + plugins.path(),
		     fsbpf_binary(), "list", "--names"});
	EXPECT_EQ(done.status, 0);
	EXPECT_EQ(done.out, "filelife\nfiletop\nothertool\nsyncsnoop\n");
	EXPECT_EQ(done.err,
		  "fsbpf: skipping plugin directory plugins: not an absolute path; the "
		  "working directory is never searched\n" +
			  skipped(plugins.file("fifo.so"), plugins.file("fifo.so") + " is a FIFO"));
}

// File names and a plugin's strings are anyone's bytes: the line that skips
// a plugin shows them escaped once, never as terminal controls.
TEST(PluginLoader, ASkippedPluginIsNamedWithItsControlCharactersEscaped)
{
	const TempDir plugins = trusted_temp_dir();
	install_file(built_plugin("abi_major"), plugins.file("\x1b[2Jclear.so"), 0644);
	install_file(built_plugin("escape_command"), plugins.file("name.so"), 0644);

	const Finished done =
		run({fsbpf_binary(), "list", "--names"}, {"FSBPF_PLUGIN_PATH=" + plugins.path()});
	EXPECT_EQ(done.status, 0);
	EXPECT_EQ(done.err,
		  skipped(plugins.file("\\x1b[2Jclear.so"), "ABI major 2 differs from fsbpf's 1") +
			  skipped(plugins.file("name.so"),
				  "command name 'bad\\x1bname' is not [a-z0-9_-]+"));
}

} // namespace
} // namespace fsbpf::test
