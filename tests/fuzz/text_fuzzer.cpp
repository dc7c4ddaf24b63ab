// SPDX-License-Identifier: GPL-2.0
// What fsbpf prints of names chosen by others: the terminal never gets a
// control character or a bidirectional override, JSON gives every name back
// byte for byte, and CSV fields parse back to what was written.
#include "sink.hpp"
#include "text.hpp"

#include <fsbpf/plugin.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

void check(bool ok)
{
	if (!ok)
		std::abort();
}

// Every code point of valid UTF-8 text.
std::vector<uint32_t> code_points(std::string_view text)
{
	std::vector<uint32_t> points;
	while (!text.empty()) {
		const size_t len = fsbpf::utf8_sequence_length(text);
		check(len > 0);
		uint32_t point = static_cast<unsigned char>(text[0]);
		if (len > 1) {
			point &= 0xffU >> (len + 1);
			for (size_t i = 1; i < len; i++)
				point = (point << 6) |
					(static_cast<unsigned char>(text[i]) & 0x3fU);
		}
		points.push_back(point);
		text.remove_prefix(len);
	}
	return points;
}

void terminal_is_safe(std::string_view name)
{
	for (const uint32_t point : code_points(fsbpf::sanitize_for_terminal(name))) {
		check(point >= 0x20 && point != 0x7f && !(point >= 0x80 && point <= 0x9f));
		check(!(point >= 0x202a && point <= 0x202e) &&
		      !(point >= 0x2066 && point <= 0x2069));
	}
}

std::string unhex(const std::string &hex)
{
	std::string bytes;
	for (size_t i = 0; i + 1 < hex.size(); i += 2)
		bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
	return bytes;
}

void json_round_trips(const std::string &name)
{
	char *buffer = nullptr;
	size_t size = 0;
	std::FILE *out = open_memstream(&buffer, &size);
	{
		auto sink =
			fsbpf::make_sink(fsbpf::OutputFormat::Json,
					 {{"file", nullptr, FSBPF_VAL_STR, 0, 0}}, out, out, false);
		check(sink->row(std::vector{fsbpf::plugin::str(name.c_str())}) == 0);
		check(sink->flush() == 0);
	}
	std::fclose(out);
	const auto row = nlohmann::json::parse(std::string(buffer, size));
	std::free(buffer);
	const std::string back = row.contains("file_bytes") ? unhex(row["file_bytes"])
							    : row["file"].get<std::string>();
	check(back == name);
}

// RFC 4180: a quoted field doubles its quotes.
void csv_round_trips(const std::string &name)
{
	const std::string field = fsbpf::csv_field(name);
	if (field.empty() || field.front() != '"') {
		check(field == name);
		return;
	}
	std::string back;
	for (size_t i = 1; i + 1 < field.size(); i++) {
		back += field[i];
		if (field[i] == '"')
			check(field[++i] == '"');
	}
	check(back == name);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const std::string bytes(reinterpret_cast<const char *>(data), size);
	terminal_is_safe(bytes);
	csv_round_trips(bytes);
	json_round_trips(bytes.substr(0, bytes.find('\0'))); // names are C strings
	return 0;
}
