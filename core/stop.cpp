#include "stop.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <limits>
#include <poll.h>
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
	std::signal(SIGPIPE, SIG_IGN);
}

StopSource::~StopSource()
{
	if (signal_fd_ >= 0)
		close(signal_fd_);
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
	if (read(signal_fd_, &info, sizeof(info)) == sizeof(info))
		stopped_ = true;
	if (deadline_ && std::chrono::steady_clock::now() >= *deadline_)
		stopped_ = true;
	return stopped_;
}

int StopSource::wait(int fd, int timeout_ms)
{
	if (stopped())
		return -1;
	std::array<pollfd, 2> fds{{{signal_fd_, POLLIN, 0}, {fd, POLLIN, 0}}};
	const int nfds = fd >= 0 ? 2 : 1;
	const int ready = poll(fds.data(), nfds, remaining_ms(timeout_ms));
	if (stopped())
		return -1;
	if (ready > 0 && nfds == 2 && (fds[1].revents & POLLIN))
		return 1;
	return 0;
}

} // namespace fsbpf
