// SPDX-License-Identifier: GPL-2.0
#include "stop.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <limits>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace fsbpf {

StopSource::StopSource()
{
	sigset_t mask;
	sigemptyset(&mask);
	for (const int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT})
		sigaddset(&mask, sig);
	sigprocmask(SIG_BLOCK, &mask, nullptr);
	signal_fd_ = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	std::signal(SIGPIPE, SIG_IGN);
}

StopSource::~StopSource()
{
	for (const int fd : {signal_fd_, wake_fd_})
		if (fd >= 0)
			close(fd);
}

void StopSource::request_stop()
{
	stopped_ = true;
	const uint64_t one = 1;
	if (wake_fd_ >= 0 && write(wake_fd_, &one, sizeof(one)) < 0)
		return; // the counter is already readable: every waiter wakes anyway
}

void StopSource::set_duration(std::chrono::duration<double> duration)
{
	deadline_ =
		start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(duration);
}

double StopSource::elapsed() const
{
	return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

int StopSource::remaining_ms(int timeout_ms) const
{
	if (!deadline_)
		return timeout_ms;
	const auto left = std::chrono::ceil<std::chrono::milliseconds>(
		*deadline_ - std::chrono::steady_clock::now());
	// poll takes an int: longer than about 24 days, wait that long and look again.
	const auto left_ms = static_cast<int>(
		std::clamp<int64_t>(left.count(), 0, std::numeric_limits<int>::max()));
	return timeout_ms < 0 ? left_ms : std::min(timeout_ms, left_ms);
}

bool StopSource::stopped()
{
	if (stopped_)
		return true;
	signalfd_siginfo info{};
	if (read(signal_fd_, &info, sizeof(info)) == sizeof(info) ||
	    (deadline_ && std::chrono::steady_clock::now() >= *deadline_))
		request_stop();
	return stopped_;
}

int StopSource::wait(int fd, int timeout_ms)
{
	if (stopped())
		return -1;
	std::array<pollfd, 3> fds{
		{{signal_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}, {fd, POLLIN, 0}}};
	const int nfds = fd >= 0 ? 3 : 2;
	const int ready = poll(fds.data(), nfds, remaining_ms(timeout_ms));
	if (stopped())
		return -1;
	if (ready > 0 && nfds == 3 && (fds[2].revents & POLLIN))
		return 1;
	return 0;
}

} // namespace fsbpf
