// SPDX-License-Identifier: GPL-2.0
// Runs the real fsbpf binary for integration tests: captures its output,
// waits until it is attached, stops it the way a user would.
#pragma once

#include "temp_dir.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace fsbpf::test {

struct Finished {
	int status = -1; // exit status, or 128 + signal
	std::string out;
	std::string err;
};

class Process {
public:
	// argv[0] is the program; env entries "K=V" are added to the environment.
	explicit Process(std::vector<std::string> argv, const std::vector<std::string> &env = {});
	~Process();
	Process(const Process &) = delete;
	Process &operator=(const Process &) = delete;

	pid_t pid() const { return pid_; }
	// Reads stderr (stdout) until it holds `text`; false on timeout or exit.
	bool wait_for_stderr(const std::string &text, std::chrono::milliseconds timeout);
	bool wait_for_stdout(const std::string &text, std::chrono::milliseconds timeout);
	void signal(int sig) const;
	// Waits for the exit, reading all output; nullopt on timeout (then kills).
	std::optional<Finished> finish(std::chrono::milliseconds timeout);
	void close_stdout_reader();
	// What the process wrote to stderr so far.
	const std::string &err() const { return err_; }

private:
	bool pump(int timeout_ms);
	// in: out_ or err_; fd: the member that pump() sets to -1 at its end.
	bool wait_for(const std::string &text, const std::string &in, const int &fd,
		      std::chrono::milliseconds timeout);

	pid_t pid_ = -1;
	int out_fd_ = -1;
	int err_fd_ = -1;
	std::string out_, err_;
};

// Runs to completion.
Finished run(std::vector<std::string> argv, const std::vector<std::string> &env = {},
	     std::chrono::milliseconds timeout = std::chrono::seconds(60));

// The fsbpf executable under test (FSBPF_BINARY from the build).
std::string fsbpf_binary();

} // namespace fsbpf::test
