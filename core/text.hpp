// Text safety for everything fsbpf prints: file names are bytes chosen by
// whoever created the file, so they never reach a terminal or a parser raw.
#pragma once

#include <string>
#include <string_view>

namespace fsbpf {

// For terminals: control characters, C1 controls, backslash and bytes that are
// not UTF-8 become visible escapes (\n, \x1b, \\, \xff); other text is kept.
std::string sanitize_for_terminal(std::string_view text);

// The body of a JSON string (without quotes). Bytes that are not UTF-8 are
// written as the text \xNN, the same as on the terminal, since JSON has no
// way to carry raw bytes.
std::string json_escape(std::string_view text);

// One CSV field per RFC 4180: quoted when it holds a comma, quote, CR or LF.
std::string csv_field(std::string_view text);

// For messages that quote what a user typed, which may be long or hostile:
// at most fsbpf::plugin::kQuotedBytes of text, escaped for a terminal.
std::string excerpt_for_terminal(std::string_view text);

// Length of the valid UTF-8 sequence at the start of text, 0 when invalid.
size_t utf8_sequence_length(std::string_view text);

} // namespace fsbpf
