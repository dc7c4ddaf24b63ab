// SPDX-License-Identifier: GPL-2.0
#include "options.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <vector>

namespace {

const char *const kModes[] = {"fast", "slow", nullptr};

class OptionBinderTest : public ::testing::Test {
protected:
	int add(int type, const char *names, void *target, const char *const *choices = nullptr,
		double min = 0, double max = 0)
	{
		const fsbpf_option option{sizeof(fsbpf_option),
					  type,
					  names,
					  "help",
					  target,
					  choices,
					  min,
					  max,
					  nullptr};
		return binder_.table()->add_option(binder_.table()->impl, &option);
	}

	void declare_all()
	{
		ASSERT_EQ(add(FSBPF_OPT_FLAG, "-v,--verbose", &verbose_), 0);
		ASSERT_EQ(add(FSBPF_OPT_INT, "-c,--count", &count_, nullptr, -100, 100), 0);
		ASSERT_EQ(add(FSBPF_OPT_UINT, "--size", &size_), 0);
		ASSERT_EQ(add(FSBPF_OPT_DOUBLE, "--ratio", &ratio_, nullptr, 0, 1), 0);
		ASSERT_EQ(add(FSBPF_OPT_STRING, "--name", &name_), 0);
		ASSERT_EQ(add(FSBPF_OPT_STRING, "--mode", &mode_, kModes), 0);
		ASSERT_EQ(add(FSBPF_OPT_INT, "interval", &interval_), 0);
	}

	void parse(std::initializer_list<const char *> args)
	{
		std::vector<const char *> argv{"tool"};
		argv.insert(argv.end(), args);
		app_.parse(static_cast<int>(argv.size()), argv.data());
	}

	// The message of the usage error parse() throws, or "" when it throws none.
	std::string refusal(std::initializer_list<const char *> args)
	{
		try {
			parse(args);
		} catch (const CLI::ValidationError &e) {
			return e.what();
		}
		return {};
	}

