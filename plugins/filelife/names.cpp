// SPDX-License-Identifier: GPL-2.0
#include "names.hpp"

#include <fsbpf/path.hpp>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <utility>
#include <vector>

namespace filelife {
namespace {

std::string join(const std::string &dir, std::string_view name)
{
	while (!name.empty() && name.front() == '/')
		name.remove_prefix(1);
	return (dir == "/" ? dir : dir + "/") + std::string(name);
}

// Whether path has no empty, "." or ".." component (a leading or trailing
// slash aside): lexically_normal would change nothing but a trailing slash.
// Most paths are so, and normalising allocates every component.
bool is_normal(std::string_view path)
{
	for (size_t at = path.starts_with('/') ? 1 : 0; at < path.size();) {
		const size_t end = std::min(path.find('/', at), path.size());
		const std::string_view part = path.substr(at, end - at);
		if (part.empty() || part == "." || part == "..")
			return false;
		at = end + 1;
	}
	return true;
}

std::string normal(const std::string &path)
{
	std::string out =
		is_normal(path) ? path : std::filesystem::path(path).lexically_normal().string();
	if (out.size() > 1 && out.back() == '/')
		out.pop_back();
	return out;
}

std::pair<std::string, std::string> split_leaf(const std::string &path)
{
	const size_t slash = path.rfind('/');
	if (slash == std::string::npos)
		return {".", path};
	return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

std::string trimmed(const EventName &name)
{
	std::string text = name.text;
	while (text.size() > 1 && text.back() == '/')
		text.pop_back();
	return text;
}

bool is_under(const std::string &path, const std::string &top)
{
	return path == top || (path.starts_with(top) && (top == "/" || path[top.size()] == '/'));
}

// The directory of a system call's name: its base's path, when the event carries it.
std::optional<std::string> base_path(const EventName &name)
{
	if (!(name.flags & FILELIFE_NAME_BASE_PATH))
		return std::nullopt;
	return name.path;
}

// A system call's path from the mount namespace's root, when the event has its base's.
std::optional<std::string> full_path(const EventName &name)
{
	const std::optional<std::string> dir = base_path(name);
	if (!dir)
		return std::nullopt;
	return normal(join(*dir, trimmed(name)));
}

bool complete(const fsbpf_path_meta &path)
{
	return (path.flags & FSBPF_PATH_PRESENT) && !(path.flags & FSBPF_PATH_TRUNCATED);
}

} // namespace

bool decode_names(const filelife_event &event, size_t size, std::array<EventName, 2> &names)
{
	if (size < offsetof(filelife_event, tail))
		return false;
	const std::string_view tail(
		event.tail, std::min(size - offsetof(filelife_event, tail), sizeof(event.tail)));
	size_t at = 0;
	auto take = [&](size_t bytes) -> std::optional<std::string_view> {
		if (bytes > tail.size() - at)
			return std::nullopt;
		at += bytes;
		return tail.substr(at - bytes, bytes);
	};
	for (size_t i = 0; i < names.size(); i++) {
		const std::optional<std::string_view> text = take(event.names[i].size);
		if (!text)
			return false;
		names[i] = {Inode{event.names[i].dir.dev, event.names[i].dir.ino},
			    event.names[i].flags,
			    std::string(text->data(), strnlen(text->data(), text->size())),
			    std::nullopt};
	}
	for (size_t i = 0; i < names.size(); i++) {
		const fsbpf_path_meta &meta = event.paths[i];
		const std::optional<std::string_view> walked = take(meta.len);
		if (!walked)
			return false;
		if (complete(meta))
			names[i].path = fsbpf::path_to_string(*walked, meta.depth, meta.flags);
	}
	return true;
}

std::optional<Name> Names::resolve(const EventName &name, uint32_t mntns)
{
	if (!(name.flags & FILELIFE_NAME_SET))
		return std::nullopt;
	if (name.flags & FILELIFE_NAME_EXACT)
		return exact(name, mntns);
	const std::string text = trimmed(name);
	if (text.empty())
		return std::nullopt;
	const std::optional<std::string> base = base_path(name);
	const bool has_slash = text.find('/') != std::string::npos;
	if ((name.flags & FILELIFE_NAME_TRUNCATED) || (has_slash && !base)) {
		++unresolved_long_;
		return std::nullopt;
	}
	if (base)
		learn(name.dir, *base, mntns);
	const std::optional<std::string> full = full_path(name);
	if (!has_slash)
		return in_directory(name.dir, text, full, mntns);
	auto [dir_path, leaf] = split_leaf(*full);
	const std::optional<Inode> dir = directory(dir_path, mntns);
	if (!dir) {
		++unresolved_dir_;
		return std::nullopt;
	}
	return in_directory(*dir, leaf, full, mntns);
}

void Names::directory_removed(const EventName &name, uint32_t mntns)
{
	if (const std::optional<std::string> full = full_path(name))
		forget_under({mntns, *full});
}

void Names::renamed(const Name &from, const Name &to)
{
	const uint32_t mntns = to.mntns;
	if (!to.path.empty())
		forget_under({mntns, to.path});
	if (from.path.empty())
		return;
	std::vector<std::pair<std::string, Inode>> moved;
	for (const auto &[dir, inode] : dirs_)
		if (dir.mntns == mntns && is_under(dir.path, from.path))
			moved.emplace_back(dir.path, inode);
	forget_under({mntns, from.path});
	if (to.path.empty())
		return;
	for (const auto &[old_path, inode] : moved)
		learn(inode, to.path + old_path.substr(from.path.size()), mntns);
}

Name Names::exact(const EventName &name, uint32_t mntns)
{
	std::optional<std::string> full;
	if (const std::optional<std::string> dir = base_path(name)) {
		learn(name.dir, *dir, mntns);
		full = join(*dir, name.text);
	} else if ((name.flags & FILELIFE_NAME_FULL_PATH) && name.path) {
		full = name.path;
		learn(name.dir, split_leaf(*full).first, mntns);
	}
	return in_directory(name.dir, name.text, full, mntns);
}

// The entry leaf of dir; full is its path when the event gave it.
Name Names::in_directory(const Inode &dir, const std::string &leaf,
			 const std::optional<std::string> &full, uint32_t mntns) const
{
	std::string path;
	if (full) {
		path = *full;
	} else if (auto known = paths_.find(dir);
		   known != paths_.end() && known->second.mntns == mntns) {
		path = join(known->second.path, leaf);
	}
	std::string shown = full_paths_ && !path.empty() ? path : leaf;
	return Name{{dir, leaf}, std::move(shown), std::move(path), mntns};
}

std::optional<Inode> Names::directory(const std::string &path, uint32_t mntns)
{
	if (auto known = dirs_.find({mntns, path}); known != dirs_.end())
		return known->second;
	// No birth or base told about it, e.g. a path through a symbolic link.
	if (mntns == own_mntns_ && lookup_)
		return lookup_(path);
	return std::nullopt;
}

void Names::learn(const Inode &dir, const std::string &path, uint32_t mntns)
{
	DirPath where{mntns, path};
	dirs_[where] = dir;
	paths_[dir] = std::move(where);
}

void Names::forget_under(const DirPath &top)
{
	std::erase_if(dirs_, [&](const auto &entry) {
		const auto &[dir, inode] = entry;
		if (dir.mntns != top.mntns || !is_under(dir.path, top.path))
			return false;
		if (auto known = paths_.find(inode); known != paths_.end() && known->second == dir)
			paths_.erase(known);
		return true;
	});
}

} // namespace filelife
