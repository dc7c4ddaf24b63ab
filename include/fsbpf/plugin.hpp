// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// C++ conveniences for writing a plugin. Header-only and compiled into the
// plugin: only the C structs of plugin.h cross the boundary, and no exception
// ever leaves a callback.
#pragma once

#include <fsbpf/plugin.h>

#include <array>
#include <cerrno>
#include <concepts>
#include <exception>
#include <initializer_list>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fsbpf::plugin {

// The most bytes of a user's value that an error message quotes.
constexpr size_t kQuotedBytes = 200;

// value as an error message quotes it: a longer one is cut on a UTF-8
// character boundary, "..." marking the cut.
inline std::string excerpt(std::string_view value)
{
	if (value.size() <= kQuotedBytes)
		return std::string(value);
	size_t end = kQuotedBytes;
	while (end > 0 && (static_cast<unsigned char>(value[end]) & 0xc0) == 0x80)
		end--;
	return std::string(value.substr(0, end)) + "...";
}

class Options {
public:
	explicit Options(const fsbpf_cli &cli) : cli_(cli) {}

	// excludes: options declared before this one that it cannot be given with.
	void flag(const char *names, const char *help, int &target, const char *excludes = nullptr)
	{
		add(FSBPF_OPT_FLAG, names, help, &target, nullptr, 0, 0, excludes);
	}
	void integer(const char *names, const char *help, int64_t &target, double min = 0,
		     double max = 0, const char *excludes = nullptr)
	{
		add(FSBPF_OPT_INT, names, help, &target, nullptr, min, max, excludes);
	}
	void unsigned_integer(const char *names, const char *help, uint64_t &target)
	{
		add(FSBPF_OPT_UINT, names, help, &target);
	}
	void number(const char *names, const char *help, double &target, double min = 0,
		    double max = 0)
	{
		add(FSBPF_OPT_DOUBLE, names, help, &target, nullptr, min, max);
	}
	void string(const char *names, const char *help, const char *&target,
		    const char *const *choices = nullptr)
	{
		add(FSBPF_OPT_STRING, names, help, &target, choices);
	}

private:
	void add(fsbpf_option_type type, const char *names, const char *help, void *target,
		 const char *const *choices = nullptr, double min = 0, double max = 0,
		 const char *excludes = nullptr)
	{
		const fsbpf_option option{sizeof(fsbpf_option),
					  type,
					  names,
					  help,
					  target,
					  choices,
					  min,
					  max,
					  excludes};
		if (cli_.add_option(cli_.impl, &option) != 0)
			throw std::invalid_argument(std::string("invalid option ") + names);
	}

	const fsbpf_cli &cli_;
};

// One output stream of rows in the user's chosen format.
class Sink {
public:
	Sink(const fsbpf_host &host, std::initializer_list<fsbpf_column> columns,
	     const char *record = "row")
		: Sink(host, std::vector<fsbpf_column>(columns), record)
	{
	}
	// For tools whose columns depend on the output format. In JSON, each
	// row is a record of this kind: "row" of a periodic table, or "event".
	Sink(const fsbpf_host &host, std::vector<fsbpf_column> columns, const char *record = "row")
		: host_(host), columns_(std::move(columns)),
		  sink_(host.sink_open_records(host.impl, record, columns_.data(), columns_.size()))
	{
		if (!sink_)
			throw std::runtime_error("could not open the output");
	}

