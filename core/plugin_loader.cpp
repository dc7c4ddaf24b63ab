// SPDX-License-Identifier: GPL-2.0
#include "plugin_loader.hpp"

#include "library_paths.hpp"

#include <fsbpf/plugin.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <dirent.h>
#include <dlfcn.h>
#include <link.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef FSBPF_PLUGIN_DIR
#error "FSBPF_PLUGIN_DIR must name the installed plugin directory, absolute or from bindir"
#endif

namespace fsbpf {
namespace {

constexpr size_t kMaxCommands = 64;
constexpr size_t kMaxString = 4096;

int has_name(dl_phdr_info *info, size_t /*size*/, void *name)
{
	return info->dlpi_name && std::strcmp(info->dlpi_name, static_cast<char *>(name)) == 0;
}

bool is_loaded_as(std::string name)
{
	return dl_iterate_phdr(has_name, name.data()) != 0;
}

// dlopen goes through the descriptor: the file it maps is the file checked,
// whatever happens to the path meanwhile.
std::string open_object(Plugin &plugin)
{
	const std::string name = fmt::format("/proc/self/fd/{}", plugin.file.get());
	if (is_loaded_as(name))
		return fmt::format("an object named {} is loaded already", name);
	plugin.handle.reset(dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL));
	if (plugin.handle)
		return {};
	const char *error = dlerror();
	return fmt::format("dlopen failed: {}", error ? error : "unknown error");
}

// The loaded segments of the object that contains `anchor`.
struct Segment {
	uintptr_t start, end;
	bool executable;
};

std::vector<Segment> segments_of(const void *anchor)
{
	struct Search {
		uintptr_t anchor;
		std::vector<Segment> segments;
	} search{reinterpret_cast<uintptr_t>(anchor), {}};

	dl_iterate_phdr(
		[](dl_phdr_info *info, size_t, void *data) {
			auto *s = static_cast<Search *>(data);
			std::vector<Segment> found;
			bool owns_anchor = false;
			for (int i = 0; i < info->dlpi_phnum; i++) {
				const ElfW(Phdr) &ph = info->dlpi_phdr[i];
				if (ph.p_type != PT_LOAD)
					continue;
				const uintptr_t start = info->dlpi_addr + ph.p_vaddr;
				const Segment seg{start, start + ph.p_memsz,
						  (ph.p_flags & PF_X) != 0};
				owns_anchor |= s->anchor >= seg.start && s->anchor < seg.end;
				found.push_back(seg);
			}
			if (!owns_anchor)
				return 0;
			s->segments = std::move(found);
			return 1;
		},
		&search);
	return search.segments;
}

class ObjectBounds {
public:
	explicit ObjectBounds(const void *anchor) : segments_(segments_of(anchor)) {}

	bool holds(const void *ptr, size_t len) const
	{
		const auto addr = reinterpret_cast<uintptr_t>(ptr);
		return std::any_of(segments_.begin(), segments_.end(), [&](const Segment &s) {
			return addr >= s.start && addr <= s.end && len <= s.end - addr;
		});
	}

	bool holds_code(const void *ptr) const
	{
		const auto addr = reinterpret_cast<uintptr_t>(ptr);
		return std::any_of(segments_.begin(), segments_.end(), [&](const Segment &s) {
			return s.executable && addr >= s.start && addr < s.end;
		});
	}

