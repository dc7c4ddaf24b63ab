// SPDX-License-Identifier: GPL-2.0
#include "trusted_path.hpp"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fsbpf {
namespace {

constexpr int kMaxSymlinks = 40; // the kernel's own limit (MAXSYMLINKS)

std::string join(const std::string &dir, const std::string &name)
{
	return dir == "/" ? "/" + name : dir + "/" + name;
}

std::string parent_of(const std::string &dir)
{
	const size_t slash = dir.rfind('/');
	return slash == 0 || slash == std::string::npos ? "/" : dir.substr(0, slash);
}

std::deque<std::string> components(const std::string &path)
{
	std::deque<std::string> parts;
	size_t start = 0;
	while (start <= path.size()) {
		const size_t slash = std::min(path.find('/', start), path.size());
		std::string part = path.substr(start, slash - start);
		if (!part.empty() && part != ".")
			parts.push_back(std::move(part));
		start = slash + 1;
	}
	return parts;
}

std::string owner_problem(const std::string &what, const struct stat &st, uid_t trusted_uid)
{
	if (st.st_uid == 0 || st.st_uid == trusted_uid)
		return {};
	return fmt::format("{} is owned by uid {}, not by root{}", what, st.st_uid,
			   trusted_uid == 0 ? "" : fmt::format(" or uid {}", trusted_uid));
}

// A sticky directory that others may write (/tmp) lets them add entries but
// not rename or remove ours: it is a safe passage as long as every entry used
// in it is trusted too, which the walk checks.
bool is_sticky_passage(const struct stat &st)
{
	return S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX);
}

std::string trust_problem(const std::string &what, const struct stat &st, uid_t trusted_uid)
{
	if (std::string why = owner_problem(what, st, trusted_uid); !why.empty())
		return why;
	if (is_sticky_passage(st))
		return {};
	if (st.st_mode & S_IWOTH)
		return what + " is writable by others";
	if (st.st_mode & S_IWGRP)
		return what + " is writable by group";
	return {};
}

std::string type_name(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	return "not a regular file";
}

std::string read_link(int dir_fd, const std::string &name)
{
	std::array<char, PATH_MAX> target{};
	const ssize_t len = readlinkat(dir_fd, name.c_str(), target.data(), target.size());
	if (len <= 0 || static_cast<size_t>(len) >= target.size())
		return {};
	return {target.data(), static_cast<size_t>(len)};
}

// Follows a path from "/" through descriptors. It enters every directory and
// follows every symlink on the way, checking each first, and stops at the
// last component when that is neither (or does not exist).
class Walk {
public:
	explicit Walk(uid_t trusted_uid) : trusted_uid_(trusted_uid) {}

	// "" when the walk got to its end through trusted directories and symlinks.
	std::string follow(const std::string &path)
	{
		if (path.empty() || path.front() != '/')
			return fmt::format("{} is not an absolute path", path);
		pending_ = components(path);
		std::string why = enter_root();
		while (why.empty() && !pending_.empty() && leaf_.empty()) {
			const std::string name = std::move(pending_.front());
			pending_.pop_front();
			why = step(name);
		}
		return why;
	}

	int dir() const { return dir_.get(); }
	const std::string &dir_path() const { return dir_path_; }
	// The last component, "" when the path ends at a directory.
	const std::string &leaf() const { return leaf_; }
	std::string leaf_path() const { return join(dir_path_, leaf_); }
	const struct stat &leaf_stat() const { return leaf_stat_; }
	bool missing() const { return missing_; }
	bool shared() const { return shared_; }

private:
	std::string step(const std::string &name)
	{
		if (name == "..")
			return enter("..", parent_of(dir_path_));
		struct stat st {};
		if (fstatat(dir_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno != ENOENT)
				return fmt::format("cannot inspect {}: {}", join(dir_path_, name),
						   std::strerror(errno));
			if (shared_)
				return fmt::format("{} does not exist, and others may create it",
						   join(dir_path_, name));
			missing_ = true;
			leaf_ = name;
			return {};
		}
		if (S_ISLNK(st.st_mode))
			return follow_link(name, st);
		if (S_ISDIR(st.st_mode))
			return enter(name, join(dir_path_, name));
		if (!pending_.empty())
			return fmt::format("{} is not a directory", join(dir_path_, name));
		if (shared_) {
			std::string why = owner_problem(join(dir_path_, name), st, trusted_uid_);
			if (!why.empty())
				return why;
		}
		leaf_ = name;
		leaf_stat_ = st;
		return {};
	}

