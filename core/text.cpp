// SPDX-License-Identifier: GPL-2.0
#include "text.hpp"

#include <fsbpf/plugin.hpp>

#include <algorithm>
#include <array>
#include <cstdint>

namespace fsbpf {
namespace {

constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
				       '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

void append_hex_byte(std::string &out, unsigned char byte)
{
	out += "\\x";
	out += kHex[byte >> 4];
	out += kHex[byte & 0xf];
}

uint32_t decode_utf8(std::string_view seq)
{
	const auto byte = [&](size_t i) { return static_cast<unsigned char>(seq[i]); };
	switch (seq.size()) {
	case 1:
		return byte(0);
	case 2:
		return ((byte(0) & 0x1fU) << 6) | (byte(1) & 0x3fU);
	case 3:
		return ((byte(0) & 0x0fU) << 12) | ((byte(1) & 0x3fU) << 6) | (byte(2) & 0x3fU);
	default:
		return ((byte(0) & 0x07U) << 18) | ((byte(1) & 0x3fU) << 12) |
		       ((byte(2) & 0x3fU) << 6) | (byte(3) & 0x3fU);
	}
}

// The escapes terminals and JSON share: backslash and the common controls.
const char *short_escape(uint32_t code_point)
{
	switch (code_point) {
	case '\\':
		return "\\\\";
	case '\n':
		return "\\n";
	case '\t':
		return "\\t";
	case '\r':
		return "\\r";
	default:
		return nullptr;
	}
}

bool is_c1_control(uint32_t code_point)
{
	return code_point >= 0x80 && code_point <= 0x9f;
}

// Embeddings, overrides, isolates and marks: a name holding U+202E shows the
// text after it reversed ("rlo\u202etxt.exe" reads as "rloexe.txt").
bool is_bidi_control(uint32_t code_point)
{
	return (code_point >= 0x202a && code_point <= 0x202e) ||
	       (code_point >= 0x2066 && code_point <= 0x2069) || code_point == 0x200e ||
	       code_point == 0x200f || code_point == 0x061c;
}

void append_code_point_escape(std::string &out, uint32_t code_point)
{
	out += "\\u";
	for (int shift = 12; shift >= 0; shift -= 4)
		out += kHex[(code_point >> shift) & 0xf];
}

// Calls on_text(seq) for each valid UTF-8 sequence and on_byte(b) for each
// byte that does not start one.
template <typename OnText, typename OnByte>
void for_each_sequence(std::string_view text, OnText on_text, OnByte on_byte)
{
	while (!text.empty()) {
		const size_t len = utf8_sequence_length(text);
		if (len == 0) {
			on_byte(static_cast<unsigned char>(text.front()));
			text.remove_prefix(1);
			continue;
		}
		on_text(text.substr(0, len));
		text.remove_prefix(len);
	}
}

} // namespace

size_t utf8_sequence_length(std::string_view text)
{
	if (text.empty())
		return 0;
	const auto lead = static_cast<unsigned char>(text.front());
	size_t len = 0;
	uint32_t min = 0;
	if (lead < 0x80)
		return 1;
	if ((lead & 0xe0) == 0xc0) {
		len = 2;
		min = 0x80;
	} else if ((lead & 0xf0) == 0xe0) {
		len = 3;
		min = 0x800;
	} else if ((lead & 0xf8) == 0xf0) {
		len = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	if (text.size() < len)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((static_cast<unsigned char>(text[i]) & 0xc0) != 0x80)
			return 0;
	const uint32_t code_point = decode_utf8(text.substr(0, len));
	const bool surrogate = code_point >= 0xd800 && code_point <= 0xdfff;
	if (code_point < min || code_point > 0x10ffff || surrogate)
		return 0;
	return len;
}

std::string sanitize_for_terminal(std::string_view text)
{
	// Printable ASCII other than the escaping backslash, the common case.
	if (std::ranges::all_of(text, [](char c) { return c >= 0x20 && c < 0x7f && c != '\\'; }))
		return std::string(text);
	std::string out;
	out.reserve(text.size());
	const auto on_text = [&](std::string_view seq) {
		const uint32_t code_point = decode_utf8(seq);
		if (const char *escape = short_escape(code_point)) {
			out += escape;
		} else if (code_point < 0x20 || code_point == 0x7f) {
			append_hex_byte(out, static_cast<unsigned char>(code_point));
		} else if (is_c1_control(code_point)) {
			for (const char byte : seq)
				append_hex_byte(out, static_cast<unsigned char>(byte));
		} else if (is_bidi_control(code_point)) {
			append_code_point_escape(out, code_point);
		} else {
			out += seq;
		}
	};
	for_each_sequence(text, on_text, [&](unsigned char byte) { append_hex_byte(out, byte); });
	return out;
}

std::string excerpt_for_terminal(std::string_view text)
{
	return sanitize_for_terminal(plugin::excerpt(text));
}

std::string json_escape(std::string_view text)
{
	std::string out;
	out.reserve(text.size());
	const auto on_text = [&](std::string_view seq) {
		const uint32_t code_point = decode_utf8(seq);
		if (code_point == '"') {
			out += "\\\"";
		} else if (const char *escape = short_escape(code_point)) {
			out += escape;
		} else if (code_point < 0x20 || code_point == 0x7f || is_c1_control(code_point)) {
			out += "\\u00";
			out += kHex[(code_point >> 4) & 0xf];
			out += kHex[code_point & 0xf];
		} else {
			out += seq;
		}
	};
	for_each_sequence(text, on_text, [&](unsigned char /*byte*/) { out += "\\ufffd"; });
	return out;
}

bool is_utf8(std::string_view text)
{
	while (!text.empty()) {
		const size_t len = utf8_sequence_length(text);
		if (len == 0)
			return false;
		text.remove_prefix(len);
	}
	return true;
}

std::string hex_bytes(std::string_view text)
{
	std::string out;
	out.reserve(text.size() * 2);
	for (const char c : text) {
		const auto byte = static_cast<unsigned char>(c);
		out += kHex[byte >> 4];
		out += kHex[byte & 0xf];
	}
	return out;
}

std::string csv_field(std::string_view text)
{
	if (text.find_first_of(",\"\r\n") == std::string_view::npos)
		return std::string(text);
	std::string out = "\"";
	for (const char c : text) {
		if (c == '"')
			out += '"';
		out += c;
	}
	out += '"';
	return out;
}

} // namespace fsbpf
