// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The workload every record of every tool names: the cgroup (id, path on the
// unified hierarchy, the container or unit it is) and the mount namespace of
// the process. JSON and CSV always carry them; the table shows CONTAINER and
// MNTNS when asked to (--show-containers).
#pragma once

#include <fsbpf/plugin.hpp>

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace fsbpf {

class WorkloadFields {
public:
	void add_option(plugin::Options &options)
	{
		options.flag("--show-containers",
			     "Show each record's container and mount namespace in the table",
			     in_table_);
	}

	// The host that names cgroups, and whose output format columns() follows.
	void use(const plugin::Host &host)
	{
		host_ = &host;
		table_ = host.output_format() == FSBPF_OUTPUT_TABLE;
	}

	// The columns a sink gets; a tool puts them before its last column, the
	// file, which takes the rest of a table's line.
	std::vector<fsbpf_column> columns() const
	{
		if (table_ && !in_table_)
			return {};
		if (table_)
			return {{"container", nullptr, FSBPF_VAL_STR, -16, 0},
				{"mntns", nullptr, FSBPF_VAL_UINT, -10, 0}};
		return {{"cgroup_id", nullptr, FSBPF_VAL_UINT, 0, 0},
			{"cgroup", nullptr, FSBPF_VAL_STR, 0, 0},
			{"container", nullptr, FSBPF_VAL_STR, 0, 0},
			{"mntns", nullptr, FSBPF_VAL_UINT, 0, 0}};
	}

	// The values of columns() for one record, whose strings live until the next call.
	std::vector<fsbpf_value> values(uint64_t cgroup_id, uint32_t mntns)
	{
		if (table_ && !in_table_)
			return {};
		const plugin::CgroupName &name = cgroup(cgroup_id);
		if (table_)
			return {plugin::str(name.container), plugin::u64(mntns)};
		return {plugin::u64(cgroup_id), plugin::str(name.path), plugin::str(name.container),
			plugin::u64(mntns)};
	}

	// The names of cgroup `id`, asked of the host once, valid until the next
	// call. Ask while its processes run: a cgroup removed has no name.
	const plugin::CgroupName &cgroup(uint64_t id)
	{
		if (auto found = names_.find(id); found != names_.end())
			return found->second;
		if (names_.size() >= kMaxCached)
			names_.clear();
		return names_.emplace(id, host_ ? host_->cgroup(id) : plugin::CgroupName{})
			.first->second;
	}

private:
	static constexpr size_t kMaxCached = 4096;
	int in_table_ = 0;
	const plugin::Host *host_ = nullptr;
	bool table_ = false;
	std::unordered_map<uint64_t, plugin::CgroupName> names_;
};

} // namespace fsbpf
