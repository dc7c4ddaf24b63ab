// SPDX-License-Identifier: GPL-2.0
#include "tracer.hpp"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <sys/mman.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace bench {

Tracer::Tracer(std::vector<std::string> argv)
	: output_fd_(memfd_create("tracer-output", MFD_CLOEXEC)),
	  started_(std::chrono::steady_clock::now())
{
	if (output_fd_ < 0)
		throw std::runtime_error("memfd_create");
	pid_ = fork();
	if (pid_ == 0) {
		dup2(output_fd_, STDOUT_FILENO);
		dup2(output_fd_, STDERR_FILENO);
		std::vector<char *> args;
		args.reserve(argv.size() + 1);
		for (std::string &arg : argv)
			args.push_back(arg.data());
		args.push_back(nullptr);
		execvp(args[0], args.data());
		_exit(127);
	}
}

Tracer::~Tracer()
{
	if (pid_ > 0 && !exited_)
		stop();
	close(output_fd_);
}

std::string Tracer::output() const
{
	std::string text;
	char buf[65536];
	ssize_t got = 0;
	for (off_t at = 0; (got = pread(output_fd_, buf, sizeof(buf), at)) > 0; at += got)
		text.append(buf, static_cast<size_t>(got));
	return text;
}

namespace {

// Some peers print nothing once attached (libbpf-tools' filetop waits for its
// interval): a process that holds BPF programs this long without a break has
// attached them, as libbpf's skeletons attach right after loading. Programs
// held only for a moment are feature probes (libbpf and fsbpf load and close
// some first), which a poll may or may not catch.
constexpr auto kQuietAttach = std::chrono::milliseconds(500);

bool holds_programs(pid_t pid)
{
	std::error_code ignored;
	const std::string dir = "/proc/" + std::to_string(pid) + "/fdinfo";
	for (const auto &entry : std::filesystem::directory_iterator(dir, ignored)) {
		std::ifstream in(entry.path());
		std::string line;
		while (std::getline(in, line))
			if (line.rfind("prog_id:", 0) == 0)
				return true;
	}
	return false;
}

} // namespace

std::optional<double> Tracer::wait_ready(std::chrono::seconds timeout, bool quiet)
{
	const auto deadline = std::chrono::steady_clock::now() + timeout;
	std::optional<std::chrono::steady_clock::time_point> loaded;
	while (std::chrono::steady_clock::now() < deadline) {
		if (quiet && !holds_programs(pid_))
			loaded.reset();
		else if (quiet && !loaded)
			loaded = std::chrono::steady_clock::now();
		if (loaded && std::chrono::steady_clock::now() - *loaded > kQuietAttach) {
			const std::chrono::duration<double> took = *loaded - started_;
			return took.count();
		}
		if (output().find("Hit Ctrl-C") != std::string::npos) {
			const std::chrono::duration<double> took =
				std::chrono::steady_clock::now() - started_;
			return took.count();
		}
		int status = 0;
		if (waitpid(pid_, &status, WNOHANG) == pid_) {
			exited_ = true;
			return std::nullopt;
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(2));
	}
	return std::nullopt;
}

// Nanoseconds on CPU of every thread (the first field of schedstat).
double Tracer::cpu_seconds() const
{
	uint64_t ns = 0;
	std::error_code ignored;
	const std::string tasks = "/proc/" + std::to_string(pid_) + "/task";
	for (const auto &task : std::filesystem::directory_iterator(tasks, ignored)) {
		std::ifstream in(task.path() / "schedstat");
		uint64_t on_cpu = 0;
		if (in >> on_cpu)
			ns += on_cpu;
	}
	return static_cast<double>(ns) / 1e9;
}

void Tracer::settle(std::chrono::milliseconds timeout) const
{
	// Idle: under a tenth of a window's time on CPU (a reader that wakes
	// every 100 ms to find nothing uses microseconds).
	constexpr auto kWindow = std::chrono::milliseconds(30);
	constexpr double kIdleSeconds = 0.003;
	const auto deadline = std::chrono::steady_clock::now() + timeout;
	double before = cpu_seconds();
	while (std::chrono::steady_clock::now() < deadline) {
		std::this_thread::sleep_for(kWindow);
		const double now = cpu_seconds();
		if (now - before < kIdleSeconds)
			return;
		before = now;
	}
}

uint64_t Tracer::map_memlock() const
{
	std::set<std::string> seen;
	uint64_t total = 0;
	const std::string dir = "/proc/" + std::to_string(pid_) + "/fdinfo";
	std::error_code ignored;
	for (const auto &entry : std::filesystem::directory_iterator(dir, ignored)) {
		std::ifstream in(entry.path());
		std::string line, map_id;
		uint64_t memlock = 0;
		while (std::getline(in, line)) {
			std::istringstream fields(line);
			std::string key;
			fields >> key;
			if (key == "map_id:")
				fields >> map_id;
			else if (key == "memlock:")
				fields >> memlock;
		}
		if (!map_id.empty() && seen.insert(map_id).second)
			total += memlock;
	}
	return total;
}

std::string Tracer::stop()
{
	if (!exited_) {
		kill(pid_, SIGINT);
		int status = 0;
		for (int i = 0; i < 1000 && waitpid(pid_, &status, WNOHANG) != pid_; i++)
			std::this_thread::sleep_for(std::chrono::milliseconds(10));
		if (kill(pid_, 0) == 0) {
			kill(pid_, SIGKILL);
			waitpid(pid_, &status, 0);
		}
		exited_ = true;
	}
	return output();
}

} // namespace bench
