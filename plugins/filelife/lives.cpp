// SPDX-License-Identifier: GPL-2.0
#include "lives.hpp"

#include <algorithm>

namespace filelife {

void Lives::born(const Inode &file, uint32_t generation, const std::optional<Name> &name,
		 const Actor &creator)
{
	if (Life *same = file.known() ? find(file, nullptr) : nullptr) {
		if (is_repeat(*same, generation, creator))
			return;
		end_unseen(*same); // the inode was freed and reused: its last name went unseen
	}
	if (name) {
		// A name still on record belongs to a file whose end was not seen.
		if (Life *stale = find(Inode{}, &name->key)) {
			remove_name(*stale, name->key);
			if (stale->names.empty())
				end_unseen(*stale);
		}
	}
	if (lives_.size() >= capacity_) {
		++table_full_;
		return;
	}
	Life &life = lives_[next_id_];
	life.id = next_id_++;
	life.file = file;
	life.generation = generation;
	life.creator = creator;
	if (file.known())
		by_inode_[file] = life.id;
	if (name) {
		life.created_as = name->shown;
		add_name(life, *name);
	}
}

void Lives::linked(const Inode &file, const std::optional<Name> &old, const Name &added)
{
	Life *life = find(file, old ? &old->key : nullptr);
	if (!life)
		return;
	if (life->created_as.empty())
		life->created_as = added.shown;
	add_name(*life, added);
}

std::optional<Death> Lives::unlinked(const Inode &file, const Name &removed, Removal removal,
				     const Actor &deleter)
{
	Life *life = find(file, &removed.key);
	if (!life)
		return std::nullopt;
	remove_name(*life, removed.key);
	if (removal.nlink_known ? !removal.last_link : !life->names.empty())
		return std::nullopt;
	return bury(*life, removed.shown, deleter);
}

std::optional<Death> Lives::renamed(const Inode &file, const Inode &victim, const Name &from,
				    const Name &to, Removal removal, const Actor &renamer)
{
	Life *moved = find(file, from.key.leaf.empty() ? nullptr : &from.key);
	Life *replaced = find(victim, &to.key);
	std::optional<Death> death;
	if (replaced && replaced != moved) {
		remove_name(*replaced, to.key);
		if (removal.nlink_known ? removal.last_link : replaced->names.empty())
			death = bury(*replaced, to.shown, renamer);
	}
	if (moved)
		rename(*moved, from.key.leaf.empty() ? nullptr : &from.key, to);
	return death;
}

void Lives::exchanged(const Inode &first, const Inode &second, const Name &a, const Name &b)
{
	Life *at_a = find(first, &a.key);
	Life *at_b = find(second, &b.key);
	if (at_a == at_b)
		return;
	if (at_a)
		remove_name(*at_a, a.key);
	if (at_b)
		remove_name(*at_b, b.key);
	if (at_a)
		add_name(*at_a, b);
	if (at_b)
		add_name(*at_b, a);
}

Lives::Life *Lives::find(const Inode &file, const NameKey *key)
{
	auto by_inode = file.known() ? by_inode_.find(file) : by_inode_.end();
	if (by_inode != by_inode_.end())
		return &lives_.at(by_inode->second);
	if (!key)
		return nullptr;
	auto by_name = by_name_.find(*key);
	return by_name == by_name_.end() ? nullptr : &lives_.at(by_name->second);
}

void Lives::add_name(Life &life, const Name &name)
{
	by_name_[name.key] = life.id;
	life.names.push_back(name);
	life.shown = name.shown;
}

void Lives::remove_name(Life &life, const NameKey &key)
{
	auto named = by_name_.find(key);
	if (named != by_name_.end() && named->second == life.id)
		by_name_.erase(named);
	std::erase_if(life.names, [&](const Name &name) { return name.key == key; });
}

void Lives::rename(Life &life, const NameKey *from, const Name &to)
{
	if (from)
		remove_name(life, *from);
	else if (!life.names.empty())
		remove_name(life, life.names.back().key); // vfs: the name the file was known by
	add_name(life, to);
}

void Lives::settle(const GoneCheck &gone)
{
	std::vector<uint64_t> ended;
	for (const auto &[id, life] : lives_)
		if (!life.names.empty() && gone(life.file, life.generation, life.names))
			ended.push_back(id);
	for (const uint64_t id : ended)
		end_unseen(lives_.at(id));
}

bool Lives::is_repeat(const Life &life, uint32_t generation, const Actor &creator) const
{
	return births_may_repeat_ && life.generation == generation &&
	       life.creator.pid == creator.pid;
}

void Lives::end_unseen(Life &life)
{
	++(life.created_as.empty() && life.names.empty() ? never_named_ : unseen_);
	forget(life);
}

Death Lives::bury(Life &life, const std::string &name, const Actor &deleter)
{
	Death death{deleter, life.creator,    life.file,
		    name,    life.created_as, deleter.ns - life.creator.ns};
	forget(life);
	return death;
}

void Lives::forget(Life &life)
{
	for (const Name &left : life.names) {
		auto named = by_name_.find(left.key);
		if (named != by_name_.end() && named->second == life.id)
			by_name_.erase(named);
	}
	if (life.file.known())
		by_inode_.erase(life.file);
	lives_.erase(life.id);
}

} // namespace filelife
