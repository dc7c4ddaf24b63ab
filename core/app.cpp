// SPDX-License-Identifier: GPL-2.0
#include "app.hpp"

#include "builtin_commands.hpp"
#include "exporter.hpp"
#include "host.hpp"
#include "options.hpp"
#include "text.hpp"

#include <fsbpf/path.hpp>

#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <climits>
#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <fcntl.h>
#include <linux/capability.h>
#include <memory>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef FSBPF_VERSION
#error "FSBPF_VERSION must be defined by the build"
#endif

namespace fsbpf {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

std::string exe_dir()
{
	char buf[PATH_MAX];
	const ssize_t len = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (len <= 0)
		return ".";
	const std::string path(buf, static_cast<size_t>(len));
	return path.substr(0, path.rfind('/'));
}

bool has_bpf_privileges()
{
	if (geteuid() == 0)
		return true;
	__user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
	__user_cap_data_struct data[2]{};
	if (syscall(SYS_capget, &header, data) != 0)
		return false;
	const auto has = [&](int cap) { return (data[cap / 32].effective >> (cap % 32)) & 1U; };
	constexpr int kCapPerfmon = 38;
	constexpr int kCapBpf = 39;
	return has(CAP_SYS_ADMIN) || (has(kCapBpf) && has(kCapPerfmon));
}

// Says so, once, where a command cannot work without them.
bool require_bpf_privileges(const std::string &command)
{
	if (has_bpf_privileges())
		return true;
	spdlog::error("{}: needs root, or CAP_BPF and CAP_PERFMON", command);
	return false;
}

int libbpf_to_spdlog(libbpf_print_level level, const char *format, va_list args)
{
	char *formatted = nullptr;
	if (vasprintf(&formatted, format, args) < 0)
		return 0;
	std::string text = formatted;
	free(formatted);
	while (!text.empty() && text.back() == '\n')
		text.pop_back();
	// libbpf warns about every failed attempt during backend fallback; fsbpf
	// reports the outcome itself, so libbpf's own lines are for -v only.
	(void)level;
	spdlog::debug("libbpf: {}", text);
	return 0;
}

void setup_logging()
{
	auto logger = std::make_shared<spdlog::logger>(
		"fsbpf", std::make_shared<spdlog::sinks::stderr_sink_st>());
	logger->set_pattern("fsbpf: %v");
	logger->set_level(spdlog::level::info);
	spdlog::set_default_logger(logger);
	libbpf_set_print(libbpf_to_spdlog);
}

bool any_fsbpf_variable()
{
	for (char **variable = environ; *variable; variable++)
		if (std::strncmp(*variable, "FSBPF_", 6) == 0)
			return true;
	return false;
}

// Under AT_SECURE (file capabilities, setuid) the environment is a less
// privileged caller's: fsbpf reads its variables with secure_getenv, which
// then answers none, and says so once.
void report_ignored_environment()
{
	if (getauxval(AT_SECURE) != 0 && any_fsbpf_variable())
		spdlog::warn("ignoring the FSBPF_* environment: fsbpf runs with file "
			     "capabilities or setuid (AT_SECURE)");
}

struct StateDeleter {
	void (*destroy)(void *) = nullptr;
	void operator()(void *state) const
	{
		if (state && destroy)
			destroy(state);
	}
};

// One plugin subcommand as seen by the parser: its state, its options.
struct ToolCommand {
	Command command; // a copy: the registry drops the commands of plugins it refuses
	CLI::App *app = nullptr;
	std::unique_ptr<void, StateDeleter> state;
	std::unique_ptr<OptionBinder> binder;
	bool json = false, csv = false;
	double duration = 0;
	const char *backend = nullptr;           // forced backend, from the binder
	std::vector<const char *> backend_names; // the choices, null-terminated
};

using Tools = std::vector<std::unique_ptr<ToolCommand>>;

// CLI11's help without its internals ("Excludes: --csv"): an option's value
// type is all that follows its names.
class HelpFormatter final : public CLI::Formatter {
public:
	std::string make_option_opts(const CLI::Option *option) const override
	{
		if (option->get_type_size() == 0 || option->get_type_name().empty())
			return {};
		return " " + option->get_type_name();
	}
};

// The command as it was typed: "fsbpf filetop", or "filetop" through its
// symlink, where fsbpf's own name is empty.
std::string typed_command(const CLI::App &app)
{
	const std::string above = app.get_parent() ? typed_command(*app.get_parent()) : "";
	return above.empty() ? app.get_name() : above + " " + app.get_name();
}

// argp's --usage: the usage line alone.
void add_usage_flag(CLI::App &sub)
{
	sub.add_flag_callback(
		"--usage",
		[&sub] {
			const auto formatter =
				std::dynamic_pointer_cast<CLI::Formatter>(sub.get_formatter());
			if (formatter)
				fmt::print("{}", formatter->make_usage(&sub, typed_command(sub)));
			throw CLI::Success();
		},
		"Print a short usage message and exit");
}

// The tool's examples after its options, as BCC's tools end their help.
void add_examples(CLI::App &sub, const fsbpf_command &entry)
{
	if (!entry.examples || !*entry.examples)
		return;
	std::string footer = "Examples:\n";
	for (std::string_view rest = entry.examples; !rest.empty();) {
		const size_t end = std::min(rest.find('\n'), rest.size());
		footer += "  " + sanitize_for_terminal(std::string(rest.substr(0, end))) + "\n";
		rest.remove_prefix(std::min(end + 1, rest.size()));
	}
	footer.pop_back();
	sub.footer(footer);
}

// --duration and --backend, checked where the plugin's own options are.
void add_host_options(ToolCommand &tool, int &verbosity)
{
	CLI::App &sub = *tool.app;
	const fsbpf_command &entry = tool.command.entry;
	// The spellings libbpf-tools' tools take: -? for help, -V for the version.
	sub.set_help_flag("-h,--help,-?", "Print this help message and exit");
	sub.set_version_flag("-V,--version", FSBPF_VERSION);
	add_usage_flag(sub);
	sub.add_flag("-v,--verbose", verbosity, "Log what fsbpf and libbpf do");
	auto *json = sub.add_flag("--json", tool.json, "Print JSON Lines, one object per record");
	sub.add_flag("--csv", tool.csv, "Print CSV with a header line")->excludes(json);
	for (size_t i = 0; i < entry.backend_count; i++)
		tool.backend_names.push_back(entry.backends[i].name);
	const std::string backend_help =
		fmt::format("Force one attach backend ({}); default: the best that works",
			    fmt::join(tool.backend_names, ", "));
	tool.backend_names.push_back(nullptr);
	const fsbpf_option duration{.size = sizeof(fsbpf_option),
				    .type = FSBPF_OPT_DOUBLE,
				    .names = "--duration",
				    .help = "Stop after this many seconds",
				    .target = &tool.duration,
				    .choices = nullptr,
				    .min = 0.001,
				    .max = StopSource::kLongestDurationSeconds,
				    .excludes = nullptr};
	const fsbpf_option backend{.size = sizeof(fsbpf_option),
				   .type = FSBPF_OPT_STRING,
				   .names = "--backend",
				   .help = backend_help.c_str(),
				   .target = &tool.backend,
				   .choices = tool.backend_names.data(),
				   .min = 0,
				   .max = 0,
				   .excludes = nullptr};
	if (tool.binder->add(duration) != 0 ||
	    (entry.backend_count && tool.binder->add(backend) != 0))
		throw std::runtime_error(fmt::format("{}: cannot declare --duration and --backend",
						     tool.command.name));
}

// Throws with the reason when the plugin's command cannot be set up.
void set_up_tool(ToolCommand &tool, int &verbosity)
{
	const fsbpf_command &entry = tool.command.entry;
	tool.state =
		std::unique_ptr<void, StateDeleter>(entry.create(), StateDeleter{entry.destroy});
	if (!tool.state)
		throw std::runtime_error(
			fmt::format("command '{}' could not create its state", tool.command.name));
	tool.binder = std::make_unique<OptionBinder>(*tool.app);
	add_host_options(tool, verbosity);
	add_examples(*tool.app, entry);
	if (entry.add_options(tool.state.get(), tool.binder->table()) != 0)
		throw std::runtime_error(fmt::format("command '{}' declared an invalid option '{}'",
						     tool.command.name,
						     tool.binder->refused_names()));
}

std::unique_ptr<ToolCommand> add_tool(CLI::App &app, const Command &command, int &verbosity)
{
	auto tool = std::make_unique<ToolCommand>();
	tool->command = command;
	tool->app = app.add_subcommand(command.name, command.entry.summary);
	try {
		set_up_tool(*tool, verbosity);
	} catch (...) {
		app.remove_subcommand(tool->app);
		throw;
	}
	return tool;
}

struct SetupFailure {
	const Plugin *plugin;
	std::string reason;
};

// A tool per command; a command that cannot be set up is left out, and its
// plugin named with the reason.
std::vector<SetupFailure> add_tools(CLI::App &app, const PluginRegistry &registry, int &verbosity,
				    Tools &tools)
{
	std::vector<SetupFailure> failures;
	for (const Command &command : registry.commands()) {
		const auto same_plugin = [&](const SetupFailure &failure) {
			return failure.plugin == command.plugin;
		};
		if (std::any_of(failures.begin(), failures.end(), same_plugin))
			continue;
		try {
			tools.push_back(add_tool(app, command, verbosity));
		} catch (const std::exception &e) {
			failures.push_back({command.plugin, e.what()});
		}
	}
	return failures;
}

void drop_tools_of(const Plugin *plugin, CLI::App &app, Tools &tools)
{
	std::erase_if(tools, [&](const std::unique_ptr<ToolCommand> &tool) {
		if (tool->command.plugin != plugin)
			return false;
		app.remove_subcommand(tool->app);
		return true;
	});
}

// One plugin that cannot set up a command is skipped whole; the rest work.
Tools add_plugin_tools(CLI::App &app, PluginRegistry &registry, int &verbosity)
{
	Tools tools;
	for (SetupFailure &failure : add_tools(app, registry, verbosity, tools)) {
		drop_tools_of(failure.plugin, app, tools);
		registry.refuse(*failure.plugin, std::move(failure.reason));
	}
	return tools;
}

// As coreutils say it.
int write_error(int err)
{
	spdlog::error("write error: {}", std::strerror(err));
	return kExitFailure;
}

// A reader that went away (`| head`) is a normal way to end; any other
// failed write to stdout is a runtime failure.
int output_status(int status, int write_errno)
{
	if (write_errno == 0 || write_errno == EPIPE)
		return status;
	return write_error(write_errno);
}

bool is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

// Before fsbpf opens descriptors of its own, which would take the numbers
// of closed standard streams (a signalfd on 1 swallowed all output): a
// closed stdout is an error, a closed stdin or stderr becomes /dev/null.
int open_standard_streams()
{
	if (!is_open(STDOUT_FILENO))
		return write_error(EBADF);
	for (const int fd : {STDIN_FILENO, STDERR_FILENO}) {
		// The lowest free descriptor is fd: those below it are open by now.
		if (!is_open(fd) &&
		    open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY) != fd) {
			spdlog::error("cannot open /dev/null: {}", std::strerror(errno));
			return kExitFailure;
		}
	}
	return kExitOk;
}

