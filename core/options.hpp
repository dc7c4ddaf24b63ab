// SPDX-License-Identifier: GPL-2.0
// Binds the options a plugin declares through struct fsbpf_cli to a CLI11
// subcommand, and writes the parsed values back to the plugin's targets.
// The one place that checks values: numbers parse whole, are finite and lie
// in the declared range; strings are not empty and one of the choices.
#pragma once

#include <fsbpf/plugin.h>

#include <CLI/CLI.hpp>

#include <deque>
#include <functional>
#include <string>
#include <vector>

namespace fsbpf {

class OptionBinder {
public:
	explicit OptionBinder(CLI::App &app) : app_(app) {}
	OptionBinder(const OptionBinder &) = delete;
	OptionBinder &operator=(const OptionBinder &) = delete;

	const fsbpf_cli *table() { return &table_; }
	// Copies values that CLI11 kept host-side (flags, strings) to the plugin.
	void commit();

	// The host's own options are declared the same way.
	int add(const fsbpf_option &declared);
	// The names of the last option refused, for the message.
	const char *refused_names() const { return refused_names_; }

private:
	static int add_option(void *impl, const fsbpf_option *option) noexcept;
	int exclude(CLI::Option &opt, const char *names);

	CLI::App &app_;
	fsbpf_cli table_{sizeof(fsbpf_cli), this, &OptionBinder::add_option};
	std::deque<std::string> strings_;
	std::deque<bool> flags_;
	std::vector<std::function<void()>> commits_;
	const char *refused_names_ = "";
};

} // namespace fsbpf
