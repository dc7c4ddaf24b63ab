// SPDX-License-Identifier: GPL-2.0
// filelife's table of lives against a reference model: a directory of four
// names over four inode numbers (so numbers are reused at once, as ext4
// does), driven by fuzzed operations, some of whose events are lost on the
// way. Whatever happens, every file born is reported once or counted once;
// with no event lost, every death is reported exactly, with its creator.
#include "lives.hpp"

#include <array>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

using filelife::Actor;
using filelife::Death;
using filelife::Inode;
using filelife::Lives;
using filelife::Name;
using filelife::Removal;

constexpr Inode kDir{1, 2};
constexpr size_t kCapacity = 6;
const std::array<std::string, 4> kLeaves = {"a", "b", "c", "d"};

struct File {
	uint64_t born_ns = 0;
	uint32_t generation = 0;
	int names = 0;
	bool alive = false;
};

// The truth: which inode each name holds, and each inode's current file.
class Model {
public:
	std::optional<uint64_t> at(const std::string &leaf) const
	{
		auto it = names_.find(leaf);
		return it == names_.end() ? std::nullopt : std::optional(it->second);
	}
	std::optional<uint64_t> free_inode() const
	{
		for (uint64_t ino = 10; ino < 14; ino++)
			if (!files_[ino - 10].alive)
				return ino;
		return std::nullopt;
	}
	File &file(uint64_t ino) { return files_.at(ino - 10); }
	void name(const std::string &leaf, uint64_t ino)
	{
		names_[leaf] = ino;
		file(ino).names++;
	}
	// Removes a name; true when that was its file's last.
	bool unname(const std::string &leaf)
	{
		File &gone = file(names_.at(leaf));
		names_.erase(leaf);
		gone.alive = --gone.names > 0;
		return !gone.alive;
	}

private:
	std::map<std::string, uint64_t> names_;
	std::array<File, 4> files_{};
};

Name name_of(const std::string &leaf)
{
	return Name{{kDir, leaf}, leaf, "/d/" + leaf, 0};
}

struct Run {
	explicit Run(bool vfs) : vfs(vfs), lives(kCapacity, vfs) {}

	bool vfs; // the kernel view: exact inodes and link counts, or names only
	Lives lives;
	Model model;
	uint64_t now = 0;
	uint32_t generation = 0;
	uint64_t born = 0, births_lost = 0, reported = 0;
	bool lossless = true;
	std::vector<Death> expected; // with no loss, the deaths in order

	Inode identity(uint64_t ino) const { return vfs ? Inode{7, ino} : Inode{}; }

	void report(const std::optional<Death> &death)
	{
		if (!death)
			return;
		reported++;
		if (!lossless)
			return;
		if (expected.empty() || death->creator.ns != expected.front().creator.ns ||
		    death->deleter.ns != expected.front().deleter.ns ||
		    death->name != expected.front().name)
			std::abort(); // a death that did not happen, or the wrong one
		expected.erase(expected.begin());
	}

	void died(uint64_t ino, const std::string &leaf)
	{
		Death death;
		death.creator.ns = model.file(ino).born_ns;
		death.deleter.ns = now;
		death.name = leaf;
		expected.push_back(death);
	}

	void create(const std::string &leaf, bool named, bool lost)
	{
		const std::optional<uint64_t> ino = model.free_inode();
		if ((named && model.at(leaf)) || !ino)
			return;
		File &file = model.file(*ino);
		file = File{now, ++generation, 0, named};
		if (named)
			model.name(leaf, *ino);
		born++;
		if (lost) {
			births_lost++;
			lossless = false;
			return;
		}
		const std::optional<Name> name =
			named ? std::optional(name_of(leaf)) : std::nullopt;
		const uint64_t full = lives.table_full();
		lives.born(Inode{7, *ino}, generation, name,
			   Actor{now, static_cast<uint32_t>(now), "t"});
		if (lives.table_full() != full)
			lossless =
				false; // a birth the table had no room for is counted, not reported
	}

	void unlink(const std::string &leaf, bool lost)
	{
		const std::optional<uint64_t> ino = model.at(leaf);
		if (!ino)
			return;
		const bool last = model.unname(leaf);
		if (last)
			died(*ino, leaf);
		if (lost) {
			lossless = false;
			return;
		}
		report(lives.unlinked(identity(*ino), name_of(leaf), Removal{vfs, last},
				      Actor{now, 1, "rm"}));
	}

	void rename(const std::string &from, const std::string &to, bool lost)
	{
		const std::optional<uint64_t> moved = model.at(from);
		if (!moved || from == to)
			return;
		const std::optional<uint64_t> victim = model.at(to);
		if (victim == moved)
			return; // rename between two links of one file does nothing
		bool last = false;
		if (victim) {
			last = model.unname(to);
			if (last)
				died(*victim, to);
		}
		model.unname(from);
		model.file(*moved).alive = true;
		model.name(to, *moved);
		if (lost) {
			lossless = false;
			return;
		}
		report(lives.renamed(identity(*moved), victim ? identity(*victim) : Inode{},
				     name_of(from), name_of(to), Removal{vfs, last},
				     Actor{now, 1, "mv"}));
	}

	void link(const std::string &from, const std::string &to, bool lost)
	{
		const std::optional<uint64_t> ino = model.at(from);
		if (!ino || model.at(to))
			return;
		model.name(to, *ino);
		if (lost) {
			lossless = false;
			return;
		}
		lives.linked(identity(*ino), name_of(from), name_of(to));
	}

	void settle()
	{
		lives.settle([&](const Inode &file, uint32_t generation_of_life,
				 const std::vector<Name> &) {
			const File &now_there = model.file(file.ino);
			return !now_there.alive || now_there.generation != generation_of_life;
		});
	}
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	Run run((data[0] & 1) != 0);
	for (size_t i = 1; i + 1 < size; i += 2) {
		run.now += 10;
		const uint8_t op = data[i];
		const uint8_t args = data[i + 1];
		const std::string &first = kLeaves.at(args & 3);
		const std::string &second = kLeaves.at((args >> 2) & 3);
		const bool lost = (op & 0xf0) == 0xf0;
		switch (op % 5) {
		case 0:
			run.create(first, true, lost);
			break;
		case 1:
			run.unlink(first, lost);
			break;
		case 2:
			run.rename(first, second, lost);
			break;
		case 3:
			run.link(first, second, lost);
			break;
		default:
			run.create(first, false, lost); // an O_TMPFILE, closed unlinked
			break;
		}
	}
	run.settle();
	const Lives &lives = run.lives;
	const uint64_t accounted = run.reported + lives.unseen() + lives.never_named() +
				   lives.table_full() + run.births_lost + lives.size();
	if (accounted != run.born)
		std::abort(); // a file neither reported nor counted, or both
	if (run.lossless && (!run.expected.empty() || lives.unseen() != 0))
		std::abort(); // with every event seen, every death is reported
	return 0;
}