// For the commands that print to stdout through stdio, at their end.
int stdout_status(int status)
{
	if (std::fflush(stdout) == 0 && !std::ferror(stdout))
		return status;
	return output_status(status, errno ? errno : EIO);
}

int run_tool(ToolCommand &tool, Features &features, StopSource &stop)
{
	if (!require_bpf_privileges(tool.command.name))
		return kExitFailure;
	tool.binder->commit();
	RunOptions options;
	options.format = tool.json  ? OutputFormat::Json
			 : tool.csv ? OutputFormat::Csv
				    : OutputFormat::Table;
	if (tool.duration > 0)
		options.duration = tool.duration;
	options.backend = tool.backend ? tool.backend : "";
	Host host(features, tool.command, options, stop, tool.state.get());
	const int status = tool.command.entry.run(tool.state.get(), host.table());
	host.flush();
	return output_status(status, host.output_error());
}

void report_rejections(const PluginRegistry &registry)
{
	for (const Rejection &rejection : registry.rejections())
		spdlog::warn("skipping plugin {}{}: {}", rejection.directory ? "directory " : "",
			     sanitize_for_terminal(rejection.path),
			     sanitize_for_terminal(rejection.reason));
}

// One line: what is wrong, and which command tells more.
int usage_error(std::string_view command, std::string_view what, std::string_view hint)
{
	fmt::print(stderr, "{}: {} (see '{}')\n", command, excerpt_for_terminal(what), hint);
	return kExitUsage;
}

