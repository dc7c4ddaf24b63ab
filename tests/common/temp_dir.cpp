// SPDX-License-Identifier: GPL-2.0
#include "temp_dir.hpp"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <sys/stat.h>

namespace fsbpf::test {

TempDir::TempDir(mode_t mode, const std::string &under)
{
	std::string pattern = under + "/fsbpf-test.XXXXXX";
	if (!mkdtemp(pattern.data()))
		throw std::runtime_error("mkdtemp failed");
	path_ = pattern;
	// mkdtemp makes 0700; tests choose, and unprivileged children need to enter.
	if (chmod(path_.c_str(), mode) != 0)
		throw std::runtime_error("chmod failed on " + path_);
}

TempDir::~TempDir()
{
	std::error_code ignored;
	std::filesystem::remove_all(path_, ignored);
}

std::string trusted_scratch_dir()
{
	const char *dir = std::getenv("FSBPF_TEST_SCRATCH");
	if (!dir)
		throw std::runtime_error(
			"FSBPF_TEST_SCRATCH is not set; run the tests with meson test");
	return dir;
}

TempDir trusted_temp_dir(mode_t mode)
{
	return TempDir(mode, trusted_scratch_dir());
}

} // namespace fsbpf::test