	// false once the reader has gone away.
	bool row(std::initializer_list<fsbpf_value> values)
	{
		return host_.sink_row(host_.impl, sink_, values.begin()) == 0;
	}
	// values has one entry per column.
	bool row(const std::vector<fsbpf_value> &values)
	{
		return host_.sink_row(host_.impl, sink_, values.data()) == 0;
	}
	bool frame(const std::string &title)
	{
		return host_.sink_frame(host_.impl, sink_, title.c_str()) == 0;
	}
	void keep_screen() { host_.sink_keep_screen(host_.impl, sink_); }
	// values has one entry per column.
	bool summary(const std::vector<fsbpf_column> &columns,
		     const std::vector<fsbpf_value> &values)
	{
		return values.size() == columns.size() &&
		       host_.sink_summary(host_.impl, sink_, columns.data(), values.data(),
					  columns.size()) == 0;
	}
	bool summary(std::initializer_list<fsbpf_column> columns,
		     std::initializer_list<fsbpf_value> values)
	{
		return host_.sink_summary(host_.impl, sink_, columns.begin(), values.begin(),
					  columns.size()) == 0;
	}

private:
	const fsbpf_host &host_;
	std::vector<fsbpf_column> columns_;
	fsbpf_sink *sink_;
};

inline fsbpf_value str(const char *s)
{
	fsbpf_value v{};
	v.s = s;
	return v;
}
inline fsbpf_value str(const std::string &s)
{
	return str(s.c_str());
}
inline fsbpf_value i64(int64_t i)
{
	fsbpf_value v{};
	v.i = i;
	return v;
}
inline fsbpf_value u64(uint64_t u)
{
	fsbpf_value v{};
	v.u = u;
	return v;
}
inline fsbpf_value f64(double d)
{
	fsbpf_value v{};
	v.d = d;
	return v;
}
// For an FSBPF_VAL_TIME column: nanoseconds since the epoch.
inline fsbpf_value wall_ns(uint64_t ns)
{
	return u64(ns);
}

// A cgroup's path on the unified hierarchy and the container or unit it names.
struct CgroupName {
	std::string path; // "" when the cgroup is gone or unknown
	std::string container;
};

class Host {
public:
	explicit Host(const fsbpf_host &host) : host_(host) {}

	const fsbpf_host &raw() const { return host_; }
	void log(fsbpf_log_level level, const std::string &message) const
	{
		host_.log(host_.impl, level, message.c_str());
	}
	void debug(const std::string &message) const { log(FSBPF_LOG_DEBUG, message); }
	void warn(const std::string &message) const { log(FSBPF_LOG_WARN, message); }
	void error(const std::string &message) const { log(FSBPF_LOG_ERROR, message); }

	bool has_func(const char *name) const { return host_.btf_has_func(host_.impl, name) == 1; }
	bool has_field(const char *type, const char *field) const
	{
		return host_.btf_has_field(host_.impl, type, field) == 1;
	}
	bool feature(fsbpf_feature feature) const
	{
		return host_.probe_feature(host_.impl, feature) == 0;
	}
	// Parameter `index` of `func` has a complete type in BTF (not only a forward declaration).
	bool param_complete(const char *func, int index) const
	{
		return host_.btf_param_complete(host_.impl, func, index) == 1;
	}
	// The BTF id of kernel function `func`'s prototype, or none if BTF lacks it.
	std::optional<unsigned int> func_proto(const char *func) const
	{
		const int id = host_.btf_func_proto(host_.impl, func);
		return id > 0 ? std::optional(static_cast<unsigned int>(id)) : std::nullopt;
	}
	// The parameter types of kernel function `func` as C text, or none if BTF lacks it.
	std::vector<std::string> param_types(const char *func) const
	{
		std::vector<std::string> types;
		std::array<char, 256> buf{};
		while (host_.btf_param_type(host_.impl, func, static_cast<int>(types.size()),
					    buf.data(), buf.size()) >= 0)
			types.emplace_back(buf.data());
		return types;
	}
	uint64_t program_misses(int prog_fd) const
	{
		return host_.program_misses(host_.impl, prog_fd);
	}

	// fn(size_t backend_index) -> 0 or negative errno. Returns the chosen index or -errno.
	template <typename Fn>
	int select_backend(Fn &fn) const
	{
		return host_.select_backend(
			host_.impl,
			[](void *state, size_t index) -> int {
				try {
					return (*static_cast<Fn *>(state))(index);
				} catch (const std::exception &) {
					return -EINVAL;
				}
			},
			&fn);
	}

