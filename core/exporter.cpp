// SPDX-License-Identifier: GPL-2.0
#include "exporter.hpp"

#include "host.hpp"
#include "metrics.hpp"
#include "text.hpp"
#include "web_config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>
#include <vector>

namespace fsbpf {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr const char *kTextfileName = "fsbpf.prom";

// A request is small, slow clients are cut off, and none can hold the
// registry for longer than one rendering.
constexpr time_t kRequestTimeoutSeconds = 5;
constexpr size_t kMaxRequestBytes = 8192;
constexpr size_t kMaxRequestsPerConnection = 100;

struct ListenAddress {
	std::string host;
	int port = 0;
};

// "ADDR:PORT" or "[IPv6]:PORT", ADDR a numeric address: a name could
// resolve to something other than what the operator checked.
std::optional<ListenAddress> parse_listen(std::string_view text)
{
	const size_t colon = text.rfind(':');
	if (colon == std::string_view::npos)
		return std::nullopt;
	std::string host(text.substr(0, colon));
	const std::string port(text.substr(colon + 1));
	if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
		host = host.substr(1, host.size() - 2);
	in6_addr address{};
	if (inet_pton(AF_INET, host.c_str(), &address) != 1 &&
	    inet_pton(AF_INET6, host.c_str(), &address) != 1)
		return std::nullopt;
	if (port.empty() || port.size() > 5 ||
	    !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
		return std::nullopt;
	const int number = std::stoi(port);
	if (number < 1 || number > 65535)
		return std::nullopt;
	return ListenAddress{host, number};
}

std::vector<std::string> split_commas(const std::string &text)
{
	std::vector<std::string> names;
	size_t start = 0;
	while (start <= text.size()) {
		const size_t end = std::min(text.find(',', start), text.size());
		if (end > start)
			names.push_back(text.substr(start, end - start));
		start = end + 1;
	}
	return names;
}

bool exports(const ExportableTool &tool)
{
	return tool.command->entry.export_metrics != nullptr;
}

// The tools --tools names, or every one that exports; nullopt after saying
// which name is wrong.
std::optional<std::vector<ExportableTool>> chosen_tools(const std::string &names,
							std::span<const ExportableTool> tools)
{
	if (names.empty()) {
		std::vector<ExportableTool> all;
		std::copy_if(tools.begin(), tools.end(), std::back_inserter(all), exports);
		return all;
	}
	std::vector<ExportableTool> chosen;
	for (const std::string &name : split_commas(names)) {
		const auto found = std::find_if(tools.begin(), tools.end(), [&](const auto &tool) {
			return tool.command->name == name;
		});
		if (found == tools.end() || !exports(*found)) {
			fmt::print(stderr, "fsbpf exporter: --tools: {} '{}' (see 'fsbpf list')\n",
				   found == tools.end() ? "no tool named" : "no metrics from",
				   excerpt_for_terminal(name));
			return std::nullopt;
		}
		chosen.push_back(*found);
	}
	return chosen;
}

// The directory of --textfile, opened once: the file is always written
// into the directory that was checked, whatever its path names later.
class Textfile {
public:
	explicit Textfile(int dir_fd) : dir_fd_(dir_fd) {}
	~Textfile() { close(dir_fd_); }
	Textfile(const Textfile &) = delete;
	Textfile &operator=(const Textfile &) = delete;

	static std::unique_ptr<Textfile> open_dir(const std::string &path)
	{
		const int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		return fd < 0 ? nullptr : std::make_unique<Textfile>(fd);
	}

	// Temporary file and rename: the collector never reads half a file.
	bool write(const std::string &text) const
	{
		const std::string temp = fmt::format(".{}.{}", kTextfileName, getpid());
		// A file of that name is never reused: whoever made it could keep
		// writing to the inode that the rename then publishes.
		unlinkat(dir_fd_, temp.c_str(), 0);
		const int fd = openat(dir_fd_, temp.c_str(),
				      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0)
			return false;
		bool ok = write_all(fd, text);
		ok = close(fd) == 0 && ok;
		if (ok && renameat(dir_fd_, temp.c_str(), dir_fd_, kTextfileName) == 0)
			return true;
		const int err = errno;
		unlinkat(dir_fd_, temp.c_str(), 0);
		errno = err;
		return false;
	}

private:
	static bool write_all(int fd, std::string_view text)
	{
		while (!text.empty()) {
			const ssize_t written = ::write(fd, text.data(), text.size());
			if (written < 0 && errno == EINTR)
				continue;
			if (written <= 0)
				return false;
			text.remove_prefix(static_cast<size_t>(written));
		}
		return true;
	}

	int dir_fd_;
};

constexpr const char *kLandingPage =
	"<!DOCTYPE html>\n<html><head><title>fsbpf exporter</title></head><body>\n"
	"<h1>fsbpf exporter</h1>\n<p>File-system metrics from eBPF.</p>\n"
	"<p><a href=\"/metrics\">Metrics</a></p>\n</body></html>\n";

class MetricsServer {
public:
	MetricsServer(MetricRegistry &registry, const WebConfig &web)
		: server_(web.cert_file.empty()
				  ? std::make_unique<httplib::Server>()
				  : std::make_unique<httplib::SSLServer>(web.cert_file.c_str(),
									 web.key_file.c_str())),
		  auth_(web.users)
	{
		server_->set_read_timeout(kRequestTimeoutSeconds, 0);
		server_->set_write_timeout(kRequestTimeoutSeconds, 0);
		server_->set_keep_alive_timeout(kRequestTimeoutSeconds);
		server_->set_keep_alive_max_count(kMaxRequestsPerConnection);
		server_->set_payload_max_length(kMaxRequestBytes);
		server_->set_pre_routing_handler(
			[this](const httplib::Request &request, httplib::Response &response) {
				if (!auth_.enabled() ||
				    auth_.allows(request.get_header_value("Authorization")))
					return httplib::Server::HandlerResponse::Unhandled;
				response.status = 401;
				response.set_header("WWW-Authenticate", "Basic realm=\"fsbpf\"");
				response.set_content("Unauthorized\n", "text/plain");
				return httplib::Server::HandlerResponse::Handled;
			});
		server_->Get("/", [](const httplib::Request &, httplib::Response &response) {
			response.set_content(kLandingPage, "text/html; charset=utf-8");
		});
		server_->Get("/metrics", [&registry](const httplib::Request &request,
						     httplib::Response &response) {
			const Exposition format =
				exposition_for(request.get_header_value("Accept"));
			response.set_content(registry.render(format),
					     std::string(content_type(format)));
		});
	}
	~MetricsServer()
	{
		server_->stop();
		if (thread_.joinable())
			thread_.join();
	}
	MetricsServer(const MetricsServer &) = delete;
	MetricsServer &operator=(const MetricsServer &) = delete;

	// false when the certificate or key cannot be used.
	bool valid() const { return server_->is_valid(); }

	bool start(const ListenAddress &address)
	{
		if (!server_->bind_to_port(address.host, address.port))
			return false;
		thread_ = std::thread([this] { server_->listen_after_bind(); });
		return true;
	}

private:
	std::unique_ptr<httplib::Server> server_;
	BasicAuth auth_;
	std::thread thread_;
};

std::string kernel_release()
{
	utsname uts{};
	uname(&uts);
	return uts.release;
}

// The exporter's own families: what it is and which tools work.
class ToolStatus {
public:
	explicit ToolStatus(MetricRegistry &registry) : registry_(registry)
	{
		static constexpr const char *kBuildLabels[] = {"version", "kernel", nullptr};
		static constexpr const char *kToolLabels[] = {"tool", nullptr};
		static constexpr const char *kBackendLabels[] = {"tool", "backend", nullptr};
		std::string why;
		auto *build = registry.add_family(
			{sizeof(fsbpf_metric), FSBPF_METRIC_GAUGE, "fsbpf_build_info",
			 "fsbpf's version and the running kernel's release", nullptr, kBuildLabels,
			 nullptr, 0, 0},
			why);
		const std::string release = kernel_release();
		const char *build_values[] = {FSBPF_VERSION, release.c_str()};
		registry.add(*build, build_values, 1);
		up_ = registry.add_family(
			{sizeof(fsbpf_metric), FSBPF_METRIC_GAUGE, "fsbpf_tool_up",
			 "1 while the tool's kernel side is attached and counting, else 0", nullptr,
			 kToolLabels, nullptr, 0, 0},
			why);
		backend_ = registry.add_family({sizeof(fsbpf_metric), FSBPF_METRIC_GAUGE,
						"fsbpf_tool_backend_info",
						"The attach backend each tool chose on this kernel",
						nullptr, kBackendLabels, nullptr, 0, 0},
					       why);
	}

	void up(const std::string &tool, bool up)
	{
		const char *values[] = {tool.c_str()};
		registry_.add(*up_, values, up ? 1 : 0);
	}
	void backend(const std::string &tool, std::string_view backend)
	{
		const std::string name(backend);
		const char *values[] = {tool.c_str(), name.c_str()};
		registry_.add(*backend_, values, 1);
		up(tool, true);
	}

private:
	MetricRegistry &registry_;
	MetricRegistry::Family *up_ = nullptr;
	MetricRegistry::Family *backend_ = nullptr;
};

// One tool's export_metrics() on a thread of its own until the stop.
class ToolThread {
public:
	ToolThread(const ExportableTool &tool, Features &features, StopSource &stop,
		   const ExporterOptions &options, MetricRegistry &registry, ToolStatus &status)
		: tool_(tool), status_(status)
	{
		RunOptions exporting;
		exporting.metrics.registry = &registry;
		exporting.metrics.interval = options.interval;
		exporting.metrics.file_series = options.max_file_series;
		exporting.metrics.on_backend = [this](std::string_view backend) {
			status_.backend(tool_.command->name, backend);
		};
		host_ = std::make_unique<Host>(features, *tool.command, std::move(exporting), stop,
					       tool.state);
		status_.up(tool_.command->name, false);
		thread_ = std::thread([this] { export_until_stopped(); });
	}
	~ToolThread() { join(); }
	ToolThread(const ToolThread &) = delete;
	ToolThread &operator=(const ToolThread &) = delete;

	void join()
	{
		if (thread_.joinable())
			thread_.join();
	}
	// Whether the tool ended only because the exporter stopped.
	bool ok() const { return status_code_ == kExitOk; }

private:
	void export_until_stopped()
	{
		status_code_ = tool_.command->entry.export_metrics(tool_.state, host_->table());
		status_.up(tool_.command->name, false);
		if (status_code_ != kExitOk)
			spdlog::error("exporter: {} stopped (exit status {}); the others go on",
				      tool_.command->name, status_code_);
	}

	const ExportableTool &tool_;
	ToolStatus &status_;
	std::unique_ptr<Host> host_;
	std::thread thread_;
	int status_code_ = kExitOk;
};

struct Outputs {
	std::optional<ListenAddress> listen;
	std::unique_ptr<Textfile> textfile;
	WebConfig web;
};

// What --listen and --textfile name, checked before anything is loaded.
std::optional<Outputs> open_outputs(const ExporterOptions &options)
{
	Outputs outputs;
	if (options.listen != "none") {
		outputs.listen = parse_listen(options.listen);
		if (!outputs.listen) {
			fmt::print(stderr,
				   "fsbpf exporter: --listen: '{}' is not ADDRESS:PORT with a "
				   "numeric address, or none\n",
				   excerpt_for_terminal(options.listen));
			return std::nullopt;
		}
	}
	if (!options.textfile.empty()) {
		outputs.textfile = Textfile::open_dir(options.textfile);
		if (!outputs.textfile) {
			fmt::print(stderr, "fsbpf exporter: --textfile: {}: {}\n",
				   excerpt_for_terminal(options.textfile), std::strerror(errno));
			return std::nullopt;
		}
	}
	if (!options.web_config.empty()) {
		std::string why;
		std::optional<WebConfig> web = load_web_config(options.web_config, why);
		if (!web) {
			fmt::print(stderr, "fsbpf exporter: --web-config: {}: {}\n",
				   excerpt_for_terminal(options.web_config),
				   excerpt_for_terminal(why));
			return std::nullopt;
		}
		outputs.web = std::move(*web);
	}
	if (!outputs.listen && !outputs.textfile) {
		fmt::print(stderr, "fsbpf exporter: --listen none needs --textfile\n");
		return std::nullopt;
	}
	return outputs;
}

// Until the stop: the textfile every interval.
int serve(const ExporterOptions &options, Outputs &outputs, MetricRegistry &registry,
	  StopSource &stop)
{
	spdlog::info("exporter: serving {}{}{}",
		     outputs.listen ? "http://" + options.listen + "/metrics" : "",
		     outputs.listen && outputs.textfile ? " and " : "",
		     outputs.textfile ? options.textfile + "/" + kTextfileName : "");
	const int interval_ms = static_cast<int>(options.interval * 1000);
	int status = kExitOk;
	bool stopping = false;
	while (!stopping) {
		stopping = stop.wait(-1, interval_ms) < 0;
		if (outputs.textfile &&
		    !outputs.textfile->write(registry.render(Exposition::Prometheus))) {
			spdlog::error("exporter: cannot write {}/{}: {}",
				      excerpt_for_terminal(options.textfile), kTextfileName,
				      std::strerror(errno));
			stop.request_stop();
			status = kExitFailure;
			stopping = true;
		}
	}
	return status;
}

} // namespace

CLI::App *add_exporter_command(CLI::App &app, ExporterOptions &options, int &verbosity)
{
	CLI::App *sub = app.add_subcommand(
		"exporter", "Serve every tool's counts as Prometheus metrics, continuously");
	sub->add_option("--listen", options.listen,
			fmt::format("ADDRESS:PORT to serve /metrics on, or none (default {})",
				    kDefaultListen));
	sub->add_option("--tools", options.tools,
			"Comma-separated tools to run (default: every tool with metrics)");
	sub->add_option("--textfile", options.textfile,
			"Also write DIR/fsbpf.prom every interval, for node_exporter's "
			"textfile collector");
	sub->add_option("--web-config", options.web_config,
			"TLS and basic auth, in the file format of Prometheus' "
			"exporter-toolkit (tls_server_config, basic_auth_users)");
	sub->add_option("--interval", options.interval, "Seconds between collections (default 1)")
		->check(CLI::Range(0.01, 3600.0));
	sub->add_option("--max-series", options.max_series,
			"Series per metric before the rest are summed as \"other\" "
			"(default 1000)")
		->check(CLI::Range(uint64_t{1}, uint64_t{1000000}));
	sub->add_option("--max-file-series", options.max_file_series,
			"Series per metric that may name a file; 0 (default) keeps file "
			"paths out of the metrics")
		->check(CLI::Range(uint64_t{0}, uint64_t{1000000}));
	sub->add_option("--duration", options.duration, "Stop after this many seconds")
		->check(CLI::Range(0.001, StopSource::kLongestDurationSeconds));
	sub->add_flag("-v,--verbose", verbosity, "Log what fsbpf and libbpf do");
	return sub;
}

int run_exporter(const ExporterOptions &options, Features &features, StopSource &stop,
		 std::span<const ExportableTool> tools)
{
	std::optional<Outputs> outputs = open_outputs(options);
	const auto chosen = chosen_tools(options.tools, tools);
	if (!outputs || !chosen)
		return kExitUsage;
	if (chosen->empty()) {
		spdlog::error("exporter: no tool exports metrics");
		return kExitFailure;
	}
	if (options.duration > 0)
		stop.set_duration(std::chrono::duration<double>(options.duration));
	// Every probe now, so that the tools' threads only read their results.
	features.probe_all();
	MetricRegistry registry(options.max_series);
	// Listening first: a port in use fails before anything is loaded.
	MetricsServer server(registry, outputs->web);
	if (!server.valid()) {
		fmt::print(stderr, "fsbpf exporter: --web-config: cannot use {} and {}\n",
			   excerpt_for_terminal(outputs->web.cert_file),
			   excerpt_for_terminal(outputs->web.key_file));
		return kExitUsage;
	}
	if (outputs->listen && !server.start(*outputs->listen)) {
		spdlog::error("exporter: cannot listen on {}: {}",
			      excerpt_for_terminal(options.listen), std::strerror(errno));
		return kExitFailure;
	}
	ToolStatus status(registry);
	std::vector<std::unique_ptr<ToolThread>> threads;
	for (const ExportableTool &tool : *chosen)
		threads.push_back(std::make_unique<ToolThread>(tool, features, stop, options,
							       registry, status));
	int served = serve(options, *outputs, registry, stop);
	for (const auto &thread : threads)
		thread->join();
	// The tools' last collections came after the loop's last write.
	if (served == kExitOk && outputs->textfile &&
	    !outputs->textfile->write(registry.render(Exposition::Prometheus))) {
		spdlog::error("exporter: cannot write {}/{}: {}",
			      excerpt_for_terminal(options.textfile), kTextfileName,
			      std::strerror(errno));
		served = kExitFailure;
	}
	const bool any_ok = std::any_of(threads.begin(), threads.end(),
					[](const auto &thread) { return thread->ok(); });
	return served != kExitOk || !any_ok ? kExitFailure : kExitOk;
}

} // namespace fsbpf
