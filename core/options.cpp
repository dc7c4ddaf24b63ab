// SPDX-License-Identifier: GPL-2.0
#include "options.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace fsbpf {
namespace {

// "1e9" for a bound such as 1000000000; other numbers in their shortest form.
std::string brief_number(double value)
{
	std::string text = fmt::format("{}", value);
	const size_t digits = text.find_last_not_of('0') + 1;
	const size_t zeros = text.size() - digits;
	if (zeros < 6 || text.find_first_of(".e") != std::string::npos)
		return text;
	return text.substr(0, digits) + "e" + std::to_string(zeros);
}

// Reads text as the option's type into value; returns why it cannot, or "".
std::string parse_number(const std::string &text, int type, double &value)
{
	if (type == FSBPF_OPT_INT) {
		int64_t parsed = 0;
		if (!CLI::detail::lexical_cast(text, parsed))
			return "must be an integer";
		value = static_cast<double>(parsed);
		return {};
	}
	if (type == FSBPF_OPT_UINT) {
		uint64_t parsed = 0;
		// strtoull, which CLI11 uses, takes "-1" as 2^64-1.
		if (text.find('-') != std::string::npos || !CLI::detail::lexical_cast(text, parsed))
			return "must be an integer of 0 or more";
		value = static_cast<double>(parsed);
		return {};
	}
	if (!CLI::detail::lexical_cast(text, value))
		return "must be a number";
	return std::isfinite(value) ? "" : "must be a finite number";
}

// The messages never quote the value: it may be long, or not printable.
CLI::Validator value_check(const fsbpf_option &option)
{
	if (option.type == FSBPF_OPT_STRING) {
		std::vector<std::string> choices;
		for (const char *const *choice = option.choices; choice && *choice; choice++)
			choices.emplace_back(*choice);
		return CLI::Validator(
			[choices](std::string &text) -> std::string {
				if (text.empty())
					return "must not be empty";
				if (choices.empty() || std::ranges::count(choices, text) > 0)
					return {};
				return fmt::format("must be one of {}", fmt::join(choices, ", "));
			},
			"");
	}
	const int type = option.type;
	const double min = option.min;
	const double max = option.max;
	return CLI::Validator(
		[=](std::string &text) {
			double value = 0;
			std::string error = parse_number(text, type, value);
			if (error.empty() && min < max && !(value >= min && value <= max))
				error = "must be between " + brief_number(min) + " and " +
					brief_number(max);
			return error;
		},
		"");
}

} // namespace

int OptionBinder::add(const fsbpf_option &declared)
{
	if (declared.size < offsetof(fsbpf_option, choices) || !declared.names || !declared.target)
		return -EINVAL;
	// An older layout ends before choices and range: those stay empty.
	fsbpf_option option{};
	std::memcpy(&option, &declared, std::min<size_t>(declared.size, sizeof(option)));
	const std::string help = option.help ? option.help : "";
	CLI::Option *opt = nullptr;
	switch (option.type) {
	case FSBPF_OPT_FLAG: {
		bool &value = flags_.emplace_back(false);
		opt = app_.add_flag(option.names, value, help);
		commits_.emplace_back([&value, target = static_cast<int *>(option.target)] {
			if (value)
				*target = 1;
		});
		return exclude(*opt, option.excludes);
	}
	case FSBPF_OPT_INT:
		opt = app_.add_option(option.names, *static_cast<int64_t *>(option.target), help);
		break;
	case FSBPF_OPT_UINT:
		opt = app_.add_option(option.names, *static_cast<uint64_t *>(option.target), help);
		break;
	case FSBPF_OPT_DOUBLE:
		opt = app_.add_option(option.names, *static_cast<double *>(option.target), help);
		break;
	case FSBPF_OPT_STRING: {
		std::string &value = strings_.emplace_back();
		opt = app_.add_option(option.names, value, help);
		commits_.emplace_back(
			[&value, opt, target = static_cast<const char **>(option.target)] {
				if (opt->count() > 0)
					*target = value.c_str();
			});
		break;
	}
	default:
		return -EINVAL;
	}
	opt->check(value_check(option));
	return exclude(*opt, option.excludes);
}

// CLI11 makes the exclusion mutual: either given with the other is a usage error.
int OptionBinder::exclude(CLI::Option &opt, const char *names)
{
	if (!names)
		return 0;
	std::string_view rest = names;
	while (!rest.empty()) {
		const size_t comma = rest.find(',');
		const std::string name(rest.substr(0, comma));
		rest = comma == std::string_view::npos ? std::string_view{}
						       : rest.substr(comma + 1);
		CLI::Option *other = app_.get_option_no_throw(name);
		if (!other || other == &opt)
			return -EINVAL;
		opt.excludes(other);
	}
	return 0;
}

int OptionBinder::add_option(void *impl, const fsbpf_option *option) noexcept
{
	auto *binder = static_cast<OptionBinder *>(impl);
	int err = -EINVAL;
	try {
		err = option ? binder->add(*option) : -EINVAL;
	} catch (const std::exception &) {
		err = -EINVAL;
	}
	if (err != 0)
		binder->refused_names_ = option && option->names ? option->names : "";
	return err;
}

void OptionBinder::commit()
{
	for (const auto &commit : commits_)
		commit();
}

} // namespace fsbpf
