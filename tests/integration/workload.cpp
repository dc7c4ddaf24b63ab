#include "workload.hpp"

#include <array>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fsbpf::test {

Workload::Workload(const std::string &comm, const std::function<void()> &body)
{
	std::array<int, 2> fds{};
	if (pipe(fds.data()))
		throw std::runtime_error("pipe failed");
	pid_ = fork();
	if (pid_ == 0) {
		close(fds[1]);
		prctl(PR_SET_NAME, comm.c_str());
		char byte = 0;
		if (read(fds[0], &byte, 1) != 1)
			_exit(3);
		body();
		_exit(0);
	}
	close(fds[0]);
	go_fd_ = fds[1];
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
