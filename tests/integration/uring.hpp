// SPDX-License-Identifier: GPL-2.0
// Requests through io_uring, as its applications make them: file work the
// kernel does without a system call of the read/open/unlink family.
#pragma once

#include <liburing.h>

#include <cstdint>
#include <list>
#include <string>
#include <vector>
#include <sys/types.h>
#include <sys/uio.h>

namespace fsbpf::test {

class Uring {
public:
	// Queues of `entries` submissions and completions. Throws
	// std::system_error when the kernel refuses io_uring.
	explicit Uring(unsigned entries = 8);
	~Uring();
	Uring(const Uring &) = delete;
	Uring &operator=(const Uring &) = delete;

	// Whether this kernel's io_uring has the opcode, from its own probe.
	bool supports(int opcode) const;
	// Registers one empty fixed file slot; false where the kernel cannot.
	bool has_file_slots();

	// Each returns the request's result: a descriptor or 0, else -errno.
	int openat(int dir, const std::string &name, int flags, mode_t mode);
	// Opens into fixed file slot 0 (see has_file_slots): 0 or -errno.
	int openat_slot(int dir, const std::string &name, int flags, mode_t mode);
	int renameat(int dir, const std::string &from, const std::string &to);
	int linkat(int dir, const std::string &from, const std::string &to);
	int unlinkat(int dir, const std::string &name);
	// IORING_OP_FSYNC (flags: IORING_FSYNC_DATASYNC) and IORING_OP_SYNC_FILE_RANGE.
	int fsync(int fd, unsigned flags);
	int sync_file_range(int fd, unsigned length, uint64_t offset, int flags);
	// IORING_OP_READ, READV (one vector), READ_FIXED (a registered buffer)
	// and their writes: the bytes moved, or -errno.
	int read(int fd, std::string &into, uint64_t offset);
	int readv(int fd, std::string &into, uint64_t offset);
	int read_fixed(int fd, unsigned length, uint64_t offset);
	int write(int fd, const std::string &from, uint64_t offset);
	int writev(int fd, const std::string &from, uint64_t offset);
	int write_fixed(int fd, unsigned length, uint64_t offset);
	// IORING_OP_SPLICE at each file's position (one end a pipe), from a
	// descriptor or from fixed file slot 0 (see put_in_slot), and
	// IORING_OP_TEE between pipes: the bytes moved, or -errno.
	int splice(int from, int to, unsigned length);
	int splice_from_slot(int to, unsigned length);
	int tee(int from, int to, unsigned length);
	// Registers `fd` as the ring's only fixed file, in slot 0: 0 or -errno.
	int put_in_slot(int fd);

	// Requests in batches, as a busy application makes them: queue an
	// open, submit what is queued, wait until the kernel has held back a
	// completion for want of room (throws after 10 s), and take `count`
	// results.
	void queue_openat(int dir, const std::string &name, int flags, mode_t mode);
	void submit();
	void await_overflow() const;
	std::vector<int> results(size_t count);

private:
	io_uring_sqe &next_request();
	int complete();        // submits the one request and waits for it
	iovec &fixed_buffer(); // registered on first use

	io_uring ring_{};
	std::list<std::string> queued_names_; // read by the kernel at submission
	io_uring_probe *probe_ = nullptr;
	std::string fixed_;
	iovec fixed_vector_{};
};

} // namespace fsbpf::test
