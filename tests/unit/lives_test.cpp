// SPDX-License-Identifier: GPL-2.0
// filelife's table of lives, without a kernel: the decisions about births,
// names and deaths that every backend's events lead to.
#include "lives.hpp"

#include <gtest/gtest.h>

namespace {

using filelife::Actor;
using filelife::Inode;
using filelife::Lives;
using filelife::Name;
using filelife::Removal;

constexpr Inode kDir{1, 2};
constexpr Removal kByNames{};            // system calls: no link count
constexpr Removal kNotLast{true, false}; // vfs: other links remain
constexpr Removal kLastLink{true, true}; // vfs: that was the last

Name name(const std::string &leaf)
{
	return Name{{kDir, leaf}, leaf, "/d/" + leaf, 0};
}

Actor at(uint64_t ns, uint32_t pid = 10)
{
	return Actor{ns, pid, "cmd" + std::to_string(pid)};
}

TEST(Lives, SecondHardLinkIsNoDeathWhenOnlyNamesAreKnown)
{
	Lives lives(8, false);
	lives.born(Inode{}, 0, name("a"), at(100));
	lives.linked(Inode{}, name("a"), name("b"));
	EXPECT_FALSE(lives.unlinked(Inode{}, name("b"), kByNames, at(200)));
	const auto death = lives.unlinked(Inode{}, name("a"), kByNames, at(350, 11));
	ASSERT_TRUE(death);
	EXPECT_EQ(death->name, "a");
	EXPECT_EQ(death->age_ns, 250U);
	EXPECT_EQ(death->deleter.pid, 11U);
	EXPECT_EQ(death->creator.pid, 10U);
	EXPECT_EQ(lives.size(), 0U);
}

TEST(Lives, LinkCountDecidesWhenTheKernelGaveIt)
{
	Lives lives(8, false);
	const Inode file{7, 70};
	lives.born(file, 0, name("a"), at(0));
	EXPECT_FALSE(lives.unlinked(file, name("a"), kNotLast, at(1)));
	EXPECT_TRUE(lives.unlinked(file, name("elsewhere"), kLastLink, at(2)));
}

TEST(Lives, RenameKeepsTheFileAndRenameOverEndsTheVictim)
{
	Lives lives(8, false);
	lives.born(Inode{}, 0, name("victim"), at(0, 1));
	lives.born(Inode{}, 0, name("moved"), at(5, 2));
	const auto death =
		lives.renamed(Inode{}, Inode{}, name("moved"), name("victim"), kByNames, at(30, 3));
	ASSERT_TRUE(death);
	EXPECT_EQ(death->name, "victim");
	EXPECT_EQ(death->creator.pid, 1U);
	EXPECT_EQ(death->deleter.pid, 3U);
	const auto second = lives.unlinked(Inode{}, name("victim"), kByNames, at(40, 4));
	ASSERT_TRUE(second);
	EXPECT_EQ(second->creator.pid, 2U);
	EXPECT_EQ(second->created_as, "moved");
	EXPECT_EQ(second->age_ns, 35U);
}

TEST(Lives, ExchangeSwapsTheFilesBehindTwoNames)
{
	Lives lives(8, false);
	lives.born(Inode{}, 0, name("left"), at(0, 1));
	lives.born(Inode{}, 0, name("right"), at(0, 2));
	lives.exchanged(Inode{}, Inode{}, name("left"), name("right"));
	const auto death = lives.unlinked(Inode{}, name("left"), kByNames, at(9));
	ASSERT_TRUE(death);
	EXPECT_EQ(death->creator.pid, 2U);
	EXPECT_EQ(death->created_as, "right");
}

TEST(Lives, TmpfileAgesFromItsOpenAndIsNamedByItsLink)
{
	Lives lives(8, false);
	const Inode file{3, 30};
	lives.born(file, 0, std::nullopt, at(1000));
	lives.linked(file, std::nullopt, name("named"));
	const auto death = lives.unlinked(Inode{}, name("named"), kByNames, at(1500));
	ASSERT_TRUE(death);
	EXPECT_EQ(death->age_ns, 500U);
	EXPECT_EQ(death->created_as, "named");
}

TEST(Lives, ABirthSeenTwiceByTheVfsViewCountsOnce)
{
	Lives lives(8, true);
	const Inode file{3, 31};
	lives.born(file, 0, name("f"), at(0));
	lives.born(file, 0, name("f"), at(9));
	EXPECT_EQ(lives.size(), 1U);
	const auto death = lives.unlinked(file, name("f"), kLastLink, at(10));
	ASSERT_TRUE(death);
	EXPECT_EQ(death->age_ns, 10U);
}

TEST(Lives, AFullTableCountsWhatItCouldNotKeep)
{
	Lives lives(2, false);
	for (const char *leaf : {"a", "b", "c", "d"})
		lives.born(Inode{}, 0, name(leaf), at(0));
	EXPECT_EQ(lives.size(), 2U);
	EXPECT_EQ(lives.table_full(), 2U);
	EXPECT_FALSE(lives.unlinked(Inode{}, name("c"), kByNames, at(1)));
	EXPECT_TRUE(lives.unlinked(Inode{}, name("a"), kByNames, at(1)));
}

TEST(Lives, UnknownFilesAndFailedLookupsReportNothing)
{
	Lives lives(8, false);
	EXPECT_FALSE(lives.unlinked(Inode{}, name("never-born"), kByNames, at(1)));
	EXPECT_FALSE(lives.renamed(Inode{}, Inode{}, name("x"), name("y"), kByNames, at(1)));
}

TEST(Lives, ABirthOnAReusedInodeEndsTheStaleLifeAsUnseen)
{
	Lives lives(8, false);
	const Inode file{3, 40};
	lives.born(file, 0, name("victim"), at(0));
	// victim's unlink was not seen; ext4 gives its inode number to the next file
	for (uint64_t i = 1; i <= 1000; i++) {
		lives.born(file, 0, name("f" + std::to_string(i)), at(i * 10));
		const auto death = lives.unlinked(Inode{}, name("f" + std::to_string(i)), kByNames,
						  at(i * 10 + 5));
		ASSERT_TRUE(death) << i;
		EXPECT_EQ(death->age_ns, 5U);
	}
	EXPECT_EQ(lives.unseen(), 1U);
	EXPECT_EQ(lives.size(), 0U);
}

TEST(Lives, TheVfsViewTellsAReusedInodeByItsGeneration)
{
	Lives lives(8, true);
	const Inode file{3, 41};
	lives.born(file, 7, name("old"), at(0));
	lives.born(file, 8, name("new"), at(5));
	EXPECT_EQ(lives.unseen(), 1U);
	const auto death = lives.unlinked(file, name("new"), kLastLink, at(9));
	ASSERT_TRUE(death);
	EXPECT_EQ(death->age_ns, 4U);
}

TEST(Lives, ANewFileOnANameOnRecordEndsTheOldLifeAsUnseen)
{
	Lives lives(8, false);
	lives.born(Inode{3, 50}, 0, name("f"), at(0));
	lives.born(Inode{3, 51}, 0, name("f"), at(5));
	EXPECT_EQ(lives.unseen(), 1U);
	EXPECT_EQ(lives.size(), 1U);
	lives.born(Inode{3, 52}, 0, name("g"), at(6));
	lives.linked(Inode{}, name("g"), name("h"));
	lives.born(Inode{3, 53}, 0, name("g"), at(7)); // "h" still names the file
	EXPECT_EQ(lives.unseen(), 1U);
	EXPECT_TRUE(lives.unlinked(Inode{}, name("h"), kByNames, at(8)));
}

TEST(Lives, AnUnlinkedTmpfileWhoseInodeIsReusedEndedNeverNamed)
{
	Lives lives(8, false);
	const Inode file{3, 60};
	lives.born(file, 0, std::nullopt, at(0));  // TemporaryFile: O_TMPFILE, closed
	lives.born(file, 0, name("named"), at(5)); // NamedTemporaryFile, same inode
	EXPECT_EQ(lives.never_named(), 1U);
	EXPECT_EQ(lives.unseen(), 0U);
	EXPECT_TRUE(lives.unlinked(Inode{}, name("named"), kByNames, at(6)));
}

TEST(Lives, SettleEndsOnlyTheLivesWhoseFileIsGone)
{
	Lives lives(8, false);
	lives.born(Inode{3, 70}, 0, name("gone"), at(0));
	lives.born(Inode{3, 71}, 0, name("here"), at(0));
	lives.born(Inode{3, 72}, 0, std::nullopt, at(0)); // nameless: nothing to look at
	std::vector<std::string> asked;
	lives.settle([&](const Inode &, uint32_t, const std::vector<Name> &names) {
		asked.push_back(names.at(0).path);
		return names.at(0).key.leaf == "gone";
	});
	EXPECT_EQ(asked.size(), 2U);
	EXPECT_EQ(lives.unseen(), 1U);
	EXPECT_EQ(lives.size(), 2U);
}

} // namespace
