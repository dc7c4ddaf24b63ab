// SPDX-License-Identifier: GPL-2.0
// `fsbpf features` and `fsbpf list`: what the kernel offers and what is loaded.
#pragma once

#include "features.hpp"
#include "plugin_loader.hpp"

#include <cstdio>
#include <functional>

namespace fsbpf {

// 0 when backend `index` of a command can work here, else a negative errno.
using BackendCheck = std::function<int(const Command &command, size_t index)>;

void print_features(Features &features, const PluginRegistry &registry,
		    const BackendCheck &check_backend, bool json, std::FILE *out);
void print_plugins(const PluginRegistry &registry, std::FILE *out);

} // namespace fsbpf
