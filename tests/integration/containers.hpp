// SPDX-License-Identifier: GPL-2.0
// What the container tests make for themselves, with no image and no
// runtime: cgroups on the unified hierarchy and private mount namespaces.
#pragma once

#include <cstdint>
#include <string>
#include <sys/types.h>

namespace fsbpf::test {

// Where cgroup2 is mounted (/sys/fs/cgroup/unified on a hybrid layout), or "".
std::string cgroup2_root();

// The calling process's cgroup on the unified hierarchy: "/a/b".
std::string own_cgroup();

// A new cgroup, removed at scope exit once its processes have gone.
class Cgroup {
public:
	// Under the hierarchy's root, or under parent.
	explicit Cgroup(const std::string &name, const Cgroup *parent = nullptr);
	~Cgroup();
	Cgroup(const Cgroup &) = delete;
	Cgroup &operator=(const Cgroup &) = delete;

	// From the hierarchy's root, as fsbpf's records show it: "/a/b".
	const std::string &path() const { return path_; }
	std::string directory() const { return cgroup2_root() + path_; }
	// What bpf_get_current_cgroup_id() says of its processes.
	uint64_t id() const;
	void enter(pid_t pid) const;

private:
	std::string path_;
};

// A 64-digit container id and the 12 digits tools show of it.
constexpr const char *kContainerId =
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
constexpr const char *kShortContainerId = "0123456789ab";

// A cgroup name the container tests use for "a docker container": docker's
// systemd driver names a container's cgroup docker-ID.scope.
std::string docker_scope_name(const std::string &id64);

// The inode number of pid's mount namespace, as /proc/PID/ns/mnt shows it.
uint64_t mount_namespace(pid_t pid);

// For a Workload's setup: moves the calling process into a mount namespace
// of its own with a fresh tmpfs on dir, which other processes do not see.
bool enter_private_tmpfs(const std::string &dir);

} // namespace fsbpf::test
