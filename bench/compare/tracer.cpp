#include "tracer.hpp"

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace bench {

namespace {

std::mutex output_lock;

} // namespace

Tracer::Tracer(std::vector<std::string> argv) : started_(std::chrono::steady_clock::now())
{
	int fds[2];
	if (pipe(fds) != 0)
		throw std::runtime_error("pipe");
	pid_ = fork();
	if (pid_ == 0) {
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		std::vector<char *> args;
		args.reserve(argv.size() + 1);
		for (std::string &arg : argv)
			args.push_back(arg.data());
		args.push_back(nullptr);
		execvp(args[0], args.data());
		_exit(127);
	}
	close(fds[1]);
	reader_ = std::thread([this, fd = fds[0]] { drain(fd); });
}

Tracer::~Tracer()
{
	if (pid_ > 0 && !exited_)
		stop();
	if (reader_.joinable())
		reader_.join();
}

void Tracer::drain(int fd)
{
	char buf[4096];
	ssize_t got = 0;
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		const std::lock_guard<std::mutex> guard(output_lock);
		// Keep the start (readiness, errors) and the end (summary); drop the middle.
		if (output_.size() < (1 << 20))
			output_.append(buf, static_cast<size_t>(got));
	}
	close(fd);
}

namespace {

// Some peers print nothing once attached (libbpf-tools' filetop waits for its
// interval): a process that holds BPF programs and stays alive this long has
// attached them, as libbpf's skeletons attach right after loading.
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
		if (quiet && !loaded && holds_programs(pid_))
			loaded = std::chrono::steady_clock::now();
		if (loaded && std::chrono::steady_clock::now() - *loaded > kQuietAttach) {
			ready_ = true;
			const std::chrono::duration<double> took = *loaded - started_;
			return took.count();
		}
		{
			const std::lock_guard<std::mutex> guard(output_lock);
			if (output_.find("Hit Ctrl-C") != std::string::npos) {
				ready_ = true;
				const std::chrono::duration<double> took =
					std::chrono::steady_clock::now() - started_;
				return took.count();
			}
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
	if (reader_.joinable())
		reader_.join();
	return output_;
}

} // namespace bench
