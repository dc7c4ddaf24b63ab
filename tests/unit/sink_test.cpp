// SPDX-License-Identifier: GPL-2.0
#include "sink.hpp"

#include <fsbpf/plugin.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <fcntl.h>
#include <map>
#include <poll.h>
#include <random>
#include <sys/ioctl.h>
#include <termios.h>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

using fsbpf::OutputFormat;
using fsbpf::plugin::f64;
using fsbpf::plugin::i64;
using fsbpf::plugin::str;
using fsbpf::plugin::u64;
using fsbpf::plugin::wall_ns;

namespace {

// 2026-12-04T19:59:23.603856535Z; the command started 1.5 s before.
constexpr uint64_t kNow = 1796414363603856535ULL;
constexpr const char *kNowText = "2026-12-04T19:59:23.603856535Z";
uint64_t fixed_now()
{
	return kNow;
}
const fsbpf::Envelope kEnvelope{
	.tool = "snoop", .record = "event", .started_ns = kNow - 1500000000, .now_ns = fixed_now};
const std::string kEnvelopeText =
	R"({"record":"event","tool":"snoop","schema":1,"time_ns":1796414363603856535,)"
	R"("time":"2026-12-04T19:59:23.603856535Z")";

// The local time of day at kNow, as the table writes it.
std::string local_time_of_day()
{
	const auto seconds = static_cast<time_t>(kNow / 1000000000);
	tm local{};
	localtime_r(&seconds, &local);
	std::array<char, 16> text{};
	return {text.data(), strftime(text.data(), text.size(), "%H:%M:%S", &local)};
}

// A FILE that writes into memory; text() is everything written so far.
class MemoryFile {
public:
	MemoryFile() : file_(open_memstream(&buffer_, &size_)) {}
	~MemoryFile()
	{
		std::fclose(file_);
		std::free(buffer_);
	}
	MemoryFile(const MemoryFile &) = delete;
	MemoryFile &operator=(const MemoryFile &) = delete;

	std::FILE *get() const { return file_; }
	std::string text() const
	{
		std::fflush(file_);
		return {buffer_, size_};
	}

private:
	char *buffer_ = nullptr;
	size_t size_ = 0;
	std::FILE *file_;
};

const std::vector<fsbpf_column> kTableColumns = {
	{"pid", nullptr, FSBPF_VAL_INT, 6, 0},
	{"comm", nullptr, FSBPF_VAL_STR, -8, 0},
	{"ms", "LAT(ms)", FSBPF_VAL_DOUBLE, 8, 2},
	{"file", nullptr, FSBPF_VAL_STR, -1, 0},
};
const std::string kTableHeader = "   PID COMM      LAT(ms) FILE\n";

const std::vector<fsbpf_column> kSummaryColumns = {
	{"lost", nullptr, FSBPF_VAL_UINT, 0, 0},
	{"note", nullptr, FSBPF_VAL_STR, 0, 0},
};
const std::vector<fsbpf_value> kSummaryValues = {u64(5), str("a\nb")};

class SinkTest : public ::testing::Test {
protected:
	std::unique_ptr<fsbpf::Sink> make(OutputFormat format, std::vector<fsbpf_column> columns,
					  bool clear_screen = false)
	{
		return fsbpf::make_sink(format, std::move(columns), out_.get(), notes_.get(),
					clear_screen, kEnvelope);
	}

