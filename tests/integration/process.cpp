// SPDX-License-Identifier: GPL-2.0
#include "process.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <stdexcept>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fsbpf::test {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline)
{
	const auto left =
		std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
	return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

bool read_some(int &fd, std::string &into)
{
	std::array<char, 65536> buf{};
	const ssize_t got = read(fd, buf.data(), buf.size());
	if (got > 0) {
		into.append(buf.data(), static_cast<size_t>(got));
		return true;
	}
	if (got == 0 || errno != EAGAIN) {
		close(fd);
		fd = -1;
	}
	return false;
}

int decode_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

} // namespace

Process::Process(std::vector<std::string> argv, const std::vector<std::string> &env)
{
	std::array<int, 2> out{}, err{};
	if (pipe2(out.data(), O_CLOEXEC) || pipe2(err.data(), O_CLOEXEC))
		throw std::runtime_error("pipe failed");
	// The output is read only when a test stops the process: room for thousands
	// of rows, so a tracer never blocks on it while the workload runs.
	fcntl(out[0], F_SETPIPE_SZ, 1 << 20); // pipe-max-size by default
	pid_ = fork();
	if (pid_ == 0) {
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		const int null = open("/dev/null", O_RDONLY);
		dup2(null, STDIN_FILENO);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, nullptr);
		for (const std::string &kv : env)
			putenv(strdup(kv.c_str()));
		std::vector<char *> args;
		args.reserve(argv.size() + 1);
		for (std::string &arg : argv)
			args.push_back(arg.data());
		args.push_back(nullptr);
		execvp(args[0], args.data());
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	out_fd_ = out[0];
	err_fd_ = err[0];
	fcntl(out_fd_, F_SETFL, O_NONBLOCK);
	fcntl(err_fd_, F_SETFL, O_NONBLOCK);
}

Process::~Process()
{
	if (pid_ > 0) {
		kill(pid_, SIGKILL);
		waitpid(pid_, nullptr, 0);
	}
	if (out_fd_ >= 0)
		close(out_fd_);
	if (err_fd_ >= 0)
		close(err_fd_);
}

bool Process::pump(int timeout_ms)
{
	std::array<pollfd, 2> fds{{{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}}};
	if (out_fd_ < 0 && err_fd_ < 0)
		return false;
	if (poll(fds.data(), fds.size(), timeout_ms) <= 0)
		return true;
	if (out_fd_ >= 0 && fds[0].revents)
		read_some(out_fd_, out_);
	if (err_fd_ >= 0 && fds[1].revents)
		read_some(err_fd_, err_);
	return true;
}

bool Process::wait_for(const std::string &text, const std::string &in, const int &fd,
		       std::chrono::milliseconds timeout)
{
	const auto deadline = Clock::now() + timeout;
	while (in.find(text) == std::string::npos) {
		if (remaining_ms(deadline) == 0 || !pump(std::min(remaining_ms(deadline), 100)))
			return false;
		if (fd < 0 && in.find(text) == std::string::npos)
			return false;
	}
	return true;
}

bool Process::wait_for_stderr(const std::string &text, std::chrono::milliseconds timeout)
{
	return wait_for(text, err_, err_fd_, timeout);
}

bool Process::wait_for_stdout(const std::string &text, std::chrono::milliseconds timeout)
{
	return wait_for(text, out_, out_fd_, timeout);
}

void Process::signal(int sig) const
{
	kill(pid_, sig);
}

void Process::close_stdout_reader()
{
	if (out_fd_ >= 0)
		close(out_fd_);
	out_fd_ = -1;
}

std::optional<Finished> Process::finish(std::chrono::milliseconds timeout)
{
	const auto deadline = Clock::now() + timeout;
	int status = 0;
	while (waitpid(pid_, &status, WNOHANG) == 0) {
		if (remaining_ms(deadline) == 0) {
			kill(pid_, SIGKILL);
			waitpid(pid_, nullptr, 0);
			pid_ = -1;
			return std::nullopt;
		}
		pump(std::min(remaining_ms(deadline), 50));
	}
	pid_ = -1;
	while (pump(0) && (out_fd_ >= 0 || err_fd_ >= 0)) {
	}
	return Finished{decode_status(status), out_, err_};
}

Finished run(std::vector<std::string> argv, const std::vector<std::string> &env,
	     std::chrono::milliseconds timeout)
{
	Process process(std::move(argv), env);
	auto finished = process.finish(timeout);
	if (!finished)
		throw std::runtime_error("timed out");
	return *finished;
}

std::string fsbpf_binary()
{
	const char *binary = std::getenv("FSBPF_BINARY");
	if (!binary)
		throw std::runtime_error("FSBPF_BINARY is not set");
	return binary;
}

} // namespace fsbpf::test