	CLI::App app_{"test"};
	fsbpf::OptionBinder binder_{app_};
	int verbose_ = 0;
	int64_t count_ = 5;
	uint64_t size_ = 7;
	double ratio_ = 0.5;
	const char *name_ = nullptr;
	const char *mode_ = "fast";
	int64_t interval_ = 1;
};

TEST_F(OptionBinderTest, WritesEveryTypeToItsTarget)
{
	declare_all();
	parse({"-v", "--count", "-12", "--size", "42", "--ratio", "0.25", "--name", "hello",
	       "--mode", "slow", "3"});
	binder_.commit();
	EXPECT_EQ(verbose_, 1);
	EXPECT_EQ(count_, -12);
	EXPECT_EQ(size_, 42U);
	EXPECT_EQ(ratio_, 0.25);
	EXPECT_STREQ(name_, "hello");
	EXPECT_STREQ(mode_, "slow");
	EXPECT_EQ(interval_, 3);
}

TEST_F(OptionBinderTest, FlagsAndStringsReachThePluginOnCommit)
{
	declare_all();
	parse({"-v", "--name", "hello"});
	EXPECT_EQ(verbose_, 0);
	EXPECT_EQ(name_, nullptr);
	binder_.commit();
	EXPECT_EQ(verbose_, 1);
	EXPECT_STREQ(name_, "hello");
}

TEST_F(OptionBinderTest, AbsentOptionsKeepTheirDefaults)
{
	declare_all();
	parse({});
	binder_.commit();
	EXPECT_EQ(verbose_, 0);
	EXPECT_EQ(count_, 5);
	EXPECT_EQ(size_, 7U);
	EXPECT_EQ(ratio_, 0.5);
	EXPECT_EQ(name_, nullptr);
	EXPECT_STREQ(mode_, "fast");
	EXPECT_EQ(interval_, 1);
}

TEST_F(OptionBinderTest, RefusesAValueOutsideTheChoices)
{
	declare_all();
	EXPECT_EQ(refusal({"--mode", "medium"}), "--mode: must be one of fast, slow");
}

TEST_F(OptionBinderTest, RefusesValuesOutsideTheRange)
{
	declare_all();
	EXPECT_EQ(refusal({"--count", "101"}), "--count: must be between -100 and 100");
	EXPECT_EQ(refusal({"--ratio", "1.5"}), "--ratio: must be between 0 and 1");
}

TEST_F(OptionBinderTest, NamesALargeBoundBriefly)
{
	ASSERT_EQ(add(FSBPF_OPT_DOUBLE, "--seconds", &ratio_, nullptr, 0, 1e9), 0);
	ASSERT_EQ(add(FSBPF_OPT_INT, "--pid", &count_, nullptr, 1, 4194304), 0);
	EXPECT_EQ(refusal({"--seconds", "1e10"}), "--seconds: must be between 0 and 1e9");
	EXPECT_EQ(refusal({"--pid", "0"}), "--pid: must be between 1 and 4194304");
}

TEST_F(OptionBinderTest, RefusesNanAndInfinitiesForEveryNumber)
{
	declare_all();
	double unranged = 2;
	ASSERT_EQ(add(FSBPF_OPT_DOUBLE, "--scale", &unranged), 0);
	for (const char *text : {"nan", "NaN", "-nan", "inf", "-inf", "infinity", "1e400"}) {
		SCOPED_TRACE(text);
		EXPECT_EQ(refusal({"--ratio", text}), "--ratio: must be a finite number");
		EXPECT_EQ(refusal({"--scale", text}), "--scale: must be a finite number");
	}
	EXPECT_EQ(ratio_, 0.5);
	EXPECT_EQ(unranged, 2);
}

TEST_F(OptionBinderTest, SaysWhatANumberMustBeWithoutQuotingIt)
{
	declare_all();
	const std::string long_text(100000, 'x');
	EXPECT_EQ(refusal({"--count", "1.5"}), "--count: must be an integer");
	EXPECT_EQ(refusal({"--count", long_text.c_str()}), "--count: must be an integer");
	EXPECT_EQ(refusal({"--size", "-1"}), "--size: must be an integer of 0 or more");
	EXPECT_EQ(refusal({"--ratio", "half"}), "--ratio: must be a number");
	EXPECT_EQ(refusal({"7x"}), "interval: must be an integer");
}

TEST_F(OptionBinderTest, RefusesAnEmptyString)
{
	declare_all();
	EXPECT_EQ(refusal({"--name", ""}), "--name: must not be empty");
	EXPECT_EQ(refusal({"--mode", ""}), "--mode: must not be empty");
}

TEST_F(OptionBinderTest, AcceptsTheRangeBounds)
{
	declare_all();
	parse({"--count", "-100", "--ratio", "1"});
	EXPECT_EQ(count_, -100);
	EXPECT_EQ(ratio_, 1.0);
}

TEST_F(OptionBinderTest, RefusesANegativeUnsignedValue)
{
	declare_all();
	EXPECT_THROW(parse({"--size=-1"}), CLI::ParseError);
	EXPECT_EQ(size_, 7U);
}

TEST_F(OptionBinderTest, RefusesMalformedOptions)
{
	EXPECT_EQ(add(FSBPF_OPT_INT, nullptr, &count_), -EINVAL);
	EXPECT_EQ(add(FSBPF_OPT_INT, "--count", nullptr), -EINVAL);
	EXPECT_EQ(add(99, "--other", &count_), -EINVAL); // no such type
	EXPECT_EQ(binder_.table()->add_option(binder_.table()->impl, nullptr), -EINVAL);

	fsbpf_option old{};
	old.size = offsetof(fsbpf_option, choices) - 1;
	old.type = FSBPF_OPT_INT;
	old.names = "--old";
	old.target = &count_;
	EXPECT_EQ(binder_.table()->add_option(binder_.table()->impl, &old), -EINVAL);
}

TEST_F(OptionBinderTest, RefusesANameCli11Rejects)
{
	ASSERT_EQ(add(FSBPF_OPT_INT, "--count", &count_), 0);
	EXPECT_EQ(add(FSBPF_OPT_INT, "--count", &interval_), -EINVAL);
}

TEST_F(OptionBinderTest, NamesTheLastOptionItRefused)
{
	EXPECT_STREQ(binder_.refused_names(), "");
	ASSERT_EQ(add(FSBPF_OPT_FLAG, "-v,--verbose", &verbose_), 0);
	EXPECT_EQ(add(FSBPF_OPT_FLAG, "-v", &verbose_), -EINVAL);
	EXPECT_STREQ(binder_.refused_names(), "-v");
	EXPECT_EQ(add(FSBPF_OPT_INT, "--count", nullptr), -EINVAL);
	EXPECT_STREQ(binder_.refused_names(), "--count");
}

TEST_F(OptionBinderTest, AnOlderOptionLayoutSkipsChoicesAndRange)
{
	fsbpf_option old{};
	old.size = offsetof(fsbpf_option, choices);
	old.type = FSBPF_OPT_INT;
	old.names = "--old";
	old.target = &count_;
	ASSERT_EQ(binder_.table()->add_option(binder_.table()->impl, &old), 0);
	parse({"--old", "1000"});
	EXPECT_EQ(count_, 1000);
}

TEST_F(OptionBinderTest, AnOlderOptionLayoutStillGetsOnlyFiniteNumbers)
{
	fsbpf_option old{};
	old.size = offsetof(fsbpf_option, choices);
	old.type = FSBPF_OPT_DOUBLE;
	old.names = "--old";
	old.target = &ratio_;
	ASSERT_EQ(binder_.table()->add_option(binder_.table()->impl, &old), 0);
	EXPECT_EQ(refusal({"--old", "nan"}), "--old: must be a finite number");
	parse({"--old", "1e300"});
	EXPECT_EQ(ratio_, 1e300);
}

// What a tool's flag declares it cannot be given with (ABI 1.2).
int add_flag_excluding(fsbpf::OptionBinder &binder, const char *names, int &target,
		       const char *excludes)
{
	const fsbpf_option option{sizeof(fsbpf_option),
				  FSBPF_OPT_FLAG,
				  names,
				  "help",
				  &target,
				  nullptr,
				  0,
				  0,
				  excludes};
	return binder.table()->add_option(binder.table()->impl, &option);
}

TEST_F(OptionBinderTest, AnExcludedPairIsAUsageErrorEitherWay)
{
	int read_only = 0;
	int write_only = 0;
	ASSERT_EQ(add(FSBPF_OPT_FLAG, "--read-only", &read_only), 0);
	ASSERT_EQ(add_flag_excluding(binder_, "--write-only", write_only, "--read-only"), 0);
	EXPECT_THROW(parse({"--write-only", "--read-only"}), CLI::ExcludesError);
	EXPECT_THROW(parse({"--read-only", "--write-only"}), CLI::ExcludesError);
}

TEST_F(OptionBinderTest, AnOptionThatExcludesAnotherWorksAlone)
{
	int read_only = 0;
	int write_only = 0;
	ASSERT_EQ(add(FSBPF_OPT_FLAG, "--read-only", &read_only), 0);
	ASSERT_EQ(add_flag_excluding(binder_, "--write-only", write_only, "--read-only"), 0);
	parse({"--write-only"});
	binder_.commit();
	EXPECT_EQ(write_only, 1);
	EXPECT_EQ(read_only, 0);
}

TEST_F(OptionBinderTest, ExcludingAnOptionNotDeclaredIsRefused)
{
	int flag = 0;
	EXPECT_EQ(add_flag_excluding(binder_, "--write-only", flag, "--read-only"), -EINVAL);
	EXPECT_EQ(add_flag_excluding(binder_, "--self", flag, "--self"), -EINVAL);
}

} // namespace
