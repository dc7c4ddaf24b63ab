// SPDX-License-Identifier: GPL-2.0
// filelife's names: what the kernel said a call named, turned into the
// directory entry it was (directory inode and leaf) at the time of the call.
//
// The vfs views send exact entries. The system-call views send the text a
// caller passed, the exact directory it is relative to and, for text with
// slashes, that directory's path. Which directory "a/b/f" went through is
// decided from a map of directory paths learned from earlier events (every
// birth carries its file's path), kept per mount namespace and updated when
// directories are renamed or removed: never by looking at the file system
// when the event is read, by which time the directory may be gone.
#pragma once

#include "filelife.h"
#include "lives.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

namespace filelife {

// A directory's path in one mount namespace.
struct DirPath {
	uint32_t mntns = 0;
	std::string path;

	bool operator==(const DirPath &other) const = default;
};

struct DirPathHash {
	size_t operator()(const DirPath &dir) const
	{
		return std::hash<std::string>()(dir.path) ^ dir.mntns;
	}
};

// One name of an event, decoded from its ring-buffer record.
struct EventName {
	Inode dir;                       // see filelife_name
	uint32_t flags = 0;              // enum filelife_name_flags
	std::string text;                // the leaf (EXACT) or the text a system call was given
	std::optional<std::string> path; // complete path the flags say it is of (own or base)
};

// The names of a ring-buffer record of `size` bytes, with the paths that go
// with them, from its tail; false when the record is shorter than it says.
bool decode_names(const filelife_event &event, size_t size, std::array<EventName, 2> &names);

// Finds a directory of fsbpf's own mount namespace that no event told about.
using DirLookup = std::function<std::optional<Inode>(const std::string &path)>;

class Names {
public:
	Names(bool full_paths, uint32_t own_mntns, DirLookup lookup)
		: full_paths_(full_paths), own_mntns_(own_mntns), lookup_(std::move(lookup))
	{
	}

	std::optional<Name> resolve(const EventName &name, uint32_t mntns);
	// A removed directory: paths learned under it no longer hold.
	void directory_removed(const EventName &name, uint32_t mntns);
	// A rename: a directory's learned paths, and those under it, move with it.
	void renamed(const Name &from, const Name &to);

	// Names over FILELIFE_TEXT_LEN bytes, which BPF could not read whole.
	uint64_t unresolved_long() const { return unresolved_long_; }
	// Names with slashes through a directory no event told about, and not found.
	uint64_t unresolved_dir() const { return unresolved_dir_; }

private:
	Name exact(const EventName &name, uint32_t mntns);
	Name in_directory(const Inode &dir, const std::string &leaf,
			  const std::optional<std::string> &full, uint32_t mntns) const;
	std::optional<Inode> directory(const std::string &path, uint32_t mntns);
	void learn(const Inode &dir, const std::string &path, uint32_t mntns);
	void forget_under(const DirPath &top);

	bool full_paths_;
	uint32_t own_mntns_;
	DirLookup lookup_;
	uint64_t unresolved_long_ = 0;
	uint64_t unresolved_dir_ = 0;
	std::unordered_map<DirPath, Inode, DirPathHash> dirs_;
	std::unordered_map<Inode, DirPath, InodeHash> paths_;
};

} // namespace filelife
