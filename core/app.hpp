// SPDX-License-Identifier: GPL-2.0
// The fsbpf command line: dispatch to plugin subcommands (also by argv[0],
// busybox style), and the built-in `list` and `features`.
#pragma once

#include "plugin_loader.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fsbpf {

// The subcommand argv[0] names by its exact basename ("syncsnoop" for
// /usr/bin/syncsnoop), or nullopt when it names fsbpf itself or nothing known.
std::optional<std::string> applet_for(std::string_view argv0, const PluginRegistry &registry);

// Full program: returns the exit status (0 ok, 1 runtime failure, 2 usage).
int run_fsbpf(std::vector<std::string> args);

} // namespace fsbpf
