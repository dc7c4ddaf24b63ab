// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// User-space side of bpf/path.h: turns the leaf-first names into a path.
#pragma once

#include <fsbpf/path.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace fsbpf {

// "/a/b/c" for a complete path, "…/b/c" when BPF stopped before the root,
// "-" when no file was found: from the leaf-first names a walk left.
inline std::string path_to_string(std::string_view names_leaf_first, uint16_t depth, uint16_t flags)
{
	if (!(flags & FSBPF_PATH_PRESENT))
		return "-";
	if (flags & FSBPF_PATH_KERNEL_NAME)
		return std::string(names_leaf_first.substr(0, names_leaf_first.find('\0')));
	std::vector<std::string_view> names;
	std::string_view rest = names_leaf_first;
	while (!rest.empty() && names.size() < depth) {
		const size_t nul = rest.find('\0');
		names.push_back(rest.substr(0, nul));
		rest = nul == std::string_view::npos ? std::string_view{} : rest.substr(nul + 1);
	}
	std::string out = flags & FSBPF_PATH_TRUNCATED ? "..." : "";
	for (auto it = names.rbegin(); it != names.rend(); ++it)
		out.append("/").append(*it);
	if (flags & FSBPF_PATH_DELETED)
		out += " (deleted)";
	return out.empty() ? "/" : out;
}

inline std::string path_to_string(const fsbpf_path &path)
{
	const size_t len = path.len < sizeof(path.names) ? path.len : sizeof(path.names);
	return path_to_string(std::string_view(path.names, len), path.depth, path.flags);
}

// The path that ends a ring-buffer record of `size` bytes, whose struct
// fsbpf_path is at `path_offset`: BPF sends only the names the path uses
// (fsbpf_path_record_size in bpf/path.bpf.h).
inline std::string path_in_record(const void *record, size_t size, size_t path_offset)
{
	const size_t names_offset = path_offset + offsetof(fsbpf_path, names);
	if (size < names_offset)
		return "-";
	const char *bytes = static_cast<const char *>(record);
	fsbpf_path_meta meta{};
	std::memcpy(&meta, bytes + path_offset, sizeof(meta));
	const size_t len = std::min<size_t>({meta.len, size - names_offset, FSBPF_PATH_BYTES});
	return path_to_string(std::string_view(bytes + names_offset, len), meta.depth, meta.flags);
}

// The last name of a path ("c" of "/a/b/c"); a path ending in '/' whole.
inline std::string last_name(std::string_view path)
{
	const size_t slash = path.rfind('/');
	if (slash == std::string_view::npos || slash + 1 == path.size())
		return std::string(path);
	return std::string(path.substr(slash + 1));
}

// The last name only, as BCC's tools print files.
inline std::string path_basename(const fsbpf_path &path)
{
	if (!(path.flags & FSBPF_PATH_PRESENT))
		return "-";
	if (path.depth == 0)
		return "/";
	return std::string(path.names, strnlen(path.names, sizeof(path.names)));
}

} // namespace fsbpf
