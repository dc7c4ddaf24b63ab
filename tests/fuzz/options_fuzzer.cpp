// SPDX-License-Identifier: GPL-2.0
// The host's option binding fed any command line: each value is taken,
// refused with a message, or left alone; nothing crashes or hangs.
#include "options.hpp"

#include <cstdint>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::vector<std::string> args = {"tool"};
	std::string arg;
	for (size_t i = 0; i < size; i++) {
		if (data[i] == 0) {
			args.push_back(arg);
			arg.clear();
		} else {
			arg += static_cast<char>(data[i]);
		}
	}
	args.push_back(arg);
	CLI::App app("fuzz");
	fsbpf::OptionBinder binder(app);
	int flag = 0;
	int64_t integer = 0;
	uint64_t count = 0;
	double number = 0;
	const char *text = nullptr;
	static const char *const kChoices[] = {"all", "reads", nullptr};
	const char *choice = nullptr;
	int other_flag = 0;
	binder.add({sizeof(fsbpf_option), FSBPF_OPT_FLAG, "-f,--flag", "", &flag, nullptr, 0, 0,
		    nullptr});
	binder.add({sizeof(fsbpf_option), FSBPF_OPT_FLAG, "-g", "", &other_flag, nullptr, 0, 0,
		    "--flag"});
	binder.add({sizeof(fsbpf_option), FSBPF_OPT_INT, "-p,--pid", "", &integer, nullptr, 1,
		    4194304, nullptr});
	binder.add(
		{sizeof(fsbpf_option), FSBPF_OPT_UINT, "-n", "", &count, nullptr, 0, 0, nullptr});
	binder.add({sizeof(fsbpf_option), FSBPF_OPT_DOUBLE, "--age", "", &number, nullptr, 0, 1e9,
		    nullptr});
	binder.add(
		{sizeof(fsbpf_option), FSBPF_OPT_STRING, "-c", "", &text, nullptr, 0, 0, nullptr});
	binder.add({sizeof(fsbpf_option), FSBPF_OPT_STRING, "-s", "", &choice, kChoices, 0, 0,
		    nullptr});
	std::vector<const char *> argv;
	argv.reserve(args.size());
	for (const std::string &a : args)
		argv.push_back(a.c_str());
	try {
		app.parse(static_cast<int>(argv.size()), argv.data());
		binder.commit();
	} catch (const CLI::Error &) {
	}
	return 0;
}
