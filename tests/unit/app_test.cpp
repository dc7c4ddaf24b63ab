// SPDX-License-Identifier: GPL-2.0
#include "app.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <unistd.h>

namespace {

class AppletTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		ASSERT_TRUE(registry_.load_file(fsbpf::test::copy_plugin("good", dir_.path()),
						getuid()));
	}

	fsbpf::test::TempDir dir_ = fsbpf::test::trusted_temp_dir();
	fsbpf::PluginRegistry registry_;
};

TEST_F(AppletTest, NamesTheCommandArgv0Names)
{
	EXPECT_EQ(fsbpf::applet_for("/usr/bin/testtool", registry_),
		  std::optional<std::string>("testtool"));
	EXPECT_EQ(fsbpf::applet_for("testtool", registry_), std::optional<std::string>("testtool"));
	EXPECT_EQ(fsbpf::applet_for("./bin/testtool", registry_),
		  std::optional<std::string>("testtool"));
}

TEST_F(AppletTest, NeedsTheWholeBasename)
{
	EXPECT_EQ(fsbpf::applet_for("testtool-x", registry_), std::nullopt);
	EXPECT_EQ(fsbpf::applet_for("/bin/testtoo", registry_), std::nullopt);
	EXPECT_EQ(fsbpf::applet_for("/usr/bin/testtool/", registry_), std::nullopt);
	EXPECT_EQ(fsbpf::applet_for("/testtool/fsbpf", registry_), std::nullopt);
}

TEST_F(AppletTest, FsbpfItselfIsNoApplet)
{
	EXPECT_EQ(fsbpf::applet_for("fsbpf", registry_), std::nullopt);
	EXPECT_EQ(fsbpf::applet_for("/usr/local/bin/fsbpf", registry_), std::nullopt);
	EXPECT_EQ(fsbpf::applet_for("", registry_), std::nullopt);
}

} // namespace