	MemoryFile out_;
	MemoryFile notes_;
};

TEST_F(SinkTest, TablePrintsHeaderOnceBeforeTheFirstRow)
{
	auto sink = make(OutputFormat::Table, kTableColumns);
	EXPECT_EQ(out_.text(), "");
	ASSERT_EQ(sink->row(std::vector{i64(42), str("bash"), f64(1.5), str("/etc/passwd")}), 0);
	ASSERT_EQ(sink->row(std::vector{i64(7), str("sh"), f64(12.5), str("/tmp/x")}), 0);
	EXPECT_EQ(out_.text(), kTableHeader + "    42 bash         1.50 /etc/passwd\n"
					      "     7 sh          12.50 /tmp/x\n");
	EXPECT_EQ(notes_.text(), "");
}

TEST_F(SinkTest, TableSanitizesStringColumns)
{
	auto sink = make(OutputFormat::Table, kTableColumns);
	ASSERT_EQ(sink->row(std::vector{i64(-1), str("a\tb"), f64(0), str("x\ny\x1b\xff")}), 0);
	EXPECT_EQ(out_.text(), kTableHeader + "    -1 a\\tb         0.00 x\\ny\\x1b\\xff\n");
}

TEST_F(SinkTest, TableKeepsLongValuesWhole)
{
	auto sink = make(OutputFormat::Table, {{"comm", "C", FSBPF_VAL_STR, -3, 0},
					       {"n", nullptr, FSBPF_VAL_UINT, 2, 0}});
	ASSERT_EQ(sink->row(std::vector{str("longname"), u64(UINT64_MAX)}), 0);
	EXPECT_EQ(out_.text(), "C    N\nlongname 18446744073709551615\n");
}

TEST_F(SinkTest, TableFramePrintsTitleThenHeader)
{
	auto sink = make(OutputFormat::Table, kTableColumns);
	ASSERT_EQ(sink->frame("Top \x1b[2J"), 0);
	ASSERT_EQ(sink->row(std::vector{i64(1), str("init"), f64(0.25), str("/")}), 0);
	ASSERT_EQ(sink->frame("Again"), 0);
	EXPECT_EQ(out_.text(), "Top \\x1b[2J\n\n" + kTableHeader +
				       "     1 init         0.25 /\n"
				       "\nAgain\n\n" +
				       kTableHeader);
}

TEST_F(SinkTest, TableFrameClearsTheScreenWhenAsked)
{
	auto sink = make(OutputFormat::Table, kTableColumns, true);
	ASSERT_EQ(sink->frame("Title"), 0);
	ASSERT_EQ(sink->frame("Title"), 0);
	const std::string frame = "\033[H\033[2JTitle\n\n" + kTableHeader;
	EXPECT_EQ(out_.text(), frame + frame);
}

TEST_F(SinkTest, TableSummaryGoesToNotes)
{
	auto sink = make(OutputFormat::Table, kTableColumns);
	ASSERT_EQ(sink->summary(kSummaryColumns, kSummaryValues), 0);
	EXPECT_EQ(out_.text(), "");
	EXPECT_EQ(notes_.text(), "lost=5 note=a\\nb\n");
}

TEST_F(SinkTest, JsonRowsAreObjectsWithExactValues)
{
	auto sink = make(OutputFormat::Json, {{"pid", nullptr, FSBPF_VAL_INT, 6, 0},
					      {"comm", nullptr, FSBPF_VAL_STR, -8, 0},
					      {"ratio", nullptr, FSBPF_VAL_DOUBLE, 8, 2},
					      {"bytes", nullptr, FSBPF_VAL_UINT, 8, 0}});
	const std::string comm = "a\"b\\c\n\x1b";
	ASSERT_EQ(sink->row(std::vector{i64(INT64_MIN), str(comm), f64(0.000123), u64(UINT64_MAX)}),
		  0);
	const std::string line = out_.text();
	EXPECT_EQ(line, kEnvelopeText +
				",\"pid\":-9223372036854775808,\"comm\":\"a\\\"b\\\\c\\n\\u001b\","
				"\"ratio\":0.000123,\"bytes\":18446744073709551615}\n");
	const auto object = nlohmann::json::parse(line);
	ASSERT_TRUE(object.is_object());
	EXPECT_EQ(object.size(), 9U);
	EXPECT_EQ(object["pid"].get<int64_t>(), INT64_MIN);
	EXPECT_EQ(object["comm"].get<std::string>(), comm);
	EXPECT_EQ(object["ratio"].get<double>(), 0.000123);
	EXPECT_EQ(object["bytes"].get<uint64_t>(), UINT64_MAX);
}

TEST_F(SinkTest, JsonWritesOneLinePerRowAndNullStringsAsEmpty)
{
	auto sink = make(OutputFormat::Json, {{"name", nullptr, FSBPF_VAL_STR, 0, 0}});
	ASSERT_EQ(sink->row(std::vector{str(nullptr)}), 0);
	ASSERT_EQ(sink->row(std::vector{str("x")}), 0);
	EXPECT_EQ(out_.text(),
		  kEnvelopeText + ",\"name\":\"\"}\n" + kEnvelopeText + ",\"name\":\"x\"}\n");
}

TEST_F(SinkTest, JsonFrameWritesNothing)
{
	auto sink = make(OutputFormat::Json, kTableColumns, true);
	ASSERT_EQ(sink->frame("Title"), 0);
	EXPECT_EQ(out_.text(), "");
}

TEST_F(SinkTest, JsonSummaryIsARecordOnOutAndLinesOnNotes)
{
	auto sink = make(OutputFormat::Json, kTableColumns);
	ASSERT_EQ(sink->summary(kSummaryColumns, kSummaryValues), 0);
	EXPECT_EQ(out_.text(),
		  R"({"record":"summary","tool":"snoop","schema":1,)"
		  R"("time_ns":1796414363603856535,"time":"2026-12-04T19:59:23.603856535Z",)"
		  R"("lost":5,"note":"a\nb"}
)");
	EXPECT_EQ(notes_.text(), "lost=5 note=a\\nb\n");
	const auto object = nlohmann::json::parse(out_.text());
	EXPECT_EQ(object["record"], "summary");
	EXPECT_EQ(object["note"], "a\nb");
}

// A record's time is that of the event, not of its writing; any other time
// is written both ways too.
TEST_F(SinkTest, JsonTakesTheRecordTimeFromTheTimeColumn)
{
	auto sink = make(OutputFormat::Json, {{"pid", nullptr, FSBPF_VAL_UINT, 0, 0},
					      {"time", nullptr, FSBPF_VAL_TIME, 0, 0},
					      {"born", nullptr, FSBPF_VAL_TIME, 0, 0}});
	ASSERT_EQ(sink->row(std::vector{u64(7), wall_ns(1000000000000000001), wall_ns(kNow)}), 0);
	EXPECT_EQ(out_.text(),
		  R"({"record":"event","tool":"snoop","schema":1,"time_ns":1000000000000000001,)"
		  R"("time":"2001-09-09T01:46:40.000000001Z","pid":7,)"
		  R"("born_ns":1796414363603856535,"born":"2026-12-04T19:59:23.603856535Z"}
)");
}

TEST_F(SinkTest, CsvWritesATimeAsTwoFields)
{
	auto sink = make(OutputFormat::Csv, {{"time", nullptr, FSBPF_VAL_TIME, 0, 0},
					     {"pid", nullptr, FSBPF_VAL_UINT, 0, 0}});
	ASSERT_EQ(sink->row(std::vector{wall_ns(kNow), u64(7)}), 0);
	EXPECT_EQ(out_.text(),
		  "time_ns,time,pid\n1796414363603856535," + std::string(kNowText) + ",7\n");
}

TEST_F(SinkTest, TableWritesTheTimeOfDayOrSecondsSinceStart)
{
	auto sink = make(OutputFormat::Table,
			 {{"time", nullptr, FSBPF_VAL_TIME, -8, FSBPF_TIME_OF_DAY},
			  {"ms", nullptr, FSBPF_VAL_TIME, -12, FSBPF_TIME_OF_DAY_MS},
			  {"since", nullptr, FSBPF_VAL_TIME, 9, FSBPF_TIME_SINCE_START_US}});
	ASSERT_EQ(sink->row(std::vector{wall_ns(kNow), wall_ns(kNow), wall_ns(kNow)}), 0);
	EXPECT_EQ(out_.text(), "TIME     MS               SINCE\n" + local_time_of_day() + " " +
				       local_time_of_day() + ".603  1.500000\n");
}

TEST(SinkColumns, RefusesColumnsWithoutANameOrOfAnUnknownType)
{
	EXPECT_TRUE(fsbpf::is_valid_column({"time", nullptr, FSBPF_VAL_TIME, 0, 0}));
	EXPECT_FALSE(fsbpf::is_valid_column({nullptr, nullptr, FSBPF_VAL_STR, 0, 0}));
	EXPECT_FALSE(fsbpf::is_valid_column({"", nullptr, FSBPF_VAL_STR, 0, 0}));
	EXPECT_FALSE(fsbpf::is_valid_column({"x", nullptr, FSBPF_VAL_TIME + 1, 0, 0}));
	EXPECT_FALSE(fsbpf::is_valid_column({"x", nullptr, -1, 0, 0}));
	EXPECT_TRUE(fsbpf::is_record_kind("event"));
	EXPECT_FALSE(fsbpf::is_record_kind("summary")) << "the host's own kind";
	EXPECT_FALSE(fsbpf::is_record_kind("Row"));
	EXPECT_FALSE(fsbpf::is_record_kind("a\"b"));
}

// JSON has no NaN or infinity: a row holding one must still be valid JSON.
TEST_F(SinkTest, JsonRowsStayValidForNonFiniteDoubles)
{
	auto sink = make(OutputFormat::Json, {{"a", nullptr, FSBPF_VAL_DOUBLE, 0, 0},
					      {"b", nullptr, FSBPF_VAL_DOUBLE, 0, 0}});
	const double inf = std::numeric_limits<double>::infinity();
	ASSERT_EQ(sink->row(std::vector{f64(std::nan("")), f64(inf)}), 0);
	EXPECT_TRUE(nlohmann::json::accept(out_.text())) << out_.text();
}

TEST_F(SinkTest, CsvWritesHeaderOnceAndQuotesFields)
{
	auto sink = make(OutputFormat::Csv, {{"name", nullptr, FSBPF_VAL_STR, -8, 0},
					     {"count", nullptr, FSBPF_VAL_INT, 5, 0},
					     {"ratio", nullptr, FSBPF_VAL_DOUBLE, 8, 2}});
	ASSERT_EQ(sink->row(std::vector{str("plain"), i64(1), f64(0.5)}), 0);
	ASSERT_EQ(sink->row(std::vector{str("a,b"), i64(-2), f64(0.000123)}), 0);
	ASSERT_EQ(sink->row(std::vector{str("say \"hi\""), i64(3), f64(1e21)}), 0);
	ASSERT_EQ(sink->row(std::vector{str("x\ny"), i64(4), f64(2)}), 0);
	EXPECT_EQ(out_.text(), "name,count,ratio\n"
			       "plain,1,0.5\n"
			       "\"a,b\",-2,0.000123\n"
			       "\"say \"\"hi\"\"\",3,1e+21\n"
			       "\"x\ny\",4,2\n");
}

// The name a JSON row carries, byte for byte: file_bytes where it is not UTF-8.
// A terminal is line-buffered: each line may come in a read of its own.
std::string read_lines(int fd, size_t lines)
{
	std::string text;
	std::array<char, 256> buf{};
	while (static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) < lines) {
		pollfd readable{fd, POLLIN, 0};
		if (poll(&readable, 1, 5000) != 1)
			break;
		const ssize_t got = read(fd, buf.data(), buf.size());
		if (got <= 0)
			break;
		text.append(buf.data(), static_cast<size_t>(got));
	}
	return text;
}

