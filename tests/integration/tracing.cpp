// SPDX-License-Identifier: GPL-2.0
#include "tracing.hpp"

#include <gtest/gtest.h>

#include <sys/mount.h>

#include <array>
#include <climits>
#include <cstdlib>
#include <ctime>
#include <sstream>
#include <stdexcept>

namespace fsbpf::test {

using namespace std::chrono_literals;

const std::string &record_schema_text()
{
	static const std::string text =
#include "records_schema.inc"
		;
	return text;
}

const JsonSchema &record_schema()
{
	static const JsonSchema schema(json::parse(record_schema_text()));
	return schema;
}

namespace {

// What the schema cannot say: time is time_ns written out.
std::string rfc3339_of(uint64_t ns)
{
	const auto seconds = static_cast<time_t>(ns / 1000000000);
	tm utc{};
	gmtime_r(&seconds, &utc);
	std::array<char, 64> text{};
	const size_t length = strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%S", &utc);
	snprintf(text.data() + length, text.size() - length, ".%09lluZ",
		 static_cast<unsigned long long>(ns % 1000000000));
	return text.data();
}

std::string record_errors(const json &record)
{
	std::string why = record_schema().errors(record);
	if (why.empty() && record["time"] != rfc3339_of(record["time_ns"].get<uint64_t>()))
		why = "time is not time_ns";
	return why;
}

} // namespace

std::vector<json> json_lines(const std::string &text)
{
	std::vector<json> lines;
	std::istringstream in(text);
	for (std::string line; std::getline(in, line);) {
		if (line.empty())
			continue;
		lines.push_back(json::parse(line));
		const std::string why = record_errors(lines.back());
		if (!why.empty())
			ADD_FAILURE() << "records.schema.json: " << why << "\n" << line;
	}
	return lines;
}

std::vector<json> events_of(const std::vector<json> &lines)
{
	std::vector<json> events;
	for (const json &line : lines)
		if (line.value("record", "") != "summary")
			events.push_back(line);
	return events;
}

const json *summary_of(const std::vector<json> &lines)
{
	for (const json &line : lines)
		if (line.value("record", "") == "summary")
			return &line;
	return nullptr;
}

std::vector<json> summaries_of(const std::vector<json> &lines)
{
	std::vector<json> summaries;
	for (const json &line : lines)
		if (line.value("record", "") == "summary")
			summaries.push_back(line);
	return summaries;
}

std::string real_path(const std::string &path)
{
	char buf[PATH_MAX];
	return realpath(path.c_str(), buf) ? buf : path;
}

json features_report()
{
	// Once per test process: the kernel does not change under the tests, and
	// in a TCG guest of the kernel matrix each report takes about a second.
	static const json report = json::parse(run({fsbpf_binary(), "features", "--json"}).out);
	return report;
}

bool uring_completions_name_requests()
{
	const json complete =
		features_report()["signatures"].value("btf_trace_io_uring_complete", json::array());
	return complete.size() >= 3 && complete[2].get<std::string>().ends_with("*");
}

std::string why_uring_untraced()
{
	return uring_completions_name_requests()
		       ? ""
		       : "this kernel's io_uring_complete tracepoint does not pass the request";
}

std::string why_no_fio_on_uring()
{
	if (std::string why_not = why_uring_untraced(); !why_not.empty())
		return why_not;
	if (run({"sh", "-c", "command -v fio"}).status != 0)
		return "no fio here";
	return "";
}

std::map<std::string, std::string> supported_backends(const std::string &tool)
{
	const json report = features_report();
	std::map<std::string, std::string> result;
	for (const auto &[name, verdict] : report["tools"][tool]["backends"].items())
		result[name] =
			verdict["supported"].get<bool>() ? "" : verdict["error"].get<std::string>();
	return result;
}

namespace {

std::vector<std::string> command(const std::string &tool, std::vector<std::string> args)
{
	args.insert(args.begin(), {fsbpf_binary(), tool});
	return args;
}

} // namespace

Mount::Mount(const std::string &source, const std::string &target, const char *fstype,
	     const char *options)
	: target_(target)
{
	if (mount(source.c_str(), target.c_str(), fstype, fstype ? 0 : MS_BIND, options) != 0)
		throw std::runtime_error("cannot mount " + source + " on " + target);
}

Mount::~Mount()
{
	umount2(target_.c_str(), MNT_DETACH);
}

Tracer::Tracer(const std::string &tool, std::vector<std::string> args,
	       const std::vector<std::string> &env)
	: process_(command(tool, std::move(args)), env)
{
}

// A bound on a hung start, not a measure: 22 classic tracepoints take some
// 40 s to attach in a TCG guest whose host is busy.
bool Tracer::attached()
{
	return process_.wait_for_stderr("Hit Ctrl-C to end", 180s);
}

Finished Tracer::stop(int sig)
{
	process_.signal(sig);
	auto finished = process_.finish(30s);
	if (!finished)
		throw std::runtime_error("the tracer did not stop");
	return *finished;
}

} // namespace fsbpf::test
