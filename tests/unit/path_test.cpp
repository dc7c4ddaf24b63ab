// SPDX-License-Identifier: GPL-2.0
#include <fsbpf/path.hpp>

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string_view>

namespace {

using namespace std::string_view_literals;

std::unique_ptr<fsbpf_path> make_path(std::string_view names, __u16 depth, __u16 flags)
{
	auto path = std::make_unique<fsbpf_path>();
	std::memcpy(path->names, names.data(), names.size());
	path->len = static_cast<__u32>(names.size());
	path->depth = depth;
	path->flags = flags;
	return path;
}

TEST(PathToString, ReversesLeafFirstNames)
{
	const auto path = make_path("c\0b\0a\0"sv, 3, FSBPF_PATH_PRESENT);
	EXPECT_EQ(fsbpf::path_to_string(*path), "/a/b/c");
	EXPECT_EQ(fsbpf::path_basename(*path), "c");
}

TEST(PathToString, MarksATruncatedPath)
{
	const auto path = make_path("c\0b\0a\0"sv, 3, FSBPF_PATH_PRESENT | FSBPF_PATH_TRUNCATED);
	EXPECT_EQ(fsbpf::path_to_string(*path), ".../a/b/c");
	EXPECT_EQ(fsbpf::path_basename(*path), "c");
}

TEST(PathToString, ShowsADashWhenNoFileWasFound)
{
	const auto path = make_path("c\0b\0a\0"sv, 3, 0);
	EXPECT_EQ(fsbpf::path_to_string(*path), "-");
	EXPECT_EQ(fsbpf::path_basename(*path), "-");
}

TEST(PathToString, ShowsTheRootForDepthZero)
{
	const auto path = make_path(""sv, 0, FSBPF_PATH_PRESENT);
	EXPECT_EQ(fsbpf::path_to_string(*path), "/");
	EXPECT_EQ(fsbpf::path_basename(*path), "/");
}

TEST(PathToString, UsesOnlyDepthNames)
{
	const auto path = make_path("c\0b\0a\0"sv, 2, FSBPF_PATH_PRESENT);
	EXPECT_EQ(fsbpf::path_to_string(*path), "/b/c");
}

TEST(PathToString, StopsAtLenEvenWithoutAFinalNul)
{
	const auto path = make_path("file\0dir\0garbage"sv, 2, FSBPF_PATH_PRESENT);
	path->len = 7;
	EXPECT_EQ(fsbpf::path_to_string(*path), "/di/file");
}

} // namespace

// A ring-buffer record as BPF sends it: a header, then a path cut after its names.
struct Record {
	__u64 header;
	fsbpf_path path;
};

TEST(PathInRecord, ReadsTheNamesTheRecordCarries)
{
	auto record = std::make_unique<Record>();
	record->path = *make_path("c\0b\0a\0"sv, 3, FSBPF_PATH_PRESENT);
	const size_t size = offsetof(Record, path.names) + record->path.len;
	EXPECT_EQ(fsbpf::path_in_record(record.get(), size, offsetof(Record, path)), "/a/b/c");
}

TEST(PathInRecord, NeverReadsPastTheRecord)
{
	auto record = std::make_unique<Record>();
	record->path = *make_path("c\0b\0a\0"sv, 3, FSBPF_PATH_PRESENT);
	const size_t size = offsetof(Record, path.names) + 4; // "c\0b\0"
	EXPECT_EQ(fsbpf::path_in_record(record.get(), size, offsetof(Record, path)), "/b/c");
}

TEST(PathInRecord, ShowsADashForARecordShorterThanItsHeader)
{
	auto record = std::make_unique<Record>();
	record->path = *make_path("c\0"sv, 1, FSBPF_PATH_PRESENT);
	EXPECT_EQ(fsbpf::path_in_record(record.get(), offsetof(Record, path.names) - 1,
					offsetof(Record, path)),
		  "-");
}