	// A NUL-terminated string of at most kMaxString bytes inside the object.
	bool holds_string(const char *str) const
	{
		if (!str)
			return false;
		for (size_t i = 0; i < kMaxString; i++) {
			if (!holds(str + i, 1))
				return false;
			if (str[i] == '\0')
				return true;
		}
		return false;
	}

private:
	std::vector<Segment> segments_;
};

// The host reads descriptors and backend tables in place.
template <class T>
bool is_aligned(const T *object)
{
	return reinterpret_cast<uintptr_t>(object) % alignof(T) == 0;
}

// [a-z0-9_-]+: what command and backend names may be.
bool is_plain_name(const char *name)
{
	if (!name[0])
		return false;
	for (const char *c = name; *c; c++)
		if (!(std::islower(static_cast<unsigned char>(*c)) ||
		      std::isdigit(static_cast<unsigned char>(*c)) || *c == '-' || *c == '_'))
			return false;
	return true;
}

std::string validate_command(const ObjectBounds &bounds, const fsbpf_command &cmd, size_t index)
{
	if (!bounds.holds_string(cmd.name))
		return fmt::format("command {} has no valid name", index);
	if (!is_plain_name(cmd.name))
		return fmt::format("command name '{}' is not [a-z0-9_-]+",
				   plugin::excerpt(cmd.name));
	if (!bounds.holds_string(cmd.summary))
		return fmt::format("command '{}' has no valid summary", cmd.name);
	const bool functions_ok =
		bounds.holds_code(reinterpret_cast<const void *>(cmd.create)) &&
		bounds.holds_code(reinterpret_cast<const void *>(cmd.destroy)) &&
		bounds.holds_code(reinterpret_cast<const void *>(cmd.add_options)) &&
		bounds.holds_code(reinterpret_cast<const void *>(cmd.run));
	const bool check_ok = !cmd.check_backend ||
			      bounds.holds_code(reinterpret_cast<const void *>(cmd.check_backend));
	if (!functions_ok || !check_ok)
		return fmt::format("command '{}' has a callback outside the plugin", cmd.name);
	if (cmd.backend_count > kMaxCommands ||
	    (cmd.backend_count &&
	     (!is_aligned(cmd.backends) ||
	      !bounds.holds(cmd.backends, cmd.backend_count * sizeof(fsbpf_backend)))))
		return fmt::format("command '{}' has an invalid backend table", cmd.name);
	for (size_t i = 0; i < cmd.backend_count; i++) {
		const fsbpf_backend &backend = cmd.backends[i];
		if (!bounds.holds_string(backend.name) || !is_plain_name(backend.name) ||
		    !bounds.holds_string(backend.summary) || backend.attach < 0 ||
		    backend.attach >= FSBPF_ATTACH__COUNT)
			return fmt::format("command '{}' has an invalid backend {}", cmd.name, i);
	}
	return {};
}

fsbpf_command copy_command(const fsbpf_plugin *descriptor, size_t index)
{
	fsbpf_command cmd{};
	const auto *base = reinterpret_cast<const char *>(descriptor->commands);
	std::memcpy(&cmd, base + index * descriptor->command_size,
		    std::min<size_t>(sizeof(cmd), descriptor->command_size));
	return cmd;
}

struct DirCloser {
	void operator()(DIR *dir) const { closedir(dir); }
};

bool names_a_plugin(const std::string &name)
{
	return name.size() > 3 && name.ends_with(".so");
}

bool is_directory(DIR *dir, const char *name)
{
	struct stat st {};
	return fstatat(dirfd(dir), name, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

} // namespace

void DlHandleCloser::operator()(void *handle) const
{
	if (handle)
		dlclose(handle);
}

bool is_reserved_command(const std::string &name)
{
	return name == "list" || name == "features" || name == "exporter" || name == "help" ||
	       name == "fsbpf";
}

TrustedFile open_plugin_file(const std::string &path, uid_t trusted_uid)
{
	TrustedFile file = open_trusted_file(path, trusted_uid);
	if (!file.fd)
		return file;
	if (std::string why = check_library_paths(file.fd.get(), file.directory, trusted_uid);
	    !why.empty())
		return {UniqueFd(), {}, std::move(why)};
	return file;
}

std::string validate_descriptor(const fsbpf_plugin *descriptor)
{
	const ObjectBounds bounds(descriptor);
	if (!bounds.holds(descriptor, offsetof(fsbpf_plugin, size) + sizeof(descriptor->size)))
		return "descriptor lies outside the plugin";
	if (!is_aligned(descriptor))
		return "descriptor is misaligned";
	if (descriptor->abi_major != FSBPF_ABI_MAJOR)
		return fmt::format("ABI major {} differs from fsbpf's {}", descriptor->abi_major,
				   FSBPF_ABI_MAJOR);
	if (descriptor->abi_minor > FSBPF_ABI_MINOR)
		return fmt::format("needs ABI {}.{}, newer than fsbpf's {}.{}",
				   descriptor->abi_major, descriptor->abi_minor, FSBPF_ABI_MAJOR,
				   FSBPF_ABI_MINOR);
	constexpr size_t kMinSize = offsetof(fsbpf_plugin, command_count) + sizeof(size_t);
	if (descriptor->size < kMinSize || !bounds.holds(descriptor, descriptor->size))
		return fmt::format("descriptor size {} is invalid", descriptor->size);
	constexpr size_t kMinCommand = offsetof(fsbpf_command, run) + sizeof(void *);
	if (descriptor->command_size < kMinCommand || descriptor->command_size > 4096)
		return fmt::format("command size {} is invalid", descriptor->command_size);
	if (!bounds.holds_string(descriptor->name) || !bounds.holds_string(descriptor->version) ||
	    !bounds.holds_string(descriptor->license) ||
	    !bounds.holds_string(descriptor->description))
		return "descriptor strings are missing or outside the plugin";
	if (descriptor->command_count == 0 || descriptor->command_count > kMaxCommands ||
	    !bounds.holds(descriptor->commands,
			  descriptor->command_count * descriptor->command_size))
		return fmt::format("command table of {} entries is invalid",
				   descriptor->command_count);
	for (size_t i = 0; i < descriptor->command_count; i++) {
		const fsbpf_command cmd = copy_command(descriptor, i);
		if (std::string why = validate_command(bounds, cmd, i); !why.empty())
			return why;
	}
	return {};
}

bool PluginRegistry::reject(const std::string &path, std::string reason)
{
	rejections_.push_back({path, std::move(reason)});
	return false;
}

bool PluginRegistry::reject_loaded(std::unique_ptr<Plugin> plugin, std::string reason)
{
	retired_.push_back(std::move(plugin->file));
	return reject(plugin->path, std::move(reason));
}

// "" when every command of the plugin could be added, else why none was.
std::string PluginRegistry::add_commands(const Plugin &plugin)
{
	std::vector<Command> added;
	for (size_t i = 0; i < plugin.descriptor->command_count; i++) {
		Command command{"", copy_command(plugin.descriptor, i), &plugin};
		command.name = command.entry.name;
		if (is_reserved_command(command.name))
			return fmt::format("subcommand '{}' is reserved by fsbpf", command.name);
		const auto same_name = [&](const Command &other) {
			return other.name == command.name;
		};
		if (std::any_of(added.begin(), added.end(), same_name))
			return fmt::format("subcommand '{}' is listed twice", command.name);
		if (const Command *existing = find(command.name))
			return fmt::format("subcommand '{}' is already provided by {}",
					   command.name, existing->plugin->path);
		added.push_back(std::move(command));
	}
	for (Command &command : added)
		commands_.push_back(std::move(command));
	std::sort(commands_.begin(), commands_.end(),
		  [](const Command &a, const Command &b) { return a.name < b.name; });
	return {};
}

bool PluginRegistry::load_file(const std::string &path, uid_t trusted_uid)
{
	if (path.size() >= PATH_MAX)
		return reject(path,
			      fmt::format("path is longer than PATH_MAX ({} bytes)", PATH_MAX));
	TrustedFile file = open_plugin_file(path, trusted_uid);
	if (!file.fd)
		return reject(path, std::move(file.error));
	auto plugin = std::make_unique<Plugin>();
	plugin->path = path;
	plugin->file = std::move(file.fd);
	if (std::string why = open_object(*plugin); !why.empty())
		return reject_loaded(std::move(plugin), why);
	plugin->descriptor = static_cast<const fsbpf_plugin *>(
		dlsym(plugin->handle.get(), FSBPF_PLUGIN_SYMBOL_NAME));
	if (!plugin->descriptor)
		return reject_loaded(std::move(plugin),
				     "no " FSBPF_PLUGIN_SYMBOL_NAME " descriptor exported");
	if (std::string why = validate_descriptor(plugin->descriptor); !why.empty())
		return reject_loaded(std::move(plugin), why);
	if (std::string why = add_commands(*plugin); !why.empty())
		return reject_loaded(std::move(plugin), why);
	plugins_.push_back(std::move(plugin));
	return true;
}

void PluginRegistry::refuse(const Plugin &plugin, std::string reason)
{
	std::erase_if(commands_, [&](const Command &command) { return command.plugin == &plugin; });
	const auto it = std::find_if(plugins_.begin(), plugins_.end(),
				     [&](const auto &loaded) { return loaded.get() == &plugin; });
	if (it == plugins_.end())
		return;
	std::unique_ptr<Plugin> refused = std::move(*it);
	plugins_.erase(it);
	reject_loaded(std::move(refused), std::move(reason));
}

// Every entry named *.so is a candidate, whatever it is: the loader says why
// it skips one. Other files are not plugins; subdirectories are searched
// `depth` levels down.
void PluginRegistry::collect(const std::string &dir, int depth, std::vector<std::string> &files)
{
	const std::unique_ptr<DIR, DirCloser> handle(opendir(dir.c_str()));
	if (!handle) {
		if (errno != ENOENT)
			rejections_.push_back({dir, std::strerror(errno), true});
		return;
	}
	while (const dirent *entry = readdir(handle.get())) {
		const std::string name = entry->d_name;
		if (name == "." || name == "..")
			continue;
		if (depth > 0 && is_directory(handle.get(), entry->d_name))
			collect(dir + "/" + name, depth - 1, files);
		else if (names_a_plugin(name))
			files.push_back(dir + "/" + name);
	}
}

void PluginRegistry::load(const std::vector<std::string> &dirs, uid_t trusted_uid)
{
	for (const std::string &dir : dirs) {
		if (dir.empty() || dir.front() != '/') {
			rejections_.push_back(
				{dir,
				 "not an absolute path; the working directory is never searched",
				 true});
			continue;
		}
		std::vector<std::string> files;
		collect(dir, 1, files);
		std::sort(files.begin(), files.end());
		for (const std::string &file : files)
			load_file(file, trusted_uid);
	}
}

const Command *PluginRegistry::find(const std::string &name) const
{
	const auto it =
		std::lower_bound(commands_.begin(), commands_.end(), name,
				 [](const Command &c, const std::string &n) { return c.name < n; });
	return it != commands_.end() && it->name == name ? &*it : nullptr;
}

std::vector<std::string> plugin_search_path(const std::string &exe_dir, const char *env_path)
{
	std::vector<std::string> dirs;
	// A build tree keeps its plugins beside the executable; an install does not.
	const std::string build_dir = exe_dir + "/plugins";
	const std::string_view installed = FSBPF_PLUGIN_DIR;
	struct stat st {};
	if (stat(build_dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
		dirs.push_back(build_dir);
	else if (installed.front() == '/')
		dirs.emplace_back(installed);
	else
		dirs.push_back(exe_dir + "/" + std::string(installed));
	std::string_view rest = env_path ? env_path : "";
	while (!rest.empty()) {
		const size_t colon = rest.find(':');
		if (std::string_view dir = rest.substr(0, colon); !dir.empty())
			dirs.emplace_back(dir);
		rest = colon == std::string_view::npos ? std::string_view{}
						       : rest.substr(colon + 1);
	}
	return dirs;
}

} // namespace fsbpf
