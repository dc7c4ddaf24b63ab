// SPDX-License-Identifier: GPL-2.0
#include "containers.hpp"

#include <cerrno>
#include <fstream>
#include <sched.h>
#include <stdexcept>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <unistd.h>

namespace fsbpf::test {

std::string cgroup2_root()
{
	struct statfs fs {};
	for (const char *root : {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"})
		if (statfs(root, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
			return root;
	return {};
}

std::string own_cgroup()
{
	std::ifstream in("/proc/self/cgroup");
	for (std::string line; std::getline(in, line);)
		if (line.starts_with("0::"))
			return line.substr(3);
	return {};
}

Cgroup::Cgroup(const std::string &name, const Cgroup *parent)
	: path_((parent ? parent->path() : std::string()) + "/" + name)
{
	if (mkdir(directory().c_str(), 0755) != 0)
		throw std::runtime_error("cannot make cgroup " + directory());
}

// Processes that exited leave their cgroup before their parent reaps them;
// rmdir fails with EBUSY only while one still runs.
Cgroup::~Cgroup()
{
	for (int tries = 0; rmdir(directory().c_str()) != 0 && errno == EBUSY && tries < 1000;
	     tries++)
		usleep(1000);
}

uint64_t Cgroup::id() const
{
	struct stat st {};
	return stat(directory().c_str(), &st) == 0 ? st.st_ino : 0;
}

void Cgroup::enter(pid_t pid) const
{
	std::ofstream procs(directory() + "/cgroup.procs");
	procs << pid << std::endl;
	if (!procs)
		throw std::runtime_error("cannot move " + std::to_string(pid) + " into " + path_);
}

std::string docker_scope_name(const std::string &id64)
{
	return "docker-" + id64 + ".scope";
}

uint64_t mount_namespace(pid_t pid)
{
	struct stat st {};
	return stat(("/proc/" + std::to_string(pid) + "/ns/mnt").c_str(), &st) == 0 ? st.st_ino : 0;
}

bool enter_private_tmpfs(const std::string &dir)
{
	return unshare(CLONE_NEWNS) == 0 &&
	       mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
	       mount("tmpfs", dir.c_str(), "tmpfs", 0, nullptr) == 0;
}

} // namespace fsbpf::test
