// SPDX-License-Identifier: GPL-2.0
// The directories a shared object asks the dynamic linker to search for its
// own dependencies (DT_RPATH, DT_RUNPATH), read from the open file before any
// of its code runs, and their checks.
#pragma once

#include <optional>
#include <string>
#include <sys/types.h>

namespace fsbpf {

struct LibraryPaths {
	std::optional<std::string> rpath;   // colon-separated, as in the file
	std::optional<std::string> runpath; // likewise
	std::string error;                  // why the file is no shared object fsbpf can read
};

// Reads the dynamic section of the ELF shared object open at `fd` through its
// program headers, as the dynamic linker does.
LibraryPaths read_library_paths(int fd);

// "" when every entry of the object's RPATH and RUNPATH is an absolute
// directory (after $ORIGIN becomes `origin`) that check_trusted_directory
// accepts; else why not. Also refuses what read_library_paths cannot read.
std::string check_library_paths(int fd, const std::string &origin, uid_t trusted_uid);

} // namespace fsbpf
