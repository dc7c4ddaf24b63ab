// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// User-space half of bpf/filter.bpf.h: the process and workload options every
// tool offers, checked on the objects they name and written into the BPF
// object before it loads.
#pragma once

#include <fsbpf/fd.hpp>
#include <fsbpf/mounts.hpp>
#include <fsbpf/plugin.hpp>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <linux/magic.h>
#include <string>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <utility>

namespace fsbpf {

class ProcessFilter {
public:
	void add_options(plugin::Options &options, const char *pid_help = "Trace this process only")
	{
		options.integer("-p,--pid", pid_help, pid_, 1, kMaxPid);
		options.string("-c,--comm", "Trace commands with this name only", comm_);
		options.string("--cgroup",
			       "Trace this cgroup and its descendants only: a cgroup2 directory, "
			       "or a path from the hierarchy's root as records show it",
			       cgroup_);
		options.unsigned_integer(
			"--mntns",
			"Trace this mount namespace only (the number of /proc/PID/ns/mnt)", mntns_);
		options.integer("--mntns-of", "Trace the mount namespace of this process only",
				mntns_of_, 1, kMaxPid, "--mntns");
		options.flag("--containers-only",
			     "Trace processes in containers only: those in a mount or PID "
			     "namespace other than the host's (PID 1's, else fsbpf's own)",
			     containers_only_);
	}

	// Opens and checks what the options name; false after one line saying
	// why (a usage error: exit 2).
	bool resolve(const plugin::Host &host, const char *tool)
	{
		std::string error;
		if (cgroup_)
			error = open_cgroup();
		if (error.empty() && mntns_of_) {
			mntns_ = mount_namespace("/proc/" + std::to_string(mntns_of_));
			if (!mntns_)
				error = "--mntns-of " + std::to_string(mntns_of_) + ": " +
					std::strerror(errno);
		}
		if (error.empty() && mntns_ > UINT32_MAX)
			error = "--mntns " + std::to_string(mntns_) + ": not a namespace number";
		// PID 1's namespace may be closed to fsbpf (PID 1 in another user namespace).
		if (error.empty() && containers_only_) {
			host_mntns_ = mount_namespace("/proc/1");
			if (!host_mntns_)
				host_mntns_ = mount_namespace("/proc/self");
		}
		if (!error.empty())
			host.error(std::string(tool) + ": " + error);
		return error.empty();
	}

	// Writes the filter into skel, a skeleton opened from an object that
	// includes bpf/filter.bpf.h; 0 or -errno.
	template <typename Skel>
	int apply(Skel &skel) const
	{
		auto &rodata = *skel.rodata;
		rodata.target_tgid = static_cast<uint32_t>(pid_);
		if (comm_)
			strncpy(const_cast<char *>(rodata.target_comm), comm_,
				sizeof(rodata.target_comm) - 1);
		rodata.target_mntns = static_cast<uint32_t>(mntns_);
		rodata.containers_only = containers_only_ != 0;
		rodata.host_mntns = static_cast<uint32_t>(host_mntns_);
		rodata.target_cgroup = static_cast<bool>(cgroup_map_);
		rodata.target_cgroup_id = cgroup_id_;
		return cgroup_map_
			       ? bpf_map__reuse_fd(skel.maps.fsbpf_cgroup_filter, cgroup_map_.get())
			       : 0;
	}

	int64_t pid() const { return pid_; }

private:
	static constexpr double kMaxPid = 4194304;

	// The directory as given, else under the cgroup2 mount: the map holds
	// the descriptor checked, not a path looked up again.
	std::string open_cgroup()
	{
		UniqueFd dir(open(cgroup_, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
		if (!dir && errno == ENOENT && cgroup_[0] == '/')
			dir = UniqueFd(open((cgroup2_mount_point() + cgroup_).c_str(),
					    O_RDONLY | O_DIRECTORY | O_CLOEXEC));
		const std::string what = std::string("--cgroup ") + plugin::excerpt(cgroup_) + ": ";
		if (!dir)
			return what + std::strerror(errno);
		struct statfs fs {};
		struct stat st {};
		if (fstatfs(dir.get(), &fs) != 0 || fs.f_type != CGROUP2_SUPER_MAGIC ||
		    fstat(dir.get(), &st) != 0)
			return what + "not a directory of the cgroup2 hierarchy";
		cgroup_id_ = st.st_ino; // the kernfs node id, which BPF compares
		cgroup_map_ = UniqueFd(bpf_map_create(BPF_MAP_TYPE_CGROUP_ARRAY, "cgroup_filter", 4,
						      4, 1, nullptr));
		const uint32_t zero = 0;
		const uint32_t fd = dir.get();
		if (!cgroup_map_ ||
		    bpf_map_update_elem(cgroup_map_.get(), &zero, &fd, BPF_ANY) != 0)
			return what + std::strerror(errno);
		return {};
	}

	// The mount namespace of process directory `proc`, or 0 (errno says why).
	static uint64_t mount_namespace(const std::string &proc)
	{
		const UniqueFd ns(open((proc + "/ns/mnt").c_str(), O_RDONLY | O_CLOEXEC));
		struct stat st {};
		return ns && fstat(ns.get(), &st) == 0 ? st.st_ino : 0;
	}

	int64_t pid_ = 0;
	const char *comm_ = nullptr;
	const char *cgroup_ = nullptr;
	uint64_t mntns_ = 0;
	int64_t mntns_of_ = 0;
	int containers_only_ = 0;
	uint64_t host_mntns_ = 0;
	UniqueFd cgroup_map_;
	uint64_t cgroup_id_ = 0;
};

} // namespace fsbpf
