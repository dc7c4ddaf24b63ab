// SPDX-License-Identifier: GPL-2.0
#include "plugin_loader.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <climits>
#include <elf.h>
#include <fcntl.h>
#include <fstream>
#include <link.h>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using fsbpf::PluginRegistry;
using fsbpf::test::contains;
using fsbpf::test::copy_plugin;
using fsbpf::test::file_exists;
using fsbpf::test::make_dir;
using fsbpf::test::TempDir;
using fsbpf::test::trusted_temp_dir;
using fsbpf::test::write_file;

namespace {

std::vector<std::string> command_names(const PluginRegistry &registry)
{
	std::vector<std::string> names;
	for (const fsbpf::Command &command : registry.commands())
		names.push_back(command.name);
	return names;
}

class PluginLoaderTest : public ::testing::Test {
protected:
	bool load(const std::string &path) { return registry_.load_file(path, getuid()); }
	bool load_plugin(const std::string &name) { return load(copy_plugin(name, dir_.path())); }

	std::string last_reason() const
	{
		return registry_.rejections().empty() ? "" : registry_.rejections().back().reason;
	}

	void expect_refused(const std::string &path, const std::string &why)
	{
		EXPECT_FALSE(load(path));
		ASSERT_EQ(registry_.rejections().size(), 1U);
		EXPECT_EQ(registry_.rejections().back().path, path);
		EXPECT_TRUE(contains(last_reason(), why));
		EXPECT_TRUE(registry_.commands().empty());
		EXPECT_TRUE(registry_.plugins().empty());
	}

