// SPDX-License-Identifier: GPL-2.0
#include "host.hpp"

#include "text.hpp"

#include <fsbpf/clock.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <bpf/bpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>
#include <unistd.h>

namespace fsbpf {
namespace {

template <typename Fn>
auto guarded(Fn fn, decltype(fn()) on_error) noexcept -> decltype(fn())
{
	try {
		return fn();
	} catch (const std::exception &e) {
		spdlog::error("{}", e.what());
		return on_error;
	}
}

int bool_result(bool value)
{
	return value ? 1 : 0;
}

} // namespace

bool is_fallback_error(int err)
{
	switch (-err) {
	case EPERM:
	case ENOENT:
	case EINVAL:
	case EOPNOTSUPP:
	case ESRCH:
	case E2BIG:
	case EACCES:
		return true;
	default:
		return false;
	}
}

Host::Host(Features &features, const Command &command, RunOptions options, StopSource &stop,
	   void *command_state)
	: features_(features), command_(command), options_(std::move(options)), stop_(stop),
	  command_state_(command_state)
{
	if (options_.duration)
		stop_.set_duration(std::chrono::duration<double>(*options_.duration));
	table_ = fsbpf_host{};
	table_.size = sizeof(fsbpf_host);
	table_.abi_minor = FSBPF_ABI_MINOR;
	table_.impl = this;
	add_btf_services();
	add_probe_services();
	add_sink_services();
	add_run_services();
	add_metric_services();
	add_cgroup_services();
}

// What the kernel's BTF says.
void Host::add_btf_services()
{
	table_.btf_has_type = [](void *impl, const char *name) noexcept {
		return guarded(
			[&] { return bool_result(self(impl).features_.btf().has_struct(name)); },
			-EINVAL);
	};
	table_.btf_has_field = [](void *impl, const char *name, const char *field) noexcept {
		return guarded(
			[&] {
				return bool_result(
					self(impl).features_.btf().has_field(name, field));
			},
			-EINVAL);
	};
	table_.btf_has_func = [](void *impl, const char *name) noexcept {
		return guarded(
			[&] { return bool_result(self(impl).features_.btf().has_func(name)); },
			-EINVAL);
	};
	table_.btf_param_type = [](void *impl, const char *func, int index, char *buf,
				   size_t len) noexcept {
		return guarded(
			[&] {
				const auto params = self(impl).features_.btf().param_types(func);
				if (!params || index < 0 ||
				    static_cast<size_t>(index) >= params->size())
					return -ENOENT;
				const std::string &type = (*params)[static_cast<size_t>(index)];
				if (type.size() >= len)
					return -ENOSPC;
				std::memcpy(buf, type.c_str(), type.size() + 1);
				return 0;
			},
			-EINVAL);
	};
	table_.btf_param_complete = [](void *impl, const char *func, int index) noexcept {
		return guarded(
			[&] {
				const auto complete =
					self(impl).features_.btf().param_complete(func, index);
				return complete ? bool_result(*complete) : -ENOENT;
			},
			-EINVAL);
	};
	table_.btf_func_proto = [](void *impl, const char *func) noexcept {
		return guarded(
			[&] {
				const auto id = self(impl).features_.btf().func_proto_id(func);
				return id ? static_cast<int>(*id) : -ENOENT;
			},
			-EINVAL);
	};
}

// Load-and-attach probes and the backend choice built on them.
void Host::add_probe_services()
{
	table_.probe_attach = [](void *impl, int attach) noexcept {
		return guarded(
			[&] {
				return attach >= 0 && attach < FSBPF_ATTACH__COUNT
					       ? self(impl).features_.attach(
							 static_cast<fsbpf_attach>(attach))
					       : -EINVAL;
			},
			-EINVAL);
	};
	table_.probe_feature = [](void *impl, int feature) noexcept {
		return guarded(
			[&] {
				return feature >= 0 && feature < FSBPF_FEATURE__COUNT
					       ? self(impl).features_.feature(
							 static_cast<fsbpf_feature>(feature))
					       : -EINVAL;
			},
			-EINVAL);
	};
	table_.select_backend = [](void *impl, fsbpf_try_backend_fn try_backend,
				   void *state) noexcept {
		return guarded([&] { return self(impl).select_backend(try_backend, state); },
			       -EINVAL);
	};
	table_.program_misses = [](void *, int prog_fd) noexcept {
		bpf_prog_info info{};
		__u32 len = sizeof(info);
		if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) != 0)
			return uint64_t{0};
		return static_cast<uint64_t>(info.recursion_misses);
	};
}