	std::string enter_root()
	{
		UniqueFd root(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
		return use_directory(std::move(root), "/");
	}

	std::string enter(const std::string &name, const std::string &path)
	{
		UniqueFd next(openat(dir_.get(), name.c_str(),
				     O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
		return use_directory(std::move(next), path);
	}

	// The directory is checked through its own descriptor, the one the walk
	// goes on from.
	std::string use_directory(UniqueFd dir, const std::string &path)
	{
		struct stat st {};
		if (!dir || fstat(dir.get(), &st) != 0)
			return fmt::format("cannot open directory {}: {}", path,
					   std::strerror(errno));
		if (std::string why = trust_problem("directory " + path, st, trusted_uid_);
		    !why.empty())
			return why;
		shared_ = (st.st_mode & (S_IWOTH | S_IWGRP)) != 0;
		dir_ = std::move(dir);
		dir_path_ = path;
		return {};
	}

	// A symlink is used only from a directory already checked, and only when
	// its owner is trusted too.
	std::string follow_link(const std::string &name, const struct stat &st)
	{
		const std::string link = join(dir_path_, name);
		if (std::string why = owner_problem("symlink " + link, st, trusted_uid_);
		    !why.empty())
			return why;
		if (++links_ > kMaxSymlinks)
			return fmt::format("{}: too many levels of symbolic links", link);
		const std::string target = read_link(dir_.get(), name);
		if (target.empty())
			return fmt::format("cannot read symlink {}", link);
		const std::deque<std::string> parts = components(target);
		pending_.insert(pending_.begin(), parts.begin(), parts.end());
		return target.front() == '/' ? enter_root() : std::string{};
	}

	uid_t trusted_uid_;
	UniqueFd dir_;
	std::string dir_path_;
	std::deque<std::string> pending_;
	std::string leaf_;
	struct stat leaf_stat_ {};
	bool missing_ = false;
	bool shared_ = false; // the current directory is a sticky one others may write
	int links_ = 0;
};

TrustedFile refused(std::string why)
{
	return {UniqueFd(), {}, std::move(why)};
}

// The last component is inspected before it is opened (a device or a FIFO is
// never opened), then the open file is checked through its descriptor.
TrustedFile open_leaf(const Walk &walk, uid_t trusted_uid)
{
	const std::string path = walk.leaf_path();
	if (!S_ISREG(walk.leaf_stat().st_mode))
		return refused(fmt::format("{} is {}", path, type_name(walk.leaf_stat().st_mode)));
	UniqueFd fd(openat(walk.dir(), walk.leaf().c_str(),
			   O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
	struct stat st {};
	if (!fd || fstat(fd.get(), &st) != 0)
		return refused(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
	if (!S_ISREG(st.st_mode))
		return refused(fmt::format("{} is {}", path, type_name(st.st_mode)));
	if (std::string why = trust_problem("file " + path, st, trusted_uid); !why.empty())
		return refused(why);
	return {std::move(fd), walk.dir_path(), {}};
}

} // namespace

TrustedFile open_trusted_file(const std::string &path, uid_t trusted_uid)
{
	Walk walk(trusted_uid);
	if (std::string why = walk.follow(path); !why.empty())
		return refused(why);
	if (walk.missing())
		return refused(fmt::format("{} does not exist", walk.leaf_path()));
	if (walk.leaf().empty())
		return refused(fmt::format("{} is a directory", walk.dir_path()));
	return open_leaf(walk, trusted_uid);
}

std::string check_trusted_directory(const std::string &path, uid_t trusted_uid)
{
	Walk walk(trusted_uid);
	if (std::string why = walk.follow(path); !why.empty())
		return why;
	if (!walk.missing() && !walk.leaf().empty())
		return fmt::format("{} is not a directory", walk.leaf_path());
	// Whatever looks in it takes any file there, whoever made it.
	if (walk.leaf().empty() && walk.shared())
		return fmt::format("directory {} is writable by others", walk.dir_path());
	return {};
}

} // namespace fsbpf
