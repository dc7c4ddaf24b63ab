// SPDX-License-Identifier: GPL-2.0
// `fsbpf exporter`: every tool's kernel side running at once, counted into
// Prometheus metrics served over HTTP and/or written for node_exporter's
// textfile collector.
#pragma once

#include "features.hpp"
#include "plugin_loader.hpp"
#include "stop.hpp"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <span>
#include <string>

namespace fsbpf {

constexpr const char *kDefaultListen = "127.0.0.1:9864";

struct ExporterOptions {
	std::string listen = kDefaultListen; // "none": no HTTP
	std::string tools;                   // comma-separated; empty: every tool that exports
	std::string textfile;                // directory for fsbpf.prom, or empty
	std::string web_config;              // TLS and basic auth (web_config.hpp), or empty
	double interval = 1;
	uint64_t max_series = 1000;
	uint64_t max_file_series = 0;
	double duration = 0;
};

// A tool command and the state its plugin created for it.
struct ExportableTool {
	const Command *command;
	void *state;
};

CLI::App *add_exporter_command(CLI::App &app, ExporterOptions &options, int &verbosity);

// Exit status: 0 stopped by a signal or --duration, 1 runtime failure, 2 usage.
int run_exporter(const ExporterOptions &options, Features &features, StopSource &stop,
		 std::span<const ExportableTool> tools);

} // namespace fsbpf