	// Under `fsbpf exporter` (export_metrics): seconds between collections,
	// and how many series may carry a file path label (0: none may).
	double metric_interval() const { return host_.metric_interval(host_.impl); }
	uint64_t metric_file_series() const { return host_.metric_file_series(host_.impl); }

	CgroupName cgroup(uint64_t id) const
	{
		std::array<char, 4096> path{};
		std::array<char, 256> container{};
		host_.describe_cgroup(host_.impl, id, path.data(), path.size(), container.data(),
				      container.size());
		return {path.data(), container.data()};
	}

	fsbpf_output output_format() const { return host_.output_format(host_.impl); }
	int wait(int fd, int timeout_ms) const { return host_.wait(host_.impl, fd, timeout_ms); }
	double elapsed() const { return host_.elapsed(host_.impl); }
	void ready(const std::string &message) const { host_.ready(host_.impl, message.c_str()); }

private:
	const fsbpf_host &host_;
};

// One metric family of `fsbpf exporter`; label values are given in the
// order of the label names.
class Metric {
public:
	struct Spec {
		fsbpf_metric_type type;
		const char *name;
		const char *help;
		const char *unit;
		std::vector<const char *> labels;
		std::vector<double> buckets = {};
		uint64_t max_series = 0;
	};

	Metric(const Host &host, Spec spec) : host_(host.raw()), spec_(std::move(spec))
	{
		spec_.labels.push_back(nullptr);
		const fsbpf_metric metric{
			sizeof(fsbpf_metric), spec_.type,           spec_.name,
			spec_.help,           spec_.unit,           spec_.labels.data(),
			spec_.buckets.data(), spec_.buckets.size(), spec_.max_series};
		family_ = host_.metric_register(host_.impl, &metric);
		if (!family_)
			throw std::invalid_argument(std::string("invalid metric ") + spec_.name);
	}

	// A counter: adds value; a gauge: sets it.
	void add(std::initializer_list<const char *> values, double value) const
	{
		host_.metric_add(host_.impl, family_, values.begin(), value);
	}
	// counts: one per bucket and one above the last (not cumulative).
	void observe(std::initializer_list<const char *> values,
		     const std::vector<uint64_t> &counts, double sum) const
	{
		if (counts.size() == spec_.buckets.size() + 1)
			host_.metric_observe(host_.impl, family_, values.begin(), counts.data(),
					     sum);
	}

private:
	const fsbpf_host &host_;
	Spec spec_;
	fsbpf_metric_family *family_ = nullptr;
};

// The counters a tool's summary prints (lost, missed, ...) as one family
// shared by every tool: fsbpf_events_unreported_total{tool, reason}.
class UnreportedCounters {
public:
	UnreportedCounters(const Host &host, const char *tool)
		: tool_(tool),
		  metric_(host, {FSBPF_METRIC_COUNTER,
				 "fsbpf_events_unreported_total",
				 "Events a tool could not report, by reason: the counters its "
				 "terminal summary prints",
				 nullptr,
				 {"tool", "reason"}})
	{
	}

	// total: the counter's value since the tool started.
	void update(const char *reason, uint64_t total)
	{
		uint64_t &seen = seen_[reason];
		metric_.add({tool_, reason}, static_cast<double>(total - seen));
		seen = total;
	}

private:
	const char *tool_;
	Metric metric_;
	std::map<std::string, uint64_t> seen_;
};

