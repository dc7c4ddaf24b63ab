// SPDX-License-Identifier: GPL-2.0
// Text safety for everything fsbpf prints: file names are bytes chosen by
// whoever created the file, so they never reach a terminal or a parser raw.
#pragma once

#include <string>
#include <string_view>

namespace fsbpf {

// For terminals: control characters, C1 controls, backslash and bytes that are
// not UTF-8 become visible escapes (\n, \x1b, \\, \xff), and so do the
// bidirectional controls that would reorder what follows them (\u202e);
// other text is kept.
std::string sanitize_for_terminal(std::string_view text);

// The body of a JSON string (without quotes). JSON carries text only: each
// byte that is not UTF-8 becomes U+FFFD, and json_bytes() says whether the
// exact bytes must travel beside it.
std::string json_escape(std::string_view text);

// Whether text is valid UTF-8, which JSON carries as it is.
bool is_utf8(std::string_view text);

// Lower-case hex of every byte: the exact value of a string that is not UTF-8.
std::string hex_bytes(std::string_view text);

// One CSV field per RFC 4180: quoted when it holds a comma, quote, CR or LF.
std::string csv_field(std::string_view text);

// For messages that quote what a user typed, which may be long or hostile:
// at most fsbpf::plugin::kQuotedBytes of text, escaped for a terminal.
std::string excerpt_for_terminal(std::string_view text);

// Length of the valid UTF-8 sequence at the start of text, 0 when invalid.
size_t utf8_sequence_length(std::string_view text);

} // namespace fsbpf
