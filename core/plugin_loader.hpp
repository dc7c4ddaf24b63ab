// SPDX-License-Identifier: GPL-2.0
// Finds plugin files, refuses unsafe or malformed ones with one clear reason
// each, and builds the sorted table of subcommands that dispatch, `fsbpf list`
// and the install symlinks all read.
#pragma once

#include "trusted_path.hpp"

#include <fsbpf/plugin.h>

#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

namespace fsbpf {

struct DlHandleCloser {
	void operator()(void *handle) const;
};

struct Plugin {
	std::string path;
	UniqueFd file; // what dlopen loaded, as /proc/self/fd/N; closed after the handle
	std::unique_ptr<void, DlHandleCloser> handle;
	const fsbpf_plugin *descriptor = nullptr;
};

struct Command {
	std::string name;
	fsbpf_command entry{}; // copied to the host's layout; fields the plugin lacks stay zero
	const Plugin *plugin = nullptr;
};

struct Rejection {
	std::string path;
	std::string reason;
	bool directory = false; // a search directory rather than a plugin file
};

// Plugins are trusted when they and every directory and symlink on the way to
// them belong to root or to `trusted_uid`, the user fsbpf runs as.
class PluginRegistry {
public:
	// Scans the directories in order; a name provided twice keeps the first.
	// Relative directories are refused; absent ones are passed over.
	void load(const std::vector<std::string> &dirs, uid_t trusted_uid);
	// Loads one file; returns false and records why when it is refused.
	bool load_file(const std::string &path, uid_t trusted_uid);
	// Unloads a plugin the host could not set up, with its commands, and
	// records why.
	void refuse(const Plugin &plugin, std::string reason);

	const std::vector<Command> &commands() const { return commands_; } // sorted by name
	const std::vector<std::unique_ptr<Plugin>> &plugins() const { return plugins_; }
	const std::vector<Rejection> &rejections() const { return rejections_; }
	const Command *find(const std::string &name) const;

private:
	void collect(const std::string &dir, int depth, std::vector<std::string> &files);
	bool reject(const std::string &path, std::string reason);
	bool reject_loaded(std::unique_ptr<Plugin> plugin, std::string reason);
	std::string add_commands(const Plugin &plugin);

	std::vector<std::unique_ptr<Plugin>> plugins_;
	std::vector<Command> commands_;
	std::vector<Rejection> rejections_;
	// glibc looks a name up among the loaded objects before opening it, and
	// /proc/self/fd/N names another file once N is reused: the descriptors of
	// refused plugins, which may not unload, stay open as long as the registry.
	std::vector<UniqueFd> retired_;
};

// The plugin file `path` names, opened once and checked through its
// descriptor (see open_trusted_file), with the directories it names for its
// own dependencies (see check_library_paths), before dlopen runs any of it.
TrustedFile open_plugin_file(const std::string &path, uid_t trusted_uid);

// "" when the descriptor is well formed and every pointer in it lies inside
// the loaded object, else why not.
std::string validate_descriptor(const fsbpf_plugin *descriptor);

// Names the host reserves for itself.
bool is_reserved_command(const std::string &name);

// The plugin directory of this build or install, then FSBPF_PLUGIN_PATH.
std::vector<std::string> plugin_search_path(const std::string &exe_dir, const char *env_path);

} // namespace fsbpf