// Output in the format the user chose.
void Host::add_sink_services()
{
	table_.output_format = [](void *impl) noexcept {
		switch (self(impl).options_.format) {
		case OutputFormat::Json:
			return FSBPF_OUTPUT_JSON;
		case OutputFormat::Csv:
			return FSBPF_OUTPUT_CSV;
		case OutputFormat::Table:
			break;
		}
		return FSBPF_OUTPUT_TABLE;
	};
	table_.sink_open = [](void *impl, const fsbpf_column *columns, size_t count) noexcept {
		return guarded([&] { return self(impl).open_sink("row", columns, count); },
			       nullptr);
	};
	table_.sink_open_records = [](void *impl, const char *record, const fsbpf_column *columns,
				      size_t count) noexcept {
		return guarded([&] { return self(impl).open_sink(record, columns, count); },
			       nullptr);
	};
	table_.sink_row = [](void *impl, fsbpf_sink *sink, const fsbpf_value *values) noexcept {
		return guarded(
			[&] {
				Host &host = self(impl);
				Sink &s = host.sink(sink);
				return host.sink_result(s.row({values, s.column_count()}));
			},
			-EINVAL);
	};
	table_.sink_frame = [](void *impl, fsbpf_sink *sink, const char *title) noexcept {
		return guarded(
			[&] {
				Host &host = self(impl);
				return host.sink_result(host.sink(sink).frame(title ? title : ""));
			},
			-EINVAL);
	};
	table_.sink_summary = [](void *impl, fsbpf_sink *sink, const fsbpf_column *columns,
				 const fsbpf_value *values, size_t count) noexcept {
		return guarded(
			[&] {
				Host &host = self(impl);
				host.flush(); // rows first, then totals that may go to stderr
				return host.sink_result(
					host.sink(sink).summary({columns, count}, {values, count}));
			},
			-EINVAL);
	};
	table_.sink_keep_screen = [](void *impl, fsbpf_sink *sink) noexcept {
		guarded(
			[&] {
				self(impl).sink(sink).keep_screen();
				return 0;
			},
			0);
	};
}

// Logging, readiness and waiting until the command must stop.
void Host::add_run_services()
{
	table_.log = [](void *, fsbpf_log_level level, const char *message) noexcept {
		guarded(
			[&] {
				static constexpr spdlog::level::level_enum kLevels[] = {
					spdlog::level::debug, spdlog::level::info,
					spdlog::level::warn, spdlog::level::err};
				const auto index =
					static_cast<size_t>(level) < 4 ? level : FSBPF_LOG_ERROR;
				// One line each, whatever a plugin quotes in it.
				spdlog::log(kLevels[index], "{}",
					    sanitize_for_terminal(message ? message : ""));
				return 0;
			},
			0);
	};
	table_.ready = [](void *, const char *message) noexcept {
		guarded(
			[&] {
				fmt::print(stderr, "{}\n", message ? message : "");
				std::fflush(stderr);
				return 0;
			},
			0);
	};
	table_.wait = [](void *impl, int fd, int timeout_ms) noexcept {
		return guarded([&] { return self(impl).wait(fd, timeout_ms); }, -1);
	};
	table_.elapsed = [](void *impl) noexcept {
		return guarded([&] { return self(impl).stop_.elapsed(); }, 0.0);
	};
}

// Counting into the exporter's registry; refused outside `fsbpf exporter`.
void Host::add_metric_services()
{
	table_.metric_register = [](void *impl, const fsbpf_metric *metric) noexcept {
		return guarded(
			[&]() -> fsbpf_metric_family * {
				Host &host = self(impl);
				MetricRegistry *registry = host.options_.metrics.registry;
				if (!registry || !metric)
					return nullptr;
				std::string why;
				auto *family = registry->add_family(*metric, why);
				if (!family)
					spdlog::error("{}: metric {}: {}", host.command_.name,
						      sanitize_for_terminal(
							      metric->name ? metric->name : "?"),
						      why);
				return reinterpret_cast<fsbpf_metric_family *>(family);
			},
			nullptr);
	};
	table_.metric_add = [](void *impl, fsbpf_metric_family *family, const char *const *values,
			       double value) noexcept {
		return guarded(
			[&] {
				MetricRegistry *registry = self(impl).options_.metrics.registry;
				return registry && family
					       ? registry->add(
							 *reinterpret_cast<
								 MetricRegistry::Family *>(family),
							 values, value)
					       : -EINVAL;
			},
			-EINVAL);
	};
	table_.metric_observe = [](void *impl, fsbpf_metric_family *family,
				   const char *const *values, const uint64_t *counts,
				   double sum) noexcept {
		return guarded(
			[&] {
				MetricRegistry *registry = self(impl).options_.metrics.registry;
				if (!registry || !family || !counts)
					return -EINVAL;
				auto &f = *reinterpret_cast<MetricRegistry::Family *>(family);
				return registry->observe(
					f, values, {counts, registry->bucket_count(f) + 1}, sum);
			},
			-EINVAL);
	};
	table_.metric_interval = [](void *impl) noexcept {
		return self(impl).options_.metrics.interval;
	};
	table_.metric_file_series = [](void *impl) noexcept {
		return self(impl).options_.metrics.file_series;
	};
}

