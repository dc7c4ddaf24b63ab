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
	return Name{{kDir, leaf}, leaf};
}

Actor at(uint64_t ns, uint32_t pid = 10)
{
	return Actor{ns, pid, "cmd" + std::to_string(pid)};
}

TEST(Lives, SecondHardLinkIsNoDeathWhenOnlyNamesAreKnown)
{
	Lives lives(8);
	lives.born(Inode{}, name("a"), at(100));
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
	Lives lives(8);
	const Inode file{7, 70};
	lives.born(file, name("a"), at(0));
	EXPECT_FALSE(lives.unlinked(file, name("a"), kNotLast, at(1)));
	EXPECT_TRUE(lives.unlinked(file, name("elsewhere"), kLastLink, at(2)));
}

TEST(Lives, RenameKeepsTheFileAndRenameOverEndsTheVictim)
{
	Lives lives(8);
	lives.born(Inode{}, name("victim"), at(0, 1));
	lives.born(Inode{}, name("moved"), at(5, 2));
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
	Lives lives(8);
	lives.born(Inode{}, name("left"), at(0, 1));
	lives.born(Inode{}, name("right"), at(0, 2));
	lives.exchanged(Inode{}, Inode{}, name("left"), name("right"));
	const auto death = lives.unlinked(Inode{}, name("left"), kByNames, at(9));
	ASSERT_TRUE(death);
	EXPECT_EQ(death->creator.pid, 2U);
	EXPECT_EQ(death->created_as, "right");
}

TEST(Lives, TmpfileAgesFromItsOpenAndIsNamedByItsLink)
{
	Lives lives(8);
	const Inode file{3, 30};
	lives.born(file, std::nullopt, at(1000));
	lives.linked(file, std::nullopt, name("named"));
	const auto death = lives.unlinked(Inode{}, name("named"), kByNames, at(1500));
	ASSERT_TRUE(death);
	EXPECT_EQ(death->age_ns, 500U);
	EXPECT_EQ(death->created_as, "named");
}

TEST(Lives, ABirthSeenTwiceCountsOnce)
{
	Lives lives(8);
	const Inode file{3, 31};
	lives.born(file, name("f"), at(0));
	lives.born(file, name("f"), at(9));
	EXPECT_EQ(lives.size(), 1U);
	const auto death = lives.unlinked(file, name("f"), kLastLink, at(10));
	ASSERT_TRUE(death);
	EXPECT_EQ(death->age_ns, 10U);
}

TEST(Lives, AFullTableCountsWhatItCouldNotKeep)
{
	Lives lives(2);
	for (const char *leaf : {"a", "b", "c", "d"})
		lives.born(Inode{}, name(leaf), at(0));
	EXPECT_EQ(lives.size(), 2U);
	EXPECT_EQ(lives.table_full(), 2U);
	EXPECT_FALSE(lives.unlinked(Inode{}, name("c"), kByNames, at(1)));
	EXPECT_TRUE(lives.unlinked(Inode{}, name("a"), kByNames, at(1)));
}

TEST(Lives, UnknownFilesAndFailedLookupsReportNothing)
{
	Lives lives(8);
	EXPECT_FALSE(lives.unlinked(Inode{}, name("never-born"), kByNames, at(1)));
	EXPECT_FALSE(lives.renamed(Inode{}, Inode{}, name("x"), name("y"), kByNames, at(1)));
}

} // namespace
