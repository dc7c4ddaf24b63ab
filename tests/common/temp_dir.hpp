// SPDX-License-Identifier: GPL-2.0
// A scratch directory for one test (under /tmp unless told), removed with its contents.
#pragma once

#include <string>
#include <sys/types.h>

namespace fsbpf::test {

class TempDir {
public:
	explicit TempDir(mode_t mode = 0755, const std::string &under = "/tmp");
	~TempDir();
	TempDir(const TempDir &) = delete;
	TempDir &operator=(const TempDir &) = delete;

	const std::string &path() const { return path_; }
	std::string file(const std::string &name) const { return path_ + "/" + name; }

private:
	std::string path_;
};

// Where tests put files the plugin loader is to trust: every directory above
// it belongs to root or to the user and is writable by no one else, which /tmp
// is not. FSBPF_TEST_SCRATCH names it, a directory of the build tree.
std::string trusted_scratch_dir();

// A TempDir in trusted_scratch_dir().
TempDir trusted_temp_dir(mode_t mode = 0755);

} // namespace fsbpf::test
