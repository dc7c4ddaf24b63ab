// SPDX-License-Identifier: GPL-2.0
// Names for the cgroup ids BPF reports (bpf_get_current_cgroup_id): the
// cgroup's path on the unified hierarchy and the container or systemd unit
// that path names.
#pragma once

#include "trusted_path.hpp"

#include <fsbpf/mounts.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace fsbpf {

struct CgroupName {
	std::string path;      // from the hierarchy's root, "/..."; "" when unknown or gone
	std::string container; // short container id, machine or unit name; "" when none
};

// The container a cgroup path names: the first container runtime's scope
// from the root (docker, containerd/CRI, CRI-O, podman: the 12-character
// short id; a systemd-nspawn machine: its name), else the innermost systemd
// service or scope; "" for none.
std::string container_of(std::string_view cgroup_path);

// Looks ids up on the cgroup2 hierarchy mounted here, each once.
class CgroupNames {
public:
	const CgroupName &lookup(uint64_t id);

private:
	bool open_root();
	CgroupName resolve(uint64_t id);

	static constexpr size_t kMaxCached = 65536;
	bool opened_ = false;
	UniqueFd root_;
	uint64_t root_id_ = 0;
	std::string mount_point_;
	std::unordered_map<uint64_t, CgroupName> cache_;
};

} // namespace fsbpf
