// SPDX-License-Identifier: GPL-2.0
// What the tool tests share: running a tool until it is attached, reading
// its JSON Lines, asking fsbpf which backends work on this kernel.
#pragma once

#include "json_schema.hpp"
#include "process.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <map>
#include <string>
#include <vector>

namespace fsbpf::test {

using json = nlohmann::json;

// Every line of text parsed; a test fails on a record that breaks
// records.schema.json.
std::vector<json> json_lines(const std::string &text);
// core/records.schema.json, built into the tests for the guests' sake.
const std::string &record_schema_text();
const JsonSchema &record_schema();
// The records that are not summaries.
std::vector<json> events_of(const std::vector<json> &lines);
// The first summary record, or nullptr.
const json *summary_of(const std::vector<json> &lines);
// Every summary record, in order.
std::vector<json> summaries_of(const std::vector<json> &lines);

std::string real_path(const std::string &path);

// `fsbpf features --json` of the running kernel.
json features_report();
// Whether io_uring_complete passes the request here (6.1 on), as `fsbpf
// features` shows its arguments: where tools see io_uring by its tracepoints.
bool uring_completions_name_requests();
// Why tools cannot see io_uring's requests by its tracepoints here, or "".
std::string why_uring_untraced();
// Why fio's io_uring engine cannot be a traced workload here, or "".
std::string why_no_fio_on_uring();
// tool's backend -> "" when it works here, else the reason.
std::map<std::string, std::string> supported_backends(const std::string &tool);

// A mount of `source` on `target` (a bind mount, or a new file system of
// type fstype with its options), undone at scope exit.
class Mount {
public:
	Mount(const std::string &source, const std::string &target, const char *fstype = nullptr,
	      const char *options = nullptr);
	~Mount();
	Mount(const Mount &) = delete;
	Mount &operator=(const Mount &) = delete;

private:
	std::string target_;
};

// `fsbpf TOOL ARGS...`, stopped the way a user stops it.
class Tracer {
public:
	Tracer(const std::string &tool, std::vector<std::string> args,
	       const std::vector<std::string> &env = {});

	bool attached();
	Finished stop(int sig = SIGINT);
	Process &process() { return process_; }

private:
	Process process_;
};

} // namespace fsbpf::test
