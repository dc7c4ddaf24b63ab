// SPDX-License-Identifier: GPL-2.0
// Opens files and checks directories so that what is checked is what is used:
// a path is followed from "/" one component at a time through descriptors,
// and every directory entered and every symlink followed must belong to root
// or to the user fsbpf runs as, the directories writable by no one else.
#pragma once

#include <fsbpf/fd.hpp>

#include <string>
#include <sys/types.h>
#include <utility>

namespace fsbpf {

// A regular file opened read-only after every check passed, or why not.
struct TrustedFile {
	UniqueFd fd;
	std::string directory; // the real directory holding it, symlinks resolved
	std::string error;     // empty when fd is open
};

// Opens the regular file `path` (absolute) names. Every directory on the way,
// the real ones and those holding a symlink, must be owned by root or
// `trusted_uid` and writable by neither group nor others, unless it is sticky
// (as /tmp is) and every entry used in it is owned by root or `trusted_uid`;
// every symlink
// followed must be owned by root or `trusted_uid`. The open file itself must
// be owned by root or `trusted_uid` and writable by neither group nor others.
TrustedFile open_trusted_file(const std::string &path, uid_t trusted_uid);

// "" when `path` (absolute) leads through trusted directories and symlinks as
// above to a trusted directory that no one else may write, sticky or not, or stops existing below a
// trusted directory (no one else can create what is missing there); else why not.
std::string check_trusted_directory(const std::string &path, uid_t trusted_uid);

} // namespace fsbpf