std::string recovered_name(const nlohmann::json &row)
{
	if (!row.contains("file_bytes"))
		return row["file"].get<std::string>();
	const std::string hex = row["file_bytes"];
	std::string bytes;
	for (size_t i = 0; i + 1 < hex.size(); i += 2)
		bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
	return bytes;
}

// Random byte strings (no NUL: names are C strings, as file names are), valid
// UTF-8 or not: every name comes back exactly, and no two names give the same
// JSON (a byte 0xff and the text "\xff" included).
TEST_F(SinkTest, JsonNamesRoundTripAndNeverCollide)
{
	auto sink = make(OutputFormat::Json, {{"file", nullptr, FSBPF_VAL_STR, 0, 0}});
	std::vector<std::string> names = {"\xff", "\\xff", "\\ufffd", "\xef\xbf\xbd", "a\"b"};
	std::mt19937 random(20261201);
	const std::string alphabet = "ab\\\"\xff\xc3\xa9\xe2\x80\xae\x1b\n/ux0";
	for (int i = 0; i < 5000; i++) {
		std::string name;
		for (size_t n = random() % 12; n > 0; n--)
			name += random() % 4 == 0 ? static_cast<char>(1 + random() % 255)
						  : alphabet[random() % alphabet.size()];
		names.push_back(name);
	}
	std::map<std::string, std::string> seen; // JSON line -> the name it came from
	for (const std::string &name : names) {
		const size_t before = out_.text().size();
		ASSERT_EQ(sink->row(std::vector{str(name.c_str())}), 0);
		const std::string line = out_.text().substr(before);
		const auto row = nlohmann::json::parse(line);
		ASSERT_EQ(recovered_name(row), name) << line;
		const auto [it, fresh] = seen.emplace(line, name);
		ASSERT_TRUE(fresh || it->second == name) << line;
	}
}

