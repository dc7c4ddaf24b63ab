// SPDX-License-Identifier: GPL-2.0
#include "text.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

using namespace std::string_literals;
using fsbpf::csv_field;
using fsbpf::excerpt_for_terminal;
using fsbpf::json_escape;
using fsbpf::sanitize_for_terminal;
using fsbpf::utf8_sequence_length;

TEST(Utf8SequenceLength, CountsValidSequencesOfEachLength)
{
	EXPECT_EQ(utf8_sequence_length("ab"), 1U);
	EXPECT_EQ(utf8_sequence_length("\xc3\xa9"), 2U);
	EXPECT_EQ(utf8_sequence_length("\xe6\x97\xa5"), 3U);
	EXPECT_EQ(utf8_sequence_length("\xf0\x9f\x98\x80"), 4U);
	EXPECT_EQ(utf8_sequence_length("\xf4\x8f\xbf\xbf"), 4U);
}

TEST(Utf8SequenceLength, RejectsOverlongSurrogateAndOutOfRange)
{
	EXPECT_EQ(utf8_sequence_length("\xc0\x80"), 0U);
	EXPECT_EQ(utf8_sequence_length("\xe0\x80\x80"), 0U);
	EXPECT_EQ(utf8_sequence_length("\xf0\x80\x80\x80"), 0U);
	EXPECT_EQ(utf8_sequence_length("\xed\xa0\x80"), 0U);
	EXPECT_EQ(utf8_sequence_length("\xf4\x90\x80\x80"), 0U);
}

TEST(Utf8SequenceLength, RejectsStrayAndTruncatedBytes)
{
	EXPECT_EQ(utf8_sequence_length("\x80"), 0U);
	EXPECT_EQ(utf8_sequence_length("\xff"), 0U);
	EXPECT_EQ(utf8_sequence_length("\xf8\x88\x80\x80\x80"), 0U);
	EXPECT_EQ(utf8_sequence_length("\xc3"
				       "A"),
		  0U);
	EXPECT_EQ(utf8_sequence_length("\xe6\x97"), 0U);
	EXPECT_EQ(utf8_sequence_length("\xf0\x9f\x98"), 0U);
}

TEST(SanitizeForTerminal, EscapesControlCharactersAndBackslash)
{
	EXPECT_EQ(sanitize_for_terminal("a\nb"), "a\\nb");
	EXPECT_EQ(sanitize_for_terminal("a\tb\rc"), "a\\tb\\rc");
	EXPECT_EQ(sanitize_for_terminal("\x1b[31mred"), "\\x1b[31mred");
	EXPECT_EQ(sanitize_for_terminal("a\\b"), "a\\\\b");
	EXPECT_EQ(sanitize_for_terminal("\x7f"), "\\x7f");
	EXPECT_EQ(sanitize_for_terminal("a\0b"s), "a\\x00b");
}

TEST(SanitizeForTerminal, EscapesInvalidUtf8AndC1ControlsBytewise)
{
	EXPECT_EQ(sanitize_for_terminal("x\xffy"), "x\\xffy");
	EXPECT_EQ(sanitize_for_terminal("\xc2\x9b"
					"2J"),
		  "\\xc2\\x9b2J");
	EXPECT_EQ(sanitize_for_terminal("ok\xe6\x97"), "ok\\xe6\\x97");
	EXPECT_EQ(sanitize_for_terminal("\xc0\x80"), "\\xc0\\x80");
}

TEST(SanitizeForTerminal, KeepsPrintableUtf8)
{
	EXPECT_EQ(sanitize_for_terminal("caf\xc3\xa9"), "caf\xc3\xa9");
	EXPECT_EQ(sanitize_for_terminal("\xe6\x97\xa5\xe6\x9c\xac"), "\xe6\x97\xa5\xe6\x9c\xac");
	EXPECT_EQ(sanitize_for_terminal("\xf0\x9f\x98\x80 ~!"), "\xf0\x9f\x98\x80 ~!");
	EXPECT_EQ(sanitize_for_terminal("\xc2\xa0"), "\xc2\xa0");
	EXPECT_EQ(sanitize_for_terminal(""), "");
}