int usage_error(const CLI::App &app, const CLI::ParseError &error)
{
	const std::vector<CLI::App *> parsed = app.get_subcommands();
	const std::string command = typed_command(parsed.empty() ? app : *parsed.back());
	return usage_error(command, error.what(), command + " --help");
}

} // namespace

// FSBPF_DISABLE, read once; a name it does not know is a usage error, said here.
std::optional<Disabled> disabled_from_environment()
{
	const char *names = secure_getenv("FSBPF_DISABLE");
	std::string unknown;
	std::optional<Disabled> disabled = parse_disabled(names ? names : "", unknown);
	if (!disabled)
		usage_error("fsbpf",
			    "FSBPF_DISABLE names '" + unknown + "', no attach type or feature",
			    "fsbpf features");
	return disabled;
}

std::optional<std::string> applet_for(std::string_view argv0, const PluginRegistry &registry)
{
	const std::string name = last_name(argv0);
	if (registry.find(name))
		return name;
	return std::nullopt;
}

namespace {

// The commands fsbpf has of its own, beside the tools' commands.
struct BuiltinCommands {
	CLI::App *list = nullptr;
	bool names_only = false;
	CLI::App *features = nullptr;
	bool features_json = false;
	CLI::App *exporter = nullptr;
	ExporterOptions exporter_options;
};

void add_builtin_commands(CLI::App &app, BuiltinCommands &builtins, int &verbosity)
{
	builtins.list = app.add_subcommand("list", "List plugins, their files and subcommands");
	builtins.list->add_flag("--names", builtins.names_only,
				"Only the subcommand names, one a line");
	builtins.features = app.add_subcommand("features", "What this kernel supports");
	builtins.features->add_flag("--json", builtins.features_json, "Print one JSON object");
	builtins.features->add_flag("-v,--verbose", verbosity, "Log what fsbpf and libbpf do");
	builtins.exporter = add_exporter_command(app, builtins.exporter_options, verbosity);
}

// args as `fsbpf TOOL ...` whichever name fsbpf was started by.
std::vector<std::string> as_fsbpf_command(std::vector<std::string> args,
					  const PluginRegistry &registry)
{
	if (auto applet = applet_for(args.empty() ? "fsbpf" : args[0], registry))
		args.insert(args.begin() + 1, *applet);
	else if (!args.empty())
		args[0] = "fsbpf";
	return args;
}

int run_list(const PluginRegistry &registry, bool names_only)
{
	if (names_only)
		for (const Command &command : registry.commands())
			fmt::print("{}\n", command.name);
	else
		print_plugins(registry, stdout);
	return stdout_status(kExitOk);
}

int run_features(Features &features, const PluginRegistry &registry, const Tools &tools,
		 StopSource &stop, bool json)
{
	// Without them every probe fails with EPERM, which says nothing of the kernel.
	if (!require_bpf_privileges("features"))
		return kExitFailure;
	const auto check_backend = [&](const Command &command, size_t index) {
		for (const auto &tool : tools)
			if (tool->command.name == command.name)
				return Host(features, command, {}, stop, tool->state.get())
					.check_backend(index);
		return -ENOENT;
	};
	print_features(features, registry, check_backend, json, stdout);
	return stdout_status(kExitOk);
}

int run_exporter_of(const ExporterOptions &options, Features &features, const Tools &tools,
		    StopSource &stop)
{
	if (!require_bpf_privileges("exporter"))
		return kExitFailure;
	std::vector<ExportableTool> exportable;
	for (const auto &tool : tools)
		exportable.push_back({&tool->command, tool->state.get()});
	return run_exporter(options, features, stop, exportable);
}

// The command the user asked for, once the command line is parsed.
int run_parsed(const BuiltinCommands &builtins, const PluginRegistry &registry, Tools &tools,
	       StopSource &stop)
{
	if (builtins.list->parsed())
		return run_list(registry, builtins.names_only);
	const std::optional<Disabled> disabled = disabled_from_environment();
	if (!disabled)
		return kExitUsage;
	// Loads the kernel's BTF: only for the commands that need the kernel.
	Features features(*disabled);
	if (builtins.features->parsed())
		return run_features(features, registry, tools, stop, builtins.features_json);
	if (builtins.exporter->parsed())
		return run_exporter_of(builtins.exporter_options, features, tools, stop);
	for (auto &tool : tools)
		if (tool->app->parsed())
			return run_tool(*tool, features, stop);
	return kExitUsage;
}

} // namespace