// A pseudo-terminal in raw mode, `columns` wide: the sink writes to `out`,
// the test reads what it shows from the master.
class Terminal {
public:
	explicit Terminal(unsigned short columns)
		: master_(posix_openpt(O_RDWR | O_NOCTTY)),
		  out_(master_ >= 0 && grantpt(master_) == 0 && unlockpt(master_) == 0
			       ? std::fopen(ptsname(master_), "w")
			       : nullptr)
	{
		if (!out_)
			throw std::runtime_error("no pseudo-terminal");
		termios raw{};
		tcgetattr(fileno(out_), &raw);
		cfmakeraw(&raw);
		tcsetattr(fileno(out_), TCSANOW, &raw);
		const winsize size{.ws_row = 24, .ws_col = columns, .ws_xpixel = 0, .ws_ypixel = 0};
		ioctl(master_, TIOCSWINSZ, &size);
	}
	~Terminal()
	{
		std::fclose(out_);
		close(master_);
	}
	Terminal(const Terminal &) = delete;
	Terminal &operator=(const Terminal &) = delete;
	std::FILE *out() const { return out_; }
	std::string lines(size_t count) const { return read_lines(master_, count); }

private:
	int master_;
	std::FILE *out_;
};

// On a terminal CSV is sanitized like the table; to files and pipes it is exact.
TEST(SinkTerminal, CsvOnATerminalCarriesNoControls)
{
	const Terminal terminal(80);
	MemoryFile notes;
	auto sink = fsbpf::make_sink(OutputFormat::Csv, {{"file", nullptr, FSBPF_VAL_STR, 0, 0}},
				     terminal.out(), notes.get(), false);
	ASSERT_EQ(sink->row(std::vector{str("a\x1b]0;x\x07\rb\xc2\x9b\xe2\x80\xae")}), 0);
	ASSERT_EQ(sink->flush(), 0);
	EXPECT_EQ(terminal.lines(2), "file\na\\x1b]0;x\\x07\\rb\\xc2\\x9b\\u202e\n");
}