	TempDir dir_ = trusted_temp_dir();
	PluginRegistry registry_;
};

TEST_F(PluginLoaderTest, LoadsAValidPluginAndRegistersItsCommand)
{
	const std::string path = copy_plugin("good", dir_.path());
	ASSERT_TRUE(load(path)) << last_reason();
	EXPECT_TRUE(registry_.rejections().empty());
	ASSERT_EQ(registry_.plugins().size(), 1U);
	EXPECT_EQ(registry_.plugins()[0]->path, path);
	EXPECT_STREQ(registry_.plugins()[0]->descriptor->name, "good");

	ASSERT_EQ(command_names(registry_), std::vector<std::string>{"testtool"});
	const fsbpf::Command &command = registry_.commands()[0];
	EXPECT_EQ(command.plugin, registry_.plugins()[0].get());
	EXPECT_EQ(command.entry.size, sizeof(fsbpf_command));
	EXPECT_STREQ(command.entry.summary, "A command of a test plugin");
	ASSERT_EQ(command.entry.backend_count, 1U);
	EXPECT_STREQ(command.entry.backends[0].name, "fentry");
	EXPECT_EQ(command.entry.backends[0].attach, FSBPF_ATTACH_FENTRY);

	void *state = command.entry.create();
	ASSERT_NE(state, nullptr);
	EXPECT_EQ(command.entry.run(state, nullptr), 0);
	command.entry.destroy(state);
}

struct Malformed {
	const char *plugin;
	const char *reason;
};

class MalformedPluginTest : public PluginLoaderTest,
			    public ::testing::WithParamInterface<Malformed> {};

TEST_P(MalformedPluginTest, IsRefusedWithItsReason)
{
	expect_refused(copy_plugin(GetParam().plugin, dir_.path()), GetParam().reason);
}

INSTANTIATE_TEST_SUITE_P(
	Plugins, MalformedPluginTest,
	::testing::Values(
		Malformed{"abi_major", "ABI major 2 differs from fsbpf's 1"},
		Malformed{"abi_minor", "needs ABI 1.9, newer than fsbpf's 1.8"},
		Malformed{"no_descriptor", "no fsbpf_plugin descriptor exported"},
		Malformed{"reserved", "subcommand 'list' is reserved"},
		Malformed{"bad_pointer", "outside the plugin"},
		Malformed{"bad_callback", "'badcallback' has a callback outside the plugin"},
		Malformed{"misaligned_backends", "'misaligned' has an invalid backend table"},
		Malformed{"escape_backend", "'escape' has an invalid backend 0"},
		Malformed{"runpath_tmp",
			  "RUNPATH entry '/tmp': directory /tmp is writable by others"},
		Malformed{"rpath_tmp", "RPATH entry '/tmp': directory /tmp is writable by others"},
		Malformed{"runpath_relative", "RUNPATH entry 'lib' is relative"},
		Malformed{"runpath_lib", "RUNPATH entry '/usr/$LIB' uses a "
					 "substitution other than $ORIGIN"}),
	[](const ::testing::TestParamInfo<Malformed> &info) {
		return std::string(info.param.plugin);
	});

// A pointer above the plugin's first segment must be refused, not followed:
// run in a child so that a crash fails only this test.
TEST_F(PluginLoaderTest, RefusesAPointerAboveThePlugin)
{
	const std::string path = copy_plugin("high_pointer", dir_.path());
	EXPECT_EXIT(
		{
			const bool refused =
				!load(path) && last_reason().find("outside") != std::string::npos;
			std::_Exit(refused ? 0 : 1);
		},
		::testing::ExitedWithCode(0), "");
}

// Real plugins are C++, whose unique symbols keep them loaded after dlclose.
// glibc finds a loaded object by name before opening anything, so a refused
// one must not answer for the next file's /proc/self/fd/N. In a child, which
// keeps it loaded.
TEST_F(PluginLoaderTest, ARefusedPluginThatStaysLoadedNeverStandsInForTheNext)
{
	ASSERT_TRUE(load_plugin("good")) << last_reason();
	const std::string unloadable = copy_plugin("nodelete_duplicate", dir_.path());
	const std::string next = copy_plugin("good_two", dir_.path());
	EXPECT_EXIT(
		{
			const bool refused = !load(unloadable);
			const bool loaded = load(next) && registry_.find("othertool");
			std::_Exit(refused && loaded ? 0 : 1);
		},
		::testing::ExitedWithCode(0), "");
}

TEST_F(PluginLoaderTest, RefusesACommandAnotherPluginProvides)
{
	const std::string good = copy_plugin("good", dir_.path());
	ASSERT_TRUE(load(good)) << last_reason();
	EXPECT_FALSE(load_plugin("duplicate"));
	EXPECT_EQ(last_reason(), "subcommand 'testtool' is already provided by " + good);
	EXPECT_EQ(command_names(registry_), std::vector<std::string>{"testtool"});
	EXPECT_EQ(registry_.commands()[0].plugin->path, good);
	EXPECT_EQ(registry_.plugins().size(), 1U);
}

TEST_F(PluginLoaderTest, KeepsCommandsSortedByName)
{
	ASSERT_TRUE(load_plugin("good")) << last_reason();
	ASSERT_TRUE(load_plugin("good_two")) << last_reason();
	EXPECT_EQ(command_names(registry_), (std::vector<std::string>{"othertool", "testtool"}));
	EXPECT_EQ(registry_.plugins().size(), 2U);
}

TEST_F(PluginLoaderTest, RefuseDropsAPluginWithItsCommands)
{
	const std::string good = copy_plugin("good", dir_.path());
	ASSERT_TRUE(load(good)) << last_reason();
	ASSERT_TRUE(load_plugin("good_two")) << last_reason();
	registry_.refuse(*registry_.find("testtool")->plugin, "could not be set up");
	EXPECT_EQ(command_names(registry_), std::vector<std::string>{"othertool"});
	ASSERT_EQ(registry_.plugins().size(), 1U);
	EXPECT_STREQ(registry_.plugins()[0]->descriptor->name, "good_two");
	ASSERT_EQ(registry_.rejections().size(), 1U);
	EXPECT_EQ(registry_.rejections()[0].path, good);
	EXPECT_EQ(registry_.rejections()[0].reason, "could not be set up");
}

TEST_F(PluginLoaderTest, LoadsAPluginBuiltForAnOlderMinor)
{
	ASSERT_TRUE(load_plugin("abi_older_minor")) << last_reason();
	EXPECT_EQ(command_names(registry_), std::vector<std::string>{"oldtool"});
}

TEST_F(PluginLoaderTest, ReadsAnOlderCommandOnlyAsFarAsItsSize)
{
	ASSERT_TRUE(load_plugin("abi_1_2_commands")) << last_reason();
	ASSERT_EQ(command_names(registry_), (std::vector<std::string>{"old_first", "old_second"}));
	for (const fsbpf::Command &command : registry_.commands())
		EXPECT_EQ(command.entry.export_metrics, nullptr) << command.name;
}

TEST_F(PluginLoaderTest, NeverRegistersOneNameTwiceFromOnePlugin)
{
	load_plugin("self_duplicate");
	EXPECT_NE(command_names(registry_), (std::vector<std::string>{"twintool", "twintool"}));
}

TEST_F(PluginLoaderTest, FindMatchesWholeNamesOnly)
{
	ASSERT_TRUE(load_plugin("good")) << last_reason();
	ASSERT_TRUE(load_plugin("good_two")) << last_reason();
	ASSERT_NE(registry_.find("testtool"), nullptr);
	EXPECT_EQ(registry_.find("testtool")->name, "testtool");
	EXPECT_EQ(registry_.find("othertool")->name, "othertool");
	EXPECT_EQ(registry_.find("testtoo"), nullptr);
	EXPECT_EQ(registry_.find("testtoolx"), nullptr);
	EXPECT_EQ(registry_.find(""), nullptr);
	EXPECT_EQ(registry_.find("zzz"), nullptr);
}

TEST_F(PluginLoaderTest, RefusesATextFile)
{
	const std::string path = dir_.file("x.so");
	write_file(path, "not a library\n");
	expect_refused(path, "not an ELF shared object");
}

TEST_F(PluginLoaderTest, RefusesATruncatedElfFile)
{
	const std::string path = dir_.file("truncated.so");
	write_file(path, std::string("\177ELF\2\1\1\0", 8) + "garbage");
	expect_refused(path, "ELF header is truncated");
}

TEST_F(PluginLoaderTest, RefusesAnObjectForAnotherMachine)
{
	const std::string path = copy_plugin("good", dir_.path());
	std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
	file.seekp(offsetof(ElfW(Ehdr), e_machine));
	const uint16_t arm64 = EM_AARCH64;
	file.write(reinterpret_cast<const char *>(&arm64), sizeof(arm64));
	file.close();
	expect_refused(path, "dlopen failed: ");
}

TEST_F(PluginLoaderTest, LoadsAPluginWhoseRunpathIsTrusted)
{
	make_dir(dir_.file("lib"));
	ASSERT_TRUE(load_plugin("runpath_origin")) << last_reason();
	EXPECT_NE(registry_.find("testtool"), nullptr);
}

// No one but root or the user can create it below a trusted directory.
TEST_F(PluginLoaderTest, LoadsAPluginWhoseRunpathDoesNotExist)
{
	ASSERT_TRUE(load_plugin("runpath_origin")) << last_reason();
}

TEST_F(PluginLoaderTest, RefusesARunpathIntoAWorldWritableDirectory)
{
	make_dir(dir_.file("lib"), 0777);
	expect_refused(copy_plugin("runpath_origin", dir_.path()),
		       "RUNPATH entry '$ORIGIN/lib': directory " + dir_.file("lib") +
			       " is writable by others");
}

TEST_F(PluginLoaderTest, OriginIsTheDirectoryOfTheRealFile)
{
	make_dir(dir_.file("real"));
	make_dir(dir_.file("real/lib"), 0777);
	make_dir(dir_.file("links"));
	make_dir(dir_.file("links/lib"));
	copy_plugin("runpath_origin", dir_.file("real"));
	const std::string link = dir_.file("links/runpath_origin.so");
	ASSERT_EQ(symlink("../real/runpath_origin.so", link.c_str()), 0);
	expect_refused(link, "RUNPATH entry '$ORIGIN/lib': directory " + dir_.file("real/lib") +
				     " is writable by others");
}

TEST_F(PluginLoaderTest, RefusesAMissingFile)
{
	const std::string path = dir_.file("missing.so");
	expect_refused(path, path + " does not exist");
}

TEST_F(PluginLoaderTest, RefusesAGroupWritableFile)
{
	const std::string path = copy_plugin("good", dir_.path(), 0664);
	expect_refused(path, "file " + path + " is writable by group");
}

TEST_F(PluginLoaderTest, RefusesAWorldWritableFile)
{
	const std::string path = copy_plugin("good", dir_.path(), 0646);
	expect_refused(path, "file " + path + " is writable by others");
}

TEST_F(PluginLoaderTest, RefusesAWorldWritableDirectory)
{
	const TempDir open_dir = trusted_temp_dir(0777);
	expect_refused(copy_plugin("good", open_dir.path()),
		       "directory " + open_dir.path() + " is writable by others");
}

TEST_F(PluginLoaderTest, RefusesAWorldWritableDirectoryFurtherUp)
{
	const TempDir open_dir = trusted_temp_dir(0777);
	make_dir(open_dir.file("sub"));
	expect_refused(copy_plugin("good", open_dir.file("sub")),
		       "directory " + open_dir.path() + " is writable by others");
}

TEST_F(PluginLoaderTest, LoadsThroughSymlinksBetweenTrustedDirectories)
{
	make_dir(dir_.file("links"));
	make_dir(dir_.file("real"));
	copy_plugin("good", dir_.file("real"));
	const std::string link = dir_.file("links/good.so");
	ASSERT_EQ(symlink("../real/good.so", link.c_str()), 0);
	ASSERT_TRUE(load(link)) << last_reason();
	EXPECT_EQ(registry_.plugins()[0]->path, link);
	EXPECT_NE(registry_.find("testtool"), nullptr);
}

TEST_F(PluginLoaderTest, RefusesASymlinkInAWorldWritableDirectory)
{
	const TempDir open_dir = trusted_temp_dir(0777);
	const std::string link = open_dir.file("good.so");
	ASSERT_EQ(symlink(copy_plugin("good", dir_.path()).c_str(), link.c_str()), 0);
	expect_refused(link, "directory " + open_dir.path() + " is writable by others");
}

TEST_F(PluginLoaderTest, RefusesASymlinkIntoAWorldWritableDirectory)
{
	const TempDir open_dir = trusted_temp_dir(0777);
	const std::string link = dir_.file("good.so");
	ASSERT_EQ(symlink(copy_plugin("good", open_dir.path()).c_str(), link.c_str()), 0);
	expect_refused(link, "directory " + open_dir.path() + " is writable by others");
}

TEST_F(PluginLoaderTest, RefusesASymlinkLoop)
{
	const std::string link = dir_.file("a.so");
	ASSERT_EQ(symlink("b.so", link.c_str()), 0);
	ASSERT_EQ(symlink("a.so", dir_.file("b.so").c_str()), 0);
	expect_refused(link, ": too many levels of symbolic links");
}

// Root gives the file to a stranger; anyone else owns it and claims to be a stranger.
constexpr uid_t kStranger = 12345;

uid_t owner_other_than_invoker(const std::string &path)
{
	if (geteuid() != 0)
		return getuid();
	if (chown(path.c_str(), kStranger, kStranger) != 0)
		throw std::runtime_error("chown failed: " + path);
	return kStranger;
}

uid_t invoker_other_than_owner()
{
	return geteuid() == 0 ? getuid() : kStranger;
}

// As root the file is the stranger's; otherwise the file and the directories
// above it are the user's, who claims to be a stranger.
TEST_F(PluginLoaderTest, RefusesAFileOwnedBySomeoneElse)
{
	const std::string path = copy_plugin("good", dir_.path());
	const uid_t owner = owner_other_than_invoker(path);
	EXPECT_FALSE(registry_.load_file(path, invoker_other_than_owner()));
	EXPECT_TRUE(contains(last_reason(), " is owned by uid " + std::to_string(owner) + ","));
	EXPECT_TRUE(registry_.commands().empty());
}

TEST_F(PluginLoaderTest, RefusesASymlinkOwnedBySomeoneElse)
{
	if (geteuid() != 0)
		GTEST_SKIP() << "only root can give a symlink away";
	const std::string link = dir_.file("link.so");
	ASSERT_EQ(symlink(copy_plugin("good", dir_.path()).c_str(), link.c_str()), 0);
	ASSERT_EQ(lchown(link.c_str(), kStranger, kStranger), 0);
	expect_refused(link, "symlink " + link + " is owned by uid 12345, not by root");
}

TEST_F(PluginLoaderTest, AcceptsAFileOwnedByTheInvokingUser)
{
	const std::string path = copy_plugin("good", dir_.path(), 0755);
	const uid_t owner = owner_other_than_invoker(path);
	EXPECT_TRUE(registry_.load_file(path, owner)) << last_reason();
}

class ConstructorTest : public PluginLoaderTest {
protected:
	void SetUp() override { setenv("FSBPF_TEST_MARKER", marker_.c_str(), 1); }
	void TearDown() override { unsetenv("FSBPF_TEST_MARKER"); }

