// SPDX-License-Identifier: GPL-2.0
#include "uring.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace fsbpf::test {

Uring::Uring(unsigned entries)
{
	io_uring_params params{};
	params.flags = IORING_SETUP_CQSIZE;
	params.cq_entries = entries;
	const int err = io_uring_queue_init_params(entries, &ring_, &params);
	if (err < 0)
		throw std::system_error(-err, std::generic_category(), "io_uring_queue_init");
	probe_ = io_uring_get_probe_ring(&ring_);
}

Uring::~Uring()
{
	if (probe_)
		io_uring_free_probe(probe_);
	io_uring_queue_exit(&ring_);
}

bool Uring::supports(int opcode) const
{
	return probe_ && io_uring_opcode_supported(probe_, opcode) != 0;
}

bool Uring::has_file_slots()
{
	return io_uring_register_files_sparse(&ring_, 1) == 0;
}

io_uring_sqe &Uring::next_request()
{
	io_uring_sqe *sqe = io_uring_get_sqe(&ring_);
	if (!sqe)
		throw std::runtime_error("io_uring: no free submission entry");
	return *sqe;
}

int Uring::complete()
{
	const int submitted = io_uring_submit(&ring_);
	if (submitted != 1)
		return submitted < 0 ? submitted : -EIO;
	io_uring_cqe *cqe = nullptr;
	const int err = io_uring_wait_cqe(&ring_, &cqe);
	if (err < 0)
		return err;
	const int result = cqe->res;
	io_uring_cqe_seen(&ring_, cqe);
	return result;
}

int Uring::openat(int dir, const std::string &name, int flags, mode_t mode)
{
	io_uring_prep_openat(&next_request(), dir, name.c_str(), flags, mode);
	return complete();
}

int Uring::openat_slot(int dir, const std::string &name, int flags, mode_t mode)
{
	io_uring_prep_openat_direct(&next_request(), dir, name.c_str(), flags, mode, 0);
	return complete();
}

int Uring::renameat(int dir, const std::string &from, const std::string &to)
{
	io_uring_prep_renameat(&next_request(), dir, from.c_str(), dir, to.c_str(), 0);
	return complete();
}

int Uring::linkat(int dir, const std::string &from, const std::string &to)
{
	io_uring_prep_linkat(&next_request(), dir, from.c_str(), dir, to.c_str(), 0);
	return complete();
}

int Uring::unlinkat(int dir, const std::string &name)
{
	io_uring_prep_unlinkat(&next_request(), dir, name.c_str(), 0);
	return complete();
}

int Uring::fsync(int fd, unsigned flags)
{
	io_uring_prep_fsync(&next_request(), fd, flags);
	return complete();
}

int Uring::sync_file_range(int fd, unsigned length, uint64_t offset, int flags)
{
	io_uring_prep_sync_file_range(&next_request(), fd, length, offset, flags);
	return complete();
}

int Uring::read(int fd, std::string &into, uint64_t offset)
{
	io_uring_prep_read(&next_request(), fd, into.data(), into.size(), offset);
	return complete();
}

int Uring::readv(int fd, std::string &into, uint64_t offset)
{
	const iovec vector{into.data(), into.size()};
	io_uring_prep_readv(&next_request(), fd, &vector, 1, offset);
	return complete();
}

int Uring::write(int fd, const std::string &from, uint64_t offset)
{
	io_uring_prep_write(&next_request(), fd, from.data(), from.size(), offset);
	return complete();
}

int Uring::writev(int fd, const std::string &from, uint64_t offset)
{
	const iovec vector{const_cast<char *>(from.data()), from.size()};
	io_uring_prep_writev(&next_request(), fd, &vector, 1, offset);
	return complete();
}

iovec &Uring::fixed_buffer()
{
	if (fixed_.empty()) {
		fixed_.assign(size_t{64} * 1024, 'f');
		fixed_vector_ = {fixed_.data(), fixed_.size()};
		if (const int err = io_uring_register_buffers(&ring_, &fixed_vector_, 1); err < 0)
			throw std::system_error(-err, std::generic_category(),
						"io_uring_register_buffers");
	}
	return fixed_vector_;
}

int Uring::read_fixed(int fd, unsigned length, uint64_t offset)
{
	const iovec &buffer = fixed_buffer();
	io_uring_prep_read_fixed(&next_request(), fd, buffer.iov_base,
				 std::min<size_t>(length, buffer.iov_len), offset, 0);
	return complete();
}

int Uring::write_fixed(int fd, unsigned length, uint64_t offset)
{
	const iovec &buffer = fixed_buffer();
	io_uring_prep_write_fixed(&next_request(), fd, buffer.iov_base,
				  std::min<size_t>(length, buffer.iov_len), offset, 0);
	return complete();
}

int Uring::splice(int from, int to, unsigned length)
{
	io_uring_prep_splice(&next_request(), from, -1, to, -1, length, 0);
	return complete();
}

int Uring::splice_from_slot(int to, unsigned length)
{
	io_uring_prep_splice(&next_request(), 0, -1, to, -1, length, SPLICE_F_FD_IN_FIXED);
	return complete();
}

int Uring::tee(int from, int to, unsigned length)
{
	io_uring_prep_tee(&next_request(), from, to, length, 0);
	return complete();
}

int Uring::put_in_slot(int fd)
{
	return io_uring_register_files(&ring_, &fd, 1);
}

void Uring::queue_openat(int dir, const std::string &name, int flags, mode_t mode)
{
	io_uring_prep_openat(&next_request(), dir, queued_names_.emplace_back(name).c_str(), flags,
			     mode);
}

void Uring::submit()
{
	const int submitted = io_uring_submit(&ring_);
	queued_names_.clear();
	if (submitted < 0)
		throw std::system_error(-submitted, std::generic_category(), "io_uring_submit");
}

void Uring::await_overflow() const
{
	for (int waited_ms = 0; waited_ms < 10000; waited_ms++) {
		if (IO_URING_READ_ONCE(*ring_.sq.kflags) & IORING_SQ_CQ_OVERFLOW)
			return;
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	}
	throw std::runtime_error("io_uring: the completion queue never overflowed");
}

std::vector<int> Uring::results(size_t count)
{
	std::vector<int> results;
	while (results.size() < count) {
		io_uring_cqe *cqe = nullptr;
		const int err = io_uring_wait_cqe(&ring_, &cqe);
		if (err < 0)
			throw std::system_error(-err, std::generic_category(), "io_uring_wait_cqe");
		results.push_back(cqe->res);
		io_uring_cqe_seen(&ring_, cqe);
	}
	return results;
}

} // namespace fsbpf::test
