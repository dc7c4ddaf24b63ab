// SPDX-License-Identifier: GPL-2.0
#include "workload.hpp"

#include <array>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>

namespace fsbpf::test {

Workload::Workload(const std::string &comm, const std::function<void()> &body,
		   const std::function<bool()> &setup)
{
	std::array<int, 2> go{};
	std::array<int, 2> ready{};
	if (pipe(go.data()) || pipe(ready.data()))
		throw std::runtime_error("pipe failed");
	pid_ = fork();
	if (pid_ == 0) {
		close(go[1]);
		close(ready[0]);
		prctl(PR_SET_NAME, comm.c_str());
		char byte = 1;
		if ((setup && !setup()) || write(ready[1], &byte, 1) != 1)
			_exit(4);
		if (read(go[0], &byte, 1) != 1)
			_exit(3);
		body();
		_exit(0);
	}
	close(go[0]);
	close(ready[1]);
	go_fd_ = go[1];
	char byte = 0;
	const bool set_up = read(ready[0], &byte, 1) == 1;
	close(ready[0]);
	if (!set_up) {
		close(std::exchange(go_fd_, -1));
		wait();
		throw std::runtime_error("the workload's setup failed");
	}
}

Workload::~Workload()
{
	if (go_fd_ >= 0)
		close(go_fd_);
	if (pid_ > 0 && !reaped_)
		waitpid(pid_, nullptr, 0);
}

void Workload::go()
{
	const char byte = 1;
	if (write(go_fd_, &byte, 1) != 1)
		throw std::runtime_error("cannot start the workload");
}

int Workload::wait()
{
	int status = 0;
	waitpid(pid_, &status, 0);
	reaped_ = true;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

} // namespace fsbpf::test
