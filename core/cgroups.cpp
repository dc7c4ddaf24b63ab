// SPDX-License-Identifier: GPL-2.0
#include "cgroups.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fsbpf {
namespace {

constexpr int kKernfsHandleType = 0xfe; // FILEID_KERNFS: the handle is the 64-bit id
constexpr size_t kShortIdLength = 12;

// systemd escapes '-' and other bytes of unit names as \xNN.
std::string unescape_unit(std::string_view text)
{
	std::string out;
	for (size_t i = 0; i < text.size(); i++) {
		if (text.substr(i, 2) == "\\x" && i + 3 < text.size() &&
		    std::isxdigit(static_cast<unsigned char>(text[i + 2])) &&
		    std::isxdigit(static_cast<unsigned char>(text[i + 3]))) {
			out += static_cast<char>(
				std::stoi(std::string(text.substr(i + 2, 2)), nullptr, 16));
			i += 3;
		} else {
			out += text[i];
		}
	}
	return out;
}

bool is_container_id(std::string_view text)
{
	return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
		       return std::isxdigit(static_cast<unsigned char>(c)) && !std::isupper(c);
	       });
}

bool remove_prefix(std::string_view &text, std::string_view prefix)
{
	if (!text.starts_with(prefix))
		return false;
	text.remove_prefix(prefix.size());
	return true;
}

bool remove_suffix(std::string_view &text, std::string_view suffix)
{
	if (!text.ends_with(suffix))
		return false;
	text.remove_suffix(suffix.size());
	return true;
}

// The container one path component is the scope of, or "".
std::string container_of_component(std::string_view component)
{
	remove_suffix(component, ".scope");
	for (std::string_view runtime : {"docker-", "cri-containerd-", "crio-", "libpod-"})
		if (std::string_view id = component;
		    remove_prefix(id, runtime) && is_container_id(id))
			return std::string(id.substr(0, kShortIdLength));
	if (is_container_id(component)) // cgroupfs drivers: /docker/ID, /kubepods/.../ID
		return std::string(component.substr(0, kShortIdLength));
	if (remove_prefix(component, "machine-"))
		return unescape_unit(component);
	if (std::string_view name = component;
	    remove_prefix(name, "systemd-nspawn@") && remove_suffix(name, ".service"))
		return unescape_unit(name);
	return {};
}

bool is_unit(std::string_view component)
{
	return component.ends_with(".service") || component.ends_with(".scope");
}

std::string link_target(const std::string &path)
{
	std::array<char, PATH_MAX> buf{};
	const ssize_t n = readlink(path.c_str(), buf.data(), buf.size());
	return n > 0 && static_cast<size_t>(n) < buf.size() ? std::string(buf.data(), n)
							    : std::string();
}

} // namespace

std::string container_of(std::string_view cgroup_path)
{
	std::string unit;
	while (!cgroup_path.empty()) {
		const size_t slash = cgroup_path.find('/');
		const std::string_view component = cgroup_path.substr(0, slash);
		cgroup_path = slash == std::string_view::npos ? std::string_view()
							      : cgroup_path.substr(slash + 1);
		if (std::string container = container_of_component(component); !container.empty())
			return container;
		if (is_unit(component))
			unit = unescape_unit(component);
	}
	return unit;
}

const CgroupName &CgroupNames::lookup(uint64_t id)
{
	if (auto found = cache_.find(id); found != cache_.end())
		return found->second;
	if (cache_.size() >= kMaxCached)
		cache_.clear();
	return cache_.emplace(id, resolve(id)).first->second;
}

bool CgroupNames::open_root()
{
	if (!opened_) {
		opened_ = true;
		mount_point_ = cgroup2_mount_point();
		if (!mount_point_.empty())
			root_ = UniqueFd(
				open(mount_point_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
		struct stat st {};
		if (root_ && fstat(root_.get(), &st) == 0)
			root_id_ = st.st_ino;
	}
	return static_cast<bool>(root_);
}

// The id is the cgroup directory's kernfs node id, which a file handle of
// type FILEID_KERNFS carries: the kernel opens the directory itself, with no
// walk of the tree, and fails for a cgroup that is gone.
CgroupName CgroupNames::resolve(uint64_t id)
{
	if (id == 0 || !open_root())
		return {};
	if (id == root_id_)
		return {"/", ""};
	// struct file_handle ends in a flexible array: the id follows its header.
	alignas(file_handle) std::array<unsigned char, sizeof(file_handle) + sizeof(id)> buf{};
	auto *handle = reinterpret_cast<file_handle *>(buf.data());
	handle->handle_bytes = sizeof(id);
	handle->handle_type = kKernfsHandleType;
	std::memcpy(buf.data() + sizeof(file_handle), &id, sizeof(id));
	const UniqueFd dir(
		open_by_handle_at(root_.get(), handle, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (!dir)
		return {};
	const std::string target = link_target("/proc/self/fd/" + std::to_string(dir.get()));
	if (!target.starts_with(mount_point_ + "/"))
		return {};
	std::string path = target.substr(mount_point_.size());
	std::string container = container_of(std::string_view(path).substr(1));
	return {std::move(path), std::move(container)};
}

} // namespace fsbpf
