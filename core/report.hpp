// `fsbpf features` and `fsbpf list`: what the kernel offers and what is loaded.
#pragma once

#include "features.hpp"
#include "plugin_loader.hpp"

#include <cstdio>

namespace fsbpf {

void print_features(Features &features, const PluginRegistry &registry, bool json, std::FILE *out);
void print_plugins(const PluginRegistry &registry, std::FILE *out);

// The backend automatic selection would try first: the best one whose attach
// type works here. -1 when none does.
int preferred_backend(Features &features, const fsbpf_command &command);

} // namespace fsbpf
