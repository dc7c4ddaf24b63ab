#include "options.hpp"

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace fsbpf {
namespace {

void restrict_option(CLI::Option *opt, const fsbpf_option &option)
{
	if (option.choices) {
		std::vector<std::string> choices;
		for (const char *const *choice = option.choices; *choice; choice++)
			choices.emplace_back(*choice);
		opt->check(CLI::IsMember(choices));
	}
	if (option.min >= option.max)
		return;
	if (option.type == FSBPF_OPT_DOUBLE)
		opt->check(CLI::Range(option.min, option.max));
	else
		opt->check(CLI::Range(static_cast<int64_t>(option.min),
				      static_cast<int64_t>(option.max)));
}

} // namespace

int OptionBinder::add(const fsbpf_option &option)
{
	if (option.size < offsetof(fsbpf_option, choices) || !option.names || !option.target)
		return -EINVAL;
	const std::string help = option.help ? option.help : "";
	CLI::Option *opt = nullptr;
	switch (option.type) {
	case FSBPF_OPT_FLAG: {
		bool &value = flags_.emplace_back(false);
		app_.add_flag(option.names, value, help);
		commits_.emplace_back([&value, target = static_cast<int *>(option.target)] {
			if (value)
				*target = 1;
		});
		return 0;
	}
	case FSBPF_OPT_INT:
		opt = app_.add_option(option.names, *static_cast<int64_t *>(option.target), help);
		break;
	case FSBPF_OPT_UINT:
		// CLI11 parses unsigned values with strtoull, which takes "-1" as 2^64-1.
		opt = app_.add_option(option.names, *static_cast<uint64_t *>(option.target), help)
			      ->check(CLI::NonNegativeNumber);
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
	if (option.size >= sizeof(fsbpf_option))
		restrict_option(opt, option);
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