namespace {

void copy_cut(const std::string &text, char *buf, size_t len)
{
	if (!buf || len == 0)
		return;
	const size_t n = std::min(text.size(), len - 1);
	std::memcpy(buf, text.data(), n);
	buf[n] = '\0';
}

} // namespace

void Host::add_cgroup_services()
{
	table_.describe_cgroup = [](void *impl, uint64_t id, char *path, size_t path_len,
				    char *container, size_t container_len) noexcept {
		return guarded(
			[&] {
				const CgroupName &name = self(impl).cgroups_.lookup(id);
				copy_cut(name.path, path, path_len);
				copy_cut(name.container, container, container_len);
				return name.path.empty() ? -ENOENT : 0;
			},
			-ENOENT);
	};
}

int Host::sink_result(int err)
{
	if (err < 0 && !output_error_) {
		output_error_ = -err;
		stop_.request_stop();
	}
	return err;
}

// Rows are written out when the command goes idle, not one by one: a write
// per row would cost a system call per traced event.
int Host::wait(int fd, int timeout_ms)
{
	flush();
	return stop_.wait(fd, timeout_ms);
}

void Host::flush()
{
	for (const auto &sink : sinks_)
		sink_result(sink->flush());
}

fsbpf_sink *Host::open_sink(const char *record, const fsbpf_column *columns, size_t count)
{
	if (!record || !is_record_kind(record) || (count && !columns) ||
	    !std::all_of(columns, columns + count, is_valid_column)) {
		spdlog::error("{}: cannot open an output of malformed records", command_.name);
		return nullptr;
	}
	Envelope envelope{.tool = command_.name,
			  .record = record,
			  .started_ns = clock_ns(CLOCK_REALTIME) -
					static_cast<uint64_t>(stop_.elapsed() * 1e9)};
	sinks_.push_back(make_sink(options_.format, {columns, columns + count}, stdout, stderr,
				   isatty(STDOUT_FILENO) == 1, std::move(envelope)));
	return reinterpret_cast<fsbpf_sink *>(sinks_.back().get());
}

Sink &Host::sink(fsbpf_sink *handle)
{
	for (const auto &owned : sinks_)
		if (reinterpret_cast<fsbpf_sink *>(owned.get()) == handle)
			return *owned;
	throw std::invalid_argument("unknown sink handle");
}

int Host::check_backend(size_t index)
{
	const fsbpf_command &cmd = command_.entry;
	// The loader refused any plugin whose backends' attach types are out of range.
	if (int err = features_.attach(static_cast<fsbpf_attach>(cmd.backends[index].attach)))
		return err;
	if (!cmd.check_backend)
		return 0;
	const int err = cmd.check_backend(command_state_, &table_, index);
	return err > 0 ? -EINVAL : err;
}

int Host::select_backend(fsbpf_try_backend_fn try_backend, void *state)
{
	const fsbpf_command &cmd = command_.entry;
	const bool forced = !options_.backend.empty();
	std::vector<std::string> failures;
	for (size_t i = 0; i < cmd.backend_count; i++) {
		const fsbpf_backend &backend = cmd.backends[i];
		if (forced && options_.backend != backend.name)
			continue;
		int err = check_backend(i);
		if (err == 0) {
			err = try_backend(state, i);
			if (err > 0)
				err = -EINVAL; // the callback broke its contract: not an index
			if (err == 0) {
				spdlog::debug("{}: using the {} backend", command_.name,
					      backend.name);
				if (options_.metrics.on_backend)
					options_.metrics.on_backend(backend.name);
				return static_cast<int>(i);
			}
		}
		failures.push_back(fmt::format("{}: {}", backend.name, std::strerror(-err)));
		spdlog::debug("{}: backend {} failed: {}", command_.name, backend.name,
			      std::strerror(-err));
		if (!is_fallback_error(err) || forced) {
			spdlog::error("{}: backend {} failed: {}", command_.name, backend.name,
				      std::strerror(-err));
			return err;
		}
	}
	if (failures.empty()) {
		spdlog::error("{}: no backend named '{}'", command_.name, options_.backend);
		return -EINVAL;
	}
	spdlog::error("{}: no backend works on this kernel ({})", command_.name,
		      fmt::join(failures, "; "));
	return -ENOTSUP;
}

} // namespace fsbpf
