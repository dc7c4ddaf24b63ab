// SPDX-License-Identifier: GPL-2.0
#include "uring.hpp"

#include <cerrno>
#include <stdexcept>
#include <system_error>

namespace fsbpf::test {

Uring::Uring()
{
	const int err = io_uring_queue_init(8, &ring_, 0);
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

int Uring::renameat(int dir, const std::string &from, const std::string &to)
{
	io_uring_prep_renameat(&next_request(), dir, from.c_str(), dir, to.c_str(), 0);
	return complete();
}

int Uring::unlinkat(int dir, const std::string &name)
{
	io_uring_prep_unlinkat(&next_request(), dir, name.c_str(), 0);
	return complete();
}

} // namespace fsbpf::test
