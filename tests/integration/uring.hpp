// SPDX-License-Identifier: GPL-2.0
// Requests through io_uring, as its applications make them: file work the
// kernel does without a system call of the read/open/unlink family.
#pragma once

#include <liburing.h>

#include <string>
#include <sys/types.h>

namespace fsbpf::test {

class Uring {
public:
	// Throws std::system_error when the kernel refuses io_uring.
	Uring();
	~Uring();
	Uring(const Uring &) = delete;
	Uring &operator=(const Uring &) = delete;

	// Whether this kernel's io_uring has the opcode, from its own probe.
	bool supports(int opcode) const;

	// Each returns the request's result: a descriptor or 0, else -errno.
	int openat(int dir, const std::string &name, int flags, mode_t mode);
	int renameat(int dir, const std::string &from, const std::string &to);
	int unlinkat(int dir, const std::string &name);

private:
	io_uring_sqe &next_request();
	int complete(); // submits the one request and waits for it

	io_uring ring_{};
	io_uring_probe *probe_ = nullptr;
};

} // namespace fsbpf::test