// Adapts a C++ class to struct fsbpf_command. Tool must provide
// `void add_options(Options &)` and `int run(Host &)`, and may provide
// `int check_backend(const Host &, size_t index)` and `int export_metrics(Host &)`.
template <typename Tool>
struct CommandAdapter {
	static void *create() noexcept
	{
		try {
			return new Tool();
		} catch (...) {
			return nullptr;
		}
	}
	static void destroy(void *state) noexcept { delete static_cast<Tool *>(state); }
	static int add_options(void *state, const fsbpf_cli *cli) noexcept
	{
		try {
			Options options(*cli);
			static_cast<Tool *>(state)->add_options(options);
			return 0;
		} catch (...) {
			return -EINVAL;
		}
	}
	static int check_backend(void *state, const fsbpf_host *host, size_t index) noexcept
	{
		try {
			return static_cast<Tool *>(state)->check_backend(Host(*host), index);
		} catch (...) {
			return -EINVAL;
		}
	}
	static int run(void *state, const fsbpf_host *host) noexcept
	{
		return guarded(*host, [&](Host &wrapped) {
			return static_cast<Tool *>(state)->run(wrapped);
		});
	}
	static int export_metrics(void *state, const fsbpf_host *host) noexcept
	{
		return guarded(*host, [&](Host &wrapped) {
			return static_cast<Tool *>(state)->export_metrics(wrapped);
		});
	}

private:
	template <typename Fn>
	static int guarded(const fsbpf_host &host, Fn fn) noexcept
	{
		Host wrapped(host);
		try {
			return fn(wrapped);
		} catch (const std::exception &e) {
			wrapped.error(e.what());
			return 1;
		} catch (...) {
			wrapped.error("unknown failure");
			return 1;
		}
	}
};

template <typename Tool>
constexpr bool checks_backends = requires(Tool &tool, const Host &host)
{
	{
		tool.check_backend(host, size_t{0})
		} -> std::same_as<int>;
};

// Tool's check_backend through the C ABI, or NULL when Tool has none; only
// then is CommandAdapter<Tool>::check_backend instantiated.
template <typename Tool>
constexpr auto backend_checker()
{
	using Check = int (*)(void *, const fsbpf_host *, size_t);
	if constexpr (checks_backends<Tool>)
		return Check{&CommandAdapter<Tool>::check_backend};
	else
		return Check{nullptr};
}

template <typename Tool>
constexpr bool exports_metrics = requires(Tool &tool, Host &host)
{
	{
		tool.export_metrics(host)
		} -> std::same_as<int>;
};

template <typename Tool>
constexpr auto metrics_exporter()
{
	using Export = int (*)(void *, const fsbpf_host *);
	if constexpr (exports_metrics<Tool>)
		return Export{&CommandAdapter<Tool>::export_metrics};
	else
		return Export{nullptr};
}

// Tool::kExamples, its --help's example command lines, or NULL.
template <typename Tool>
constexpr const char *examples_of()
{
	if constexpr (requires { Tool::kExamples; })
		return Tool::kExamples;
	else
		return nullptr;
}

template <typename Tool>
constexpr fsbpf_command make_command(const char *name, const char *summary,
				     const fsbpf_backend *backends, size_t backend_count)
{
	return fsbpf_command{sizeof(fsbpf_command),
			     name,
			     summary,
			     backends,
			     backend_count,
			     &CommandAdapter<Tool>::create,
			     &CommandAdapter<Tool>::destroy,
			     &CommandAdapter<Tool>::add_options,
			     &CommandAdapter<Tool>::run,
			     backend_checker<Tool>(),
			     metrics_exporter<Tool>(),
			     examples_of<Tool>()};
}

template <typename Tool, size_t N>
constexpr fsbpf_command make_command(const char *name, const char *summary,
				     const std::array<fsbpf_backend, N> &backends)
{
	return make_command<Tool>(name, summary, backends.data(), N);
}

// The descriptor a plugin exports, for commands of static storage:
//   extern "C" FSBPF_EXPORT const fsbpf_plugin FSBPF_PLUGIN_SYMBOL =
//           fsbpf::plugin::make_plugin("name", "0.1.0", "GPL-2.0-only", "what", kCommands);
template <size_t N>
constexpr fsbpf_plugin make_plugin(const char *name, const char *version, const char *license,
				   const char *description,
				   const std::array<fsbpf_command, N> &commands)
{
	return fsbpf_plugin{FSBPF_ABI_MAJOR,
			    FSBPF_ABI_MINOR,
			    sizeof(fsbpf_plugin),
			    sizeof(fsbpf_command),
			    name,
			    version,
			    license,
			    description,
			    commands.data(),
			    N,
			    {}};
}

} // namespace fsbpf::plugin
