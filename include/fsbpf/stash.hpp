// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Where the entry/exit pairs of bpf/stash.bpf.h keep a call in flight: in
// the thread's task local storage where tracing programs may use it, else
// in a hash by thread id that the tool sizes.
#pragma once

#include <fsbpf/plugin.hpp>

#include <bpf/libbpf.h>

#include <string>
#include <string_view>

namespace fsbpf {

namespace detail {

// The suffix of FSBPF_STASH's task storage map.
constexpr std::string_view kStashByTask = "_by_task";

inline int place_stashes(bpf_object &obj, bool in_task)
{
	bpf_map *map = nullptr;
	bpf_object__for_each_map (map, &obj) {
		const std::string_view name = bpf_map__name(map);
		if (bpf_map__type(map) != BPF_MAP_TYPE_TASK_STORAGE ||
		    !name.ends_with(kStashByTask))
			continue;
		int err = 0;
		if (in_task) {
			// The hash by thread id goes unused.
			const std::string hash(name.substr(0, name.size() - kStashByTask.size()));
			bpf_map *by_tid = bpf_object__find_map_by_name(&obj, hash.c_str());
			err = by_tid ? bpf_map__set_max_entries(by_tid, 1) : -ENOENT;
		} else {
			// The programs still name the map, in code the verifier skips.
			err = bpf_map__set_type(map, BPF_MAP_TYPE_HASH);
			if (!err)
				err = bpf_map__set_map_flags(map, 0);
			if (!err)
				err = bpf_map__set_max_entries(map, 1);
		}
		if (err)
			return err;
	}
	return 0;
}

} // namespace detail

// Picks where skel's stashes live, after the tool has sized its hashes;
// Skeleton::attempt calls it for objects that include bpf/stash.bpf.h.
template <typename Skel>
int place_stashes(Skel &skel, const plugin::Host &host)
{
	const bool in_task = host.feature(FSBPF_FEATURE_TASK_STORAGE);
	skel.rodata->fsbpf_stash_in_task = in_task;
	return detail::place_stashes(*skel.obj, in_task);
}

} // namespace fsbpf
