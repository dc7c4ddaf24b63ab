// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Owns a file descriptor: the host's and the SDK's one owner of them.
#pragma once

#include <unistd.h>
#include <utility>

namespace fsbpf {

class UniqueFd {
public:
	UniqueFd() = default;
	explicit UniqueFd(int fd) : fd_(fd) {}
	UniqueFd(UniqueFd &&other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
	UniqueFd &operator=(UniqueFd &&other) noexcept
	{
		if (this != &other) {
			reset();
			fd_ = std::exchange(other.fd_, -1);
		}
		return *this;
	}
	UniqueFd(const UniqueFd &) = delete;
	UniqueFd &operator=(const UniqueFd &) = delete;
	~UniqueFd() { reset(); }

	int get() const { return fd_; }
	// Gives the descriptor up to a new owner.
	int release() { return std::exchange(fd_, -1); }
	explicit operator bool() const { return fd_ >= 0; }

private:
	void reset()
	{
		if (fd_ >= 0)
			close(fd_);
		fd_ = -1;
	}

	int fd_ = -1;
};

} // namespace fsbpf