// A name too long for what the row leaves of the terminal's 40 columns (25
// go to PID, COMM and LAT) keeps its start and its end around an ellipsis,
// counted in characters; a file or a pipe gets it whole (the tests above).
TEST(SinkTerminal, TableRowsFitTheTerminalWidth)
{
	const Terminal terminal(40);
	MemoryFile notes;
	auto sink = fsbpf::make_sink(OutputFormat::Table, kTableColumns, terminal.out(),
				     notes.get(), false);
	ASSERT_EQ(sink->row(std::vector{i64(1), str("cat"), f64(0.5), str("short.txt")}), 0);
	ASSERT_EQ(sink->row(std::vector{i64(2), str("cat"), f64(0.5),
					str("/var/lib/postgresql/15/main/base/16384/2619")}),
		  0);
	ASSERT_EQ(sink->row(std::vector{
			  i64(3), str("cat"), f64(0.5),
			  str("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			      "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9")}),
		  0);
	ASSERT_EQ(sink->flush(), 0);
	const std::string ellipsis = "\u2026", e_acute = "\u00e9";
	std::string seven_e_acutes;
	for (int i = 0; i < 7; i++)
		seven_e_acutes += e_acute;
	EXPECT_EQ(terminal.lines(4), kTableHeader + "     1 cat          0.50 short.txt\n" +
					     "     2 cat          0.50 /var/li" + ellipsis +
					     "84/2619\n" + "     3 cat          0.50 " +
					     seven_e_acutes + ellipsis + seven_e_acutes + "\n");
}

TEST_F(SinkTest, CsvToAFileKeepsExactBytes)
{
	auto sink = make(OutputFormat::Csv, {{"file", nullptr, FSBPF_VAL_STR, 0, 0}});
	ASSERT_EQ(sink->row(std::vector{str("a\x1b\xff")}), 0);
	EXPECT_EQ(out_.text(), "file\na\x1b\xff\n");
}

// A run that saw nothing still gives a CSV file its header, and only that.
TEST_F(SinkTest, CsvSummaryGoesToNotesAndAQuietRunKeepsTheHeader)
{
	auto sink = make(OutputFormat::Csv, kTableColumns);
	ASSERT_EQ(sink->summary(kSummaryColumns, kSummaryValues), 0);
	ASSERT_EQ(sink->frame("ignored"), 0);
	EXPECT_EQ(out_.text(), "pid,comm,ms,file\n");
	EXPECT_EQ(notes_.text(), "# lost=5 note=a\\nb\n");
}

// The write end of a pipe whose reader has gone, as after `| head`.
std::FILE *pipe_without_reader()
{
	std::signal(SIGPIPE, SIG_IGN);
	int fds[2];
	if (pipe(fds) != 0)
		return nullptr;
	close(fds[0]);
	return fdopen(fds[1], "w");
}

// Rows are buffered until the host flushes, as it does whenever the command goes idle.
TEST(SinkPipe, FlushReturnsEpipeOnceTheReaderHasGone)
{
	std::FILE *out = pipe_without_reader();
	ASSERT_NE(out, nullptr);
	for (const OutputFormat format :
	     {OutputFormat::Table, OutputFormat::Json, OutputFormat::Csv}) {
		auto sink = fsbpf::make_sink(format, kTableColumns, out, stderr, false);
		EXPECT_EQ(sink->row(std::vector{i64(1), str("a"), f64(1), str("b")}), 0);
		EXPECT_EQ(sink->flush(), -EPIPE);
	}
	std::fclose(out);
}

// /dev/full fails every write with ENOSPC, as a full disk does.
class FullOutputTest : public ::testing::Test {
protected:
	~FullOutputTest() override { std::fclose(out_); }

	std::FILE *out_ = std::fopen("/dev/full", "w");
	MemoryFile notes_;
};

TEST_F(FullOutputTest, FlushReturnsTheErrnoOfTheFailedWrite)
{
	ASSERT_NE(out_, nullptr);
	for (const OutputFormat format :
	     {OutputFormat::Table, OutputFormat::Json, OutputFormat::Csv}) {
		auto sink = fsbpf::make_sink(format, kTableColumns, out_, notes_.get(), false);
		EXPECT_EQ(sink->row(std::vector{i64(1), str("a"), f64(1), str("b")}), 0);
		EXPECT_EQ(sink->flush(), -ENOSPC);
		// Nothing more is tried after the first failure.
		EXPECT_EQ(sink->row(std::vector{i64(2), str("c"), f64(2), str("d")}), -ENOSPC);
		EXPECT_EQ(sink->flush(), -ENOSPC);
	}
}

TEST_F(FullOutputTest, JsonSummaryStillReachesNotes)
{
	ASSERT_NE(out_, nullptr);
	auto sink = fsbpf::make_sink(OutputFormat::Json, kTableColumns, out_, notes_.get(), false);
	EXPECT_EQ(sink->summary(kSummaryColumns, kSummaryValues), -ENOSPC);
	EXPECT_EQ(notes_.text(), "lost=5 note=a\\nb\n");
}

TEST_F(FullOutputTest, TableAndCsvSummariesStillReachNotes)
{
	ASSERT_NE(out_, nullptr);
	for (const OutputFormat format : {OutputFormat::Table, OutputFormat::Csv}) {
		auto sink = fsbpf::make_sink(format, kTableColumns, out_, notes_.get(), false);
		ASSERT_EQ(sink->row(std::vector{i64(1), str("a"), f64(1), str("b")}), 0);
		EXPECT_EQ(sink->summary(kSummaryColumns, kSummaryValues), -ENOSPC);
	}
	EXPECT_EQ(notes_.text(), "lost=5 note=a\\nb\n# lost=5 note=a\\nb\n");
}

TEST(SinkPipe, JsonSummaryStillReachesNotesOnceTheReaderHasGone)
{
	std::FILE *out = pipe_without_reader();
	ASSERT_NE(out, nullptr);
	MemoryFile notes;
	auto sink = fsbpf::make_sink(OutputFormat::Json, kTableColumns, out, notes.get(), false);
	EXPECT_EQ(sink->summary(kSummaryColumns, kSummaryValues), -EPIPE);
	EXPECT_EQ(notes.text(), "lost=5 note=a\\nb\n");
	std::fclose(out);
}

TEST(FormatValue, UsesColumnPrecisionForPeopleAndShortestFormForMachines)
{
	const fsbpf_column column{"ratio", nullptr, FSBPF_VAL_DOUBLE, 0, 3};
	EXPECT_EQ(fsbpf::format_value(column, f64(2.0 / 3)), "0.667");
	EXPECT_EQ(fsbpf::format_value(column, f64(2.0 / 3), fsbpf::Precision::Exact),
		  "0.6666666666666666");
	EXPECT_EQ(fsbpf::format_value(column, f64(0.000123), fsbpf::Precision::Exact), "0.000123");
	const fsbpf_column text{"name", nullptr, FSBPF_VAL_STR, 0, 0};
	EXPECT_EQ(fsbpf::format_value(text, str("raw\n")), "raw\n");
}

} // namespace
