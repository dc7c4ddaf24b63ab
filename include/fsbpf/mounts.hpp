// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Where the cgroup2 hierarchy is mounted, as the host's records and the
// filters' --cgroup both need it: one reading of mountinfo for both.
#pragma once

#include <algorithm>
#include <fstream>
#include <istream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace fsbpf {

// mountinfo escapes blanks, tabs, newlines and backslashes as \ooo.
inline std::string unescape_mountinfo(std::string_view text)
{
	std::string out;
	for (size_t i = 0; i < text.size(); i++) {
		if (text[i] == '\\' && i + 3 < text.size() &&
		    std::all_of(text.begin() + i + 1, text.begin() + i + 4,
				[](char c) { return c >= '0' && c <= '7'; })) {
			out += static_cast<char>(
				std::stoi(std::string(text.substr(i + 1, 3)), nullptr, 8));
			i += 3;
		} else {
			out += text[i];
		}
	}
	return out;
}

// Where the first cgroup2 file system of `mountinfo` (/proc/self/mountinfo
// text) is mounted, or "" when none is.
inline std::string cgroup2_mount_point(std::istream &mountinfo)
{
	std::string line;
	while (std::getline(mountinfo, line)) {
		std::istringstream fields(line);
		std::vector<std::string> words;
		for (std::string word; fields >> word;)
			words.push_back(word);
		const auto separator = std::find(words.begin(), words.end(), "-");
		if (words.size() >= 5 && separator != words.end() && separator + 1 != words.end() &&
		    *(separator + 1) == "cgroup2")
			return unescape_mountinfo(words[4]);
	}
	return {};
}

// The same, for this process's mount namespace.
inline std::string cgroup2_mount_point()
{
	std::ifstream mountinfo("/proc/self/mountinfo");
	return cgroup2_mount_point(mountinfo);
}

} // namespace fsbpf