	TempDir marker_dir_;
	const std::string marker_ = marker_dir_.file("constructed");
};

TEST_F(ConstructorTest, UnsafeDirectoryIsRefusedBeforeThePluginRuns)
{
	const TempDir shared_dir = trusted_temp_dir(0775);
	EXPECT_FALSE(load(copy_plugin("constructor", shared_dir.path())));
	EXPECT_EQ(last_reason(), "directory " + shared_dir.path() + " is writable by group");
	EXPECT_FALSE(file_exists(marker_));
}

TEST_F(ConstructorTest, SafeDirectoryLoadsAndRunsThePlugin)
{
	EXPECT_TRUE(load_plugin("constructor")) << last_reason();
	EXPECT_TRUE(file_exists(marker_));
	EXPECT_NE(registry_.find("markertool"), nullptr);
}

TEST_F(PluginLoaderTest, LoadScansDirectoriesAndKeepsTheFirstProvider)
{
	const TempDir later = trusted_temp_dir();
	make_dir(dir_.file("nested"));
	const std::string good = copy_plugin("good", dir_.path());
	copy_plugin("good_two", dir_.file("nested"));
	write_file(dir_.file("README"), "not a plugin\n");
	const std::string duplicate = copy_plugin("duplicate", later.path());

	registry_.load({dir_.path(), later.path(), dir_.file("absent")}, getuid());
	EXPECT_EQ(command_names(registry_), (std::vector<std::string>{"othertool", "testtool"}));
	EXPECT_EQ(registry_.find("testtool")->plugin->path, good);
	ASSERT_EQ(registry_.rejections().size(), 1U);
	EXPECT_EQ(registry_.rejections()[0].path, duplicate);
	EXPECT_TRUE(contains(registry_.rejections()[0].reason, "already provided by " + good));
}

TEST_F(PluginLoaderTest, LoadSaysWhyForEveryPluginEntryItSkips)
{
	const std::string good = copy_plugin("good", dir_.path());
	ASSERT_EQ(mkfifo(dir_.file("fifo.so").c_str(), 0644), 0);
	ASSERT_EQ(symlink(dir_.file("missing.so").c_str(), dir_.file("dangling.so").c_str()), 0);
	make_dir(dir_.file("nested"));
	make_dir(dir_.file("nested/dir.so"));
	ASSERT_EQ(mkfifo(dir_.file("notes").c_str(), 0644), 0);

	registry_.load({dir_.path()}, getuid());
	EXPECT_EQ(command_names(registry_), std::vector<std::string>{"testtool"});
	const std::vector<std::pair<std::string, std::string>> expected = {
		{dir_.file("dangling.so"), dir_.file("missing.so") + " does not exist"},
		{dir_.file("fifo.so"), dir_.file("fifo.so") + " is a FIFO"},
		{dir_.file("nested/dir.so"), dir_.file("nested/dir.so") + " is a directory"},
	};
	ASSERT_EQ(registry_.rejections().size(), expected.size());
	for (size_t i = 0; i < expected.size(); i++) {
		EXPECT_EQ(registry_.rejections()[i].path, expected[i].first);
		EXPECT_EQ(registry_.rejections()[i].reason, expected[i].second);
		EXPECT_FALSE(registry_.rejections()[i].directory);
	}
}

// A directory path just under PATH_MAX, holding a plugin whose path is over it.
TEST_F(PluginLoaderTest, LoadSaysWhyItSkipsAPathLongerThanPathMax)
{
	std::string dir = dir_.path();
	while (dir.size() + 201 < PATH_MAX - 100) {
		dir += "/" + std::string(200, 'd');
		make_dir(dir);
	}
	dir += "/" + std::string(PATH_MAX - 100 - dir.size() - 1, 'e');
	make_dir(dir);
	const std::string name = std::string(250, 'p') + ".so";
	const int dir_fd = open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_GE(dir_fd, 0);
	ASSERT_EQ(mkfifoat(dir_fd, name.c_str(), 0644), 0);

	registry_.load({dir}, getuid());
	EXPECT_EQ(unlinkat(dir_fd, name.c_str(), 0), 0);
	close(dir_fd);
	ASSERT_EQ(registry_.rejections().size(), 1U);
	EXPECT_EQ(registry_.rejections()[0].path, dir + "/" + name);
	EXPECT_EQ(registry_.rejections()[0].reason, "path is longer than PATH_MAX (4096 bytes)");
}

TEST_F(PluginLoaderTest, LoadRefusesARelativeDirectory)
{
	copy_plugin("good", dir_.path());
	ASSERT_EQ(chdir(dir_.path().c_str()), 0);
	registry_.load({".", "plugins"}, getuid());
	ASSERT_EQ(chdir("/"), 0);
	EXPECT_TRUE(registry_.commands().empty());
	ASSERT_EQ(registry_.rejections().size(), 2U);
	for (size_t i = 0; i < 2; i++) {
		EXPECT_EQ(registry_.rejections()[i].path, i == 0 ? "." : "plugins");
		EXPECT_EQ(registry_.rejections()[i].reason,
			  "not an absolute path; the working directory is never searched");
		EXPECT_TRUE(registry_.rejections()[i].directory);
	}
}

TEST_F(PluginLoaderTest, LoadSaysWhyItCannotReadADirectoryAndPassesOverAnAbsentOne)
{
	make_dir(dir_.file("closed"), 0);
	registry_.load({dir_.file("absent"), dir_.file("closed")}, getuid());
	if (geteuid() == 0) {
		EXPECT_TRUE(registry_.rejections().empty()) << "root reads a directory of mode 0";
		return;
	}
	ASSERT_EQ(registry_.rejections().size(), 1U);
	EXPECT_EQ(registry_.rejections()[0].path, dir_.file("closed"));
	EXPECT_EQ(registry_.rejections()[0].reason, "Permission denied");
	EXPECT_TRUE(registry_.rejections()[0].directory);
}

TEST(ReservedCommand, CoversTheBuiltInNames)
{
	for (const char *name : {"list", "features", "help", "fsbpf"})
		EXPECT_TRUE(fsbpf::is_reserved_command(name)) << name;
	EXPECT_FALSE(fsbpf::is_reserved_command("testtool"));
	EXPECT_FALSE(fsbpf::is_reserved_command("lists"));
}

// FSBPF_PLUGIN_DIR is absolute, or relative to the executable's directory.
std::string installed_plugin_dir(const std::string &exe_dir)
{
	const std::string dir = FSBPF_PLUGIN_DIR;
	return dir.front() == '/' ? dir : exe_dir + "/" + dir;
}

TEST(PluginSearchPath, FallsBackToTheInstallDirectory)
{
	const std::string installed = installed_plugin_dir("/nonexistent-fsbpf");
	EXPECT_EQ(fsbpf::plugin_search_path("/nonexistent-fsbpf", "/a::/b"),
		  (std::vector<std::string>{installed, "/a", "/b"}));
	EXPECT_EQ(fsbpf::plugin_search_path("/nonexistent-fsbpf", nullptr),
		  std::vector<std::string>{installed});
}

TEST(PluginSearchPath, PrefersPluginsBesideTheExecutable)
{
	TempDir build_dir;
	make_dir(build_dir.file("plugins"));
	EXPECT_EQ(fsbpf::plugin_search_path(build_dir.path(), ":/a:"),
		  (std::vector<std::string>{build_dir.file("plugins"), "/a"}));
}

TEST(PluginSearchPath, IgnoresAPluginsFileThatIsNoDirectory)
{
	TempDir build_dir;
	write_file(build_dir.file("plugins"), "");
	EXPECT_EQ(fsbpf::plugin_search_path(build_dir.path(), ""),
		  std::vector<std::string>{installed_plugin_dir(build_dir.path())});
}

} // namespace
