// SPDX-License-Identifier: GPL-2.0
// filelife's table of lives: which files were born while tracing, under
// which names they live now, and when the last of those names goes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace filelife {

// A file or directory: the kernel's dev_t (major << 20 | minor) and inode number.
struct Inode {
	uint64_t dev = 0;
	uint64_t ino = 0;

	bool known() const { return ino != 0; }
	bool operator==(const Inode &other) const = default;
};

// A directory entry: the directory and the name in it.
struct NameKey {
	Inode dir;
	std::string leaf;

	bool operator==(const NameKey &other) const = default;
};

struct Name {
	NameKey key;
	std::string shown; // what the FILE column prints: the leaf, or the full path
	std::string path;  // from its mount namespace's root, where known
	uint32_t mntns = 0;
};

// Who did something, and when (CLOCK_MONOTONIC).
struct Actor {
	uint64_t ns = 0;
	uint32_t pid = 0;
	std::string comm;
	uint32_t mntns = 0; // the inode number of its mount namespace
	uint64_t cgroup_id = 0;
};

struct Death {
	Actor deleter;
	Actor creator;
	Inode file;
	std::string name;       // the name that was removed, as shown
	std::string created_as; // the name it was born under, as shown
	uint64_t age_ns = 0;
};

// How the kernel view knows that a name was a file's last: from the link
// count (vfs), or because no other name of the file is known (system calls).
struct Removal {
	bool nlink_known = false;
	bool last_link = false;
};

struct InodeHash {
	size_t operator()(const Inode &inode) const
	{
		return std::hash<uint64_t>()(inode.ino * 31 + inode.dev);
	}
};
struct NameKeyHash {
	size_t operator()(const NameKey &key) const
	{
		return InodeHash()(key.dir) ^ std::hash<std::string>()(key.leaf);
	}
};

// Whether a life's file is gone, from its inode and generation and the paths of its names.
using GoneCheck =
	std::function<bool(const Inode &file, uint32_t generation, const std::vector<Name> &names)>;

// Every file born while tracing ends in exactly one of: a Death, a count of
// table_full(), unseen() or never_named(), or still alive in the table.
class Lives {
public:
	// births_may_repeat: a kernel view that can report one birth twice (vfs_create
	// under an open), so a second birth of the same inode, generation and creator is
	// the first one again rather than a new file on a reused inode.
	Lives(size_t capacity, bool births_may_repeat)
		: capacity_(capacity), births_may_repeat_(births_may_repeat)
	{
	}

	// name is empty for an O_TMPFILE, which lives nameless until linked.
	void born(const Inode &file, uint32_t generation, const std::optional<Name> &name,
		  const Actor &creator);
	// A new name for the file known as `file` or by `old`.
	void linked(const Inode &file, const std::optional<Name> &old, const Name &added);
	std::optional<Death> unlinked(const Inode &file, const Name &removed, Removal removal,
				      const Actor &deleter);
	// `from` became `to`; the file `to` named before (victim) loses that name.
	std::optional<Death> renamed(const Inode &file, const Inode &victim, const Name &from,
				     const Name &to, Removal removal, const Actor &renamer);
	// RENAME_EXCHANGE: the two names swap files.
	void exchanged(const Inode &first, const Inode &second, const Name &a, const Name &b);

	// At the end of tracing: the lives whose file is gone ended unseen.
	void settle(const GoneCheck &gone);

	size_t size() const { return lives_.size(); }
	uint64_t table_full() const { return table_full_; }
	// Lives that ended without a death filelife could match: their inode was born
	// again, a new file took their last name, or at exit the file was gone.
	uint64_t unseen() const { return unseen_; }
	// O_TMPFILE files that ended (their inode was born again) without ever being linked.
	uint64_t never_named() const { return never_named_; }

private:
	struct Life {
		uint64_t id = 0;
		Inode file;
		uint32_t generation = 0;
		Actor creator;
		std::string created_as;
		std::vector<Name> names;
		std::string shown; // its latest name
	};

	Life *find(const Inode &file, const NameKey *key);
	void add_name(Life &life, const Name &name);
	void remove_name(Life &life, const NameKey &key);
	void rename(Life &life, const NameKey *from, const Name &to);
	Death bury(Life &life, const std::string &name, const Actor &deleter);
	void forget(Life &life);
	void end_unseen(Life &life);
	bool is_repeat(const Life &life, uint32_t generation, const Actor &creator) const;

	size_t capacity_;
	bool births_may_repeat_;
	uint64_t next_id_ = 1;
	uint64_t table_full_ = 0;
	uint64_t unseen_ = 0;
	uint64_t never_named_ = 0;
	std::unordered_map<uint64_t, Life> lives_;
	std::unordered_map<Inode, uint64_t, InodeHash> by_inode_;
	std::unordered_map<NameKey, uint64_t, NameKeyHash> by_name_;
};

} // namespace filelife
