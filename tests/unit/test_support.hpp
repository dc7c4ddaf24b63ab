// SPDX-License-Identifier: GPL-2.0
// Helpers for the unit tests: scratch directories under /tmp, copies of the
// test plugins with the mode a test sets, and a substring assertion.
#pragma once

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <string>
#include <sys/types.h>

namespace fsbpf::test {

// A test plugin as built, from the directory FSBPF_TEST_PLUGINS names.
std::string built_plugin(const std::string &name);

// Copies plugin `name` into dir as name.so; returns the copy's path.
std::string copy_plugin(const std::string &name, const std::string &dir, mode_t mode = 0644);

void write_file(const std::string &path, const std::string &contents, mode_t mode = 0644);
void make_dir(const std::string &path, mode_t mode = 0755);
bool file_exists(const std::string &path);

// EXPECT_TRUE(contains(reason, "outside")) prints both strings when it fails.
::testing::AssertionResult contains(const std::string &text, const std::string &part);

} // namespace fsbpf::test
