// SPDX-License-Identifier: GPL-2.0
// A child process that makes system calls on cue, so tests know its PID
// before tracing starts and can filter on it.
#pragma once

#include <functional>
#include <string>
#include <sys/types.h>

namespace fsbpf::test {

class Workload {
public:
	// The child renames itself to comm and runs setup (which may, say, enter
	// a namespace of its own), then waits for go() to run body. Throws when
	// setup returns false.
	Workload(const std::string &comm, const std::function<void()> &body,
		 const std::function<bool()> &setup = {});
	~Workload();
	Workload(const Workload &) = delete;
	Workload &operator=(const Workload &) = delete;

	// Stays valid after wait(), for matching what a tracer reported.
	pid_t pid() const { return pid_; }
	void go();
	// The child's exit status after go(); 0 when body returned.
	int wait();

private:
	pid_t pid_ = -1;
	bool reaped_ = false;
	int go_fd_ = -1;
};

} // namespace fsbpf::test
