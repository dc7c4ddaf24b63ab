// SPDX-License-Identifier: GPL-2.0
#include "test_support.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace fsbpf::test {
namespace {

void set_mode(const std::string &path, mode_t mode)
{
	if (chmod(path.c_str(), mode) != 0)
		throw std::runtime_error("chmod failed: " + path);
}

} // namespace

std::string built_plugin(const std::string &name)
{
	const char *dir = std::getenv("FSBPF_TEST_PLUGINS");
	if (!dir)
		throw std::runtime_error(
			"FSBPF_TEST_PLUGINS is not set; run the tests with meson test");
	return std::string(dir) + "/" + name + ".so";
}

std::string copy_plugin(const std::string &name, const std::string &dir, mode_t mode)
{
	std::string copy = dir + "/" + name + ".so";
	std::filesystem::copy_file(built_plugin(name), copy);
	set_mode(copy, mode);
	return copy;
}

void write_file(const std::string &path, const std::string &contents, mode_t mode)
{
	std::ofstream(path, std::ios::binary) << contents;
	set_mode(path, mode);
}

void make_dir(const std::string &path, mode_t mode)
{
	if (mkdir(path.c_str(), mode) != 0)
		throw std::runtime_error("mkdir failed: " + path);
	set_mode(path, mode);
}

bool file_exists(const std::string &path)
{
	return access(path.c_str(), F_OK) == 0;
}

::testing::AssertionResult contains(const std::string &text, const std::string &part)
{
	if (text.find(part) != std::string::npos)
		return ::testing::AssertionSuccess();
	return ::testing::AssertionFailure()
	       << '"' << text << "\" does not contain \"" << part << '"';
}

} // namespace fsbpf::test