int run_fsbpf(std::vector<std::string> args)
{
	setup_logging();
	if (const int status = open_standard_streams())
		return status;
	StopSource stop;
	int verbosity = 0;
	report_ignored_environment();

	PluginRegistry registry;
	registry.load(plugin_search_path(exe_dir(), secure_getenv("FSBPF_PLUGIN_PATH")), geteuid());

	CLI::App app{"fsbpf: file-system tracing tools built on eBPF", "fsbpf"};
	app.set_version_flag("--version", FSBPF_VERSION);
	app.formatter(std::make_shared<HelpFormatter>());
	app.require_subcommand(1);
	app.add_flag("-v,--verbose", verbosity, "Log what fsbpf and libbpf do");
	app.footer("Tools come from plugins; 'fsbpf list' shows them.");
	BuiltinCommands builtins;
	add_builtin_commands(app, builtins, verbosity);
	Tools tools = add_plugin_tools(app, registry, verbosity);
	report_rejections(registry);

	// Through a tool's symlink, usage and errors name the tool alone.
	if (!args.empty() && applet_for(args[0], registry))
		app.name("");
	args = as_fsbpf_command(std::move(args), registry);
	if (args.size() > 1 && args[1][0] != '-' && !registry.find(args[1]) &&
	    !is_reserved_command(args[1]))
		return usage_error("fsbpf", "no tool named '" + args[1] + "'", "fsbpf list");
	std::vector<std::string> reversed(args.rbegin(), args.rend() - 1);
	try {
		app.parse(reversed);
	} catch (const CLI::Success &e) { // --help, --version
		return stdout_status(app.exit(e));
	} catch (const CLI::ParseError &e) {
		return usage_error(app, e);
	}
	if (verbosity > 0)
		spdlog::set_level(spdlog::level::debug);
	return run_parsed(builtins, registry, tools, stop);
}

} // namespace fsbpf