TEST(JsonEscape, EscapesQuotesBackslashAndControls)
{
	EXPECT_EQ(json_escape("say \"hi\""), "say \\\"hi\\\"");
	EXPECT_EQ(json_escape("a\\b"), "a\\\\b");
	EXPECT_EQ(json_escape("a\nb\tc\rd"), "a\\nb\\tc\\rd");
	EXPECT_EQ(json_escape("\x01\x1b\x7f"), "\\u0001\\u001b\\u007f");
	EXPECT_EQ(json_escape("\xc2\x9b"), "\\u009b");
	EXPECT_EQ(json_escape("caf\xc3\xa9"), "caf\xc3\xa9");
}

TEST(JsonEscape, WritesEachInvalidByteAsTheReplacementCharacter)
{
	EXPECT_EQ(json_escape("x\xffy"), "x\\ufffdy");
	EXPECT_EQ(json_escape("\xe6\x97"), "\\ufffd\\ufffd");
	const auto parsed = nlohmann::json::parse("\"" + json_escape("x\xffy") + "\"");
	EXPECT_EQ(parsed.get<std::string>(), "x\xef\xbf\xbdy");
	EXPECT_FALSE(fsbpf::is_utf8("x\xffy"));
	EXPECT_TRUE(fsbpf::is_utf8("caf\xc3\xa9"));
	EXPECT_EQ(fsbpf::hex_bytes("a\xff\x00"s), "61ff00");
}

TEST(SanitizeForTerminal, EscapesBidirectionalControls)
{
	EXPECT_EQ(sanitize_for_terminal("rlo\xe2\x80\xaetxt.exe"), "rlo\\u202etxt.exe");
	EXPECT_EQ(sanitize_for_terminal("\xe2\x80\xaa\xe2\x81\xa6\xe2\x81\xa9\xe2\x80\x8f"),
		  "\\u202a\\u2066\\u2069\\u200f");
	EXPECT_EQ(sanitize_for_terminal("\xd8\x9c"), "\\u061c");
}

TEST(JsonEscape, RoundTripsThroughAJsonParser)
{
	const std::string text = "line\n\x1b[0m\ttab \"q\" \\ caf\xc3\xa9 \x01\x7f\xc2\x9b/";
	const auto parsed = nlohmann::json::parse("\"" + json_escape(text) + "\"");
	EXPECT_EQ(parsed.get<std::string>(), text);
}

TEST(CsvField, LeavesPlainTextAlone)
{
	EXPECT_EQ(csv_field("plain text"), "plain text");
	EXPECT_EQ(csv_field(""), "");
}

TEST(CsvField, QuotesFieldsWithSeparatorsQuotesAndLineBreaks)
{
	EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
	EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
	EXPECT_EQ(csv_field("x\ny"), "\"x\ny\"");
	EXPECT_EQ(csv_field("x\ry"), "\"x\ry\"");
}

TEST(ExcerptForTerminal, KeepsShortTextAndEscapesIt)
{
	EXPECT_EQ(excerpt_for_terminal("no tool named 'x'"), "no tool named 'x'");
	EXPECT_EQ(excerpt_for_terminal("a\nb\x1b[31m"), "a\\nb\\x1b[31m");
}

TEST(ExcerptForTerminal, CutsLongTextOnACharacterBoundary)
{
	EXPECT_EQ(excerpt_for_terminal(std::string(300, 'x')), std::string(200, 'x') + "...");
	// The two bytes of an e-acute straddle byte 200: the cut goes before it.
	const std::string text = std::string(199, 'x') + "\xc3\xa9" + std::string(100, 'y');
	EXPECT_EQ(excerpt_for_terminal(text), std::string(199, 'x') + "...");
}
