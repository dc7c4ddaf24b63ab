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

} // namespace fsbpf::test
