// SPDX-License-Identifier: GPL-2.0
// The validator behind json_lines() against Debian's python3-jsonschema, on
// one record of each kind that fsbpf writes and on every way of breaking it.
#include "process.hpp"
#include "tracing.hpp"

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <stdexcept>
#include <sstream>
#include <string>
#include <vector>

namespace fsbpf::test {
namespace {

const std::vector<json> &valid_records()
{
	static const std::vector<json> records = [] {
		const json envelope = {{"schema", 1},
				       {"time_ns", 1796414363603856535ULL},
				       {"time", "2026-12-04T19:59:23.603856535Z"}};
		const json workload = {{"cgroup_id", 1},
				       {"cgroup", "/"},
				       {"container", ""},
				       {"mntns", 4026531832U}};
		const auto record = [&](const char *tool, const char *kind, const json &fields,
					bool with_workload) {
			json line = envelope;
			line.update({{"tool", tool}, {"record", kind}});
			line.update(fields);
			if (with_workload)
				line.update(workload);
			return line;
		};
		return std::vector<json>{
			record("filetop", "row",
			       {{"interval_number", 1},
				{"pid", 7},
				{"tid", 8},
				{"comm", "cat"},
				{"reads", 2},
				{"writes", 0},
				{"rbytes", 4096},
				{"wbytes", 0},
				{"type", "R"},
				{"via", "syscall"},
				{"file", "passwd"}},
			       true),
			record("filetop", "summary",
			       {{"interval_number", 1},
				{"overflow", 0},
				{"lost", 0},
				{"missed", 0},
				{"skipped", 0},
				{"cq_overflows", 0}},
			       false),
			record("filelife", "event",
			       {{"pid", 9},
				{"comm", "rm"},
				{"age_s", 0.25},
				{"file", "x"},
				{"file_bytes", "78"},
				{"creator_pid", 8},
				{"creator_comm", "touch"},
				{"dev", "254:0"},
				{"ino", 12},
				{"created_as", ""}},
			       true),
			record("filelife", "summary",
			       {{"births_lost", 0},
				{"table_full", 0},
				{"unseen", 0},
				{"never_named", 0},
				{"fixed_file_opens", 0},
				{"cq_overflows", 0},
				{"lost", 0},
				{"unresolved_long", 0},
				{"unresolved_dir", 0},
				{"missed", 0},
				{"skipped", 0}},
			       false),
			record("syncsnoop", "event",
			       {{"pid", 7},
				{"tid", 7},
				{"comm", "sync"},
				{"call", "fsync"},
				{"via", "io_uring"},
				{"latency_ms", 0.5},
				{"ret", -5},
				{"file", "-"}},
			       true),
			record("syncsnoop", "summary",
			       {{"lost", 0}, {"missed", 0}, {"skipped", 0}, {"cq_overflows", 0}},
			       false),
			record("fscalls", "row", {{"anything", "goes"}}, false),
		};
	}();
	return records;
}

// Each record with one field dropped, retyped, out of range or added.
std::vector<json> broken_records(const json &record)
{
	std::vector<json> broken;
	for (const auto &[name, value] : record.items()) {
		json without = record;
		without.erase(name);
		broken.push_back(without);
		for (const json &other : {json("x"), json(-1), json(1.5), json(nullptr)}) {
			json changed = record;
			changed[name] = other;
			broken.push_back(changed);
		}
	}
	const json additions = {{"extra", 1}, {"comm_bytes", "7g"}, {"time", "12:00"}};
	for (const auto &[name, value] : additions.items()) {
		json changed = record;
		changed[name] = value;
		broken.push_back(changed);
	}
	return broken;
}

std::vector<std::string> verdicts_of_python(const std::vector<json> &records)
{
	const TempDir dir;
	std::ofstream(dir.file("schema.json")) << record_schema_text();
	std::ofstream lines(dir.file("records.json"));
	for (const json &record : records)
		lines << record.dump() << '\n';
	lines.close();
	const Finished done =
		run({"python3", "-c",
		     "import json, sys, jsonschema\n"
		     "v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))\n"
		     "v.check_schema(v.schema)\n"
		     "for line in open(sys.argv[2]):\n"
		     "    print('valid' if v.is_valid(json.loads(line)) else 'invalid')\n",
		     dir.file("schema.json"), dir.file("records.json")});
	EXPECT_EQ(done.status, 0) << done.err;
	std::vector<std::string> verdicts;
	std::istringstream in(done.out);
	for (std::string verdict; std::getline(in, verdict);)
		verdicts.push_back(verdict);
	return verdicts;
}

TEST(RecordSchema, ValidatorAgreesWithPythonJsonschema)
{
	std::vector<json> records = valid_records();
	for (const json &record : valid_records())
		for (json &broken : broken_records(record))
			records.push_back(std::move(broken));
	const std::vector<std::string> python = verdicts_of_python(records);
	ASSERT_EQ(python.size(), records.size());
	size_t invalid = 0;
	for (size_t i = 0; i < records.size(); i++) {
		const std::string why = record_schema().errors(records[i]);
		EXPECT_EQ(why.empty() ? "valid" : "invalid", python[i]) << records[i].dump() << "\n"
									<< why;
		invalid += python[i] == "invalid" ? 1 : 0;
	}
	for (size_t i = 0; i < valid_records().size(); i++)
		EXPECT_EQ(python[i], "valid") << records[i].dump();
	EXPECT_GT(invalid, records.size() / 2) << "most changes break a record";
}

// A keyword the validator does not know would pass anything: it is refused.
TEST(RecordSchema, ValidatorRefusesKeywordsItCannotCheck)
{
	EXPECT_THROW(JsonSchema(json{{"maxLength", 3}}), std::invalid_argument);
	EXPECT_THROW(JsonSchema(json{{"properties", {{"a", {{"format", "date-time"}}}}}}),
		     std::invalid_argument);
	EXPECT_NO_THROW(JsonSchema(json::parse(record_schema_text())));
}

} // namespace
} // namespace fsbpf::test
