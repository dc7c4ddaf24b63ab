// Finds plugin files, refuses unsafe or malformed ones with one clear reason
// each, and builds the sorted table of subcommands that dispatch, `fsbpf list`
// and the install symlinks all read.
#pragma once

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
};

class PluginRegistry {
public:
	// Scans the directories in order; a name provided twice keeps the first.
	void load(const std::vector<std::string> &dirs, uid_t invoking_uid);
	// Loads one file; returns false and records why when it is refused.
	bool load_file(const std::string &path, uid_t invoking_uid);

	const std::vector<Command> &commands() const { return commands_; } // sorted by name
	const std::vector<std::unique_ptr<Plugin>> &plugins() const { return plugins_; }
	const std::vector<Rejection> &rejections() const { return rejections_; }
	const Command *find(const std::string &name) const;

private:
	std::vector<std::unique_ptr<Plugin>> plugins_;
	std::vector<Command> commands_;
	std::vector<Rejection> rejections_;
};

// "" when the file may be loaded, else why not: ownership and write
// permissions of the file and its directory, checked before dlopen runs any
// of its code.
std::string check_plugin_file(const std::string &path, uid_t invoking_uid);

// "" when the descriptor is well formed and every pointer in it lies inside
// the loaded object, else why not.
std::string validate_descriptor(const fsbpf_plugin *descriptor);

// Names the host reserves for itself.
bool is_reserved_command(const std::string &name);

// The plugin directory of this build or install, then FSBPF_PLUGIN_PATH.
std::vector<std::string> plugin_search_path(const std::string &exe_dir, const char *env_path);

} // namespace fsbpf
