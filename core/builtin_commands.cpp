// SPDX-License-Identifier: GPL-2.0
#include "builtin_commands.hpp"

#include "text.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstring>
#include <string>
#include <sys/utsname.h>
#include <vector>

namespace fsbpf {
namespace {

// Fields that kernels have added, renamed or removed in struct renamedata.
constexpr const char *kRenamedataFields[] = {
	"old_mnt_userns", "old_mnt_idmap",   "new_mnt_userns", "new_mnt_idmap", "mnt_idmap",
	"old_dir",        "old_parent",      "new_dir",        "new_parent",    "old_dentry",
	"new_dentry",     "delegated_inode", "flags"};
// Those the kernel has are shown; do_filp_open is do_file_open from 7.2.
// io_uring's tracepoints changed their arguments from 5.10 to 6.18.
constexpr const char *kSignatures[] = {"vfs_unlink",
				       "vfs_rename",
				       "vfs_create",
				       "vfs_link",
				       "do_filp_open",
				       "do_file_open",
				       "vfs_open",
				       "btf_trace_io_uring_submit_sqe",
				       "btf_trace_io_uring_submit_req",
				       "btf_trace_io_uring_complete"};

struct Probe {
	std::string name;
	int err;
};

std::string quoted(std::string_view text)
{
	return '"' + json_escape(text) + '"';
}

std::string verdict(int err)
{
	return err == 0 ? "yes" : fmt::format("no ({})", std::strerror(-err));
}

std::string json_verdict(const Probe &probe)
{
	if (probe.err == 0)
		return fmt::format("{}:{{\"supported\":true}}", quoted(probe.name));
	return fmt::format("{}:{{\"supported\":false,\"errno\":{},\"error\":{}}}",
			   quoted(probe.name), -probe.err, quoted(std::strerror(-probe.err)));
}

struct ToolBackends {
	std::string tool;
	std::vector<Probe> backends; // best first
	std::string pick;            // the first that works, or "none"
};

struct Report {
	std::string kernel;
	bool btf = false;
	std::vector<Probe> attach, features;
	std::vector<std::string> renamedata;
	std::vector<std::pair<std::string, std::vector<std::string>>> signatures;
	std::vector<ToolBackends> tools;
};

ToolBackends tool_backends(const Command &command, const BackendCheck &check_backend)
{
	ToolBackends tool{command.name, {}, "none"};
	for (size_t i = 0; i < command.entry.backend_count; i++) {
		const int err = check_backend(command, i);
		tool.backends.push_back({command.entry.backends[i].name, err});
		if (err == 0 && tool.pick == "none")
			tool.pick = command.entry.backends[i].name;
	}
	return tool;
}

Report gather(Features &features, const PluginRegistry &registry, const BackendCheck &check_backend)
{
	Report report;
	utsname uts{};
	uname(&uts);
	report.kernel = uts.release;
	report.btf = features.btf().available();
	for (int i = 0; i < FSBPF_ATTACH__COUNT; i++) {
		const auto attach = static_cast<fsbpf_attach>(i);
		report.attach.push_back(
			{std::string(attach_name(attach)), features.attach(attach)});
	}
	for (int i = 0; i < FSBPF_FEATURE__COUNT; i++) {
		const auto feature = static_cast<fsbpf_feature>(i);
		report.features.push_back(
			{std::string(feature_name(feature)), features.feature(feature)});
	}
	for (const char *field : kRenamedataFields)
		if (features.btf().has_field("renamedata", field))
			report.renamedata.emplace_back(field);
	for (const char *func : kSignatures) {
		auto params = features.btf().param_types(func);
		if (params)
			report.signatures.emplace_back(func, std::move(*params));
	}
	for (const Command &command : registry.commands())
		if (command.entry.backend_count)
			report.tools.push_back(tool_backends(command, check_backend));
	return report;
}

void print_text(const Report &report, std::FILE *out)
{
	fmt::print(out, "kernel: {}\nbtf: {}\n\nattach types:\n", report.kernel,
		   report.btf ? "yes" : "no");
	for (const Probe &probe : report.attach)
		fmt::print(out, "  {:<12} {}\n", probe.name, verdict(probe.err));
	fmt::print(out, "\nmaps, helpers and kfuncs:\n");
	for (const Probe &probe : report.features)
		fmt::print(out, "  {:<12} {}\n", probe.name, verdict(probe.err));
	fmt::print(out, "\nstruct renamedata fields: {}\n", fmt::join(report.renamedata, ", "));
	fmt::print(out, "\nkernel function and tracepoint signatures:\n");
	for (const auto &[func, params] : report.signatures)
		fmt::print(out, "  {}({})\n", func, fmt::join(params, ", "));
	for (const ToolBackends &tool : report.tools) {
		fmt::print(out, "\n{} backends (picks {}):\n", sanitize_for_terminal(tool.tool),
			   sanitize_for_terminal(tool.pick));
		for (const Probe &backend : tool.backends)
			fmt::print(out, "  {:<12} {}\n", sanitize_for_terminal(backend.name),
				   verdict(backend.err));
	}
}

template <typename Range, typename Fn>
std::string json_list(const Range &range, Fn fn)
{
	std::vector<std::string> items;
	items.reserve(std::size(range));
	for (const auto &item : range)
		items.push_back(fn(item));
	return fmt::format("{}", fmt::join(items, ","));
}

void print_json(const Report &report, std::FILE *out)
{
	const std::string attach = json_list(report.attach, json_verdict);
	const std::string features = json_list(report.features, json_verdict);
	const std::string renamedata = json_list(report.renamedata, quoted);
	const std::string signatures = json_list(report.signatures, [](const auto &sig) {
		return quoted(sig.first) + ":[" + json_list(sig.second, quoted) + "]";
	});
	const std::string tools = json_list(report.tools, [](const ToolBackends &tool) {
		return fmt::format("{}:{{\"pick\":{},\"backends\":{{{}}}}}", quoted(tool.tool),
				   quoted(tool.pick), json_list(tool.backends, json_verdict));
	});
	fmt::print(out,
		   "{{\"kernel\":{},\"btf\":{},\"attach\":{{{}}},\"features\":{{{}}},"
		   "\"renamedata_fields\":[{}],\"signatures\":{{{}}},\"tools\":{{{}}}}}\n",
		   quoted(report.kernel), report.btf, attach, features, renamedata, signatures,
		   tools);
}

} // namespace

void print_features(Features &features, const PluginRegistry &registry,
		    const BackendCheck &check_backend, bool json, std::FILE *out)
{
	const Report report = gather(features, registry, check_backend);
	if (json)
		print_json(report, out);
	else
		print_text(report, out);
}

void print_plugins(const PluginRegistry &registry, std::FILE *out)
{
	for (const auto &plugin : registry.plugins()) {
		const fsbpf_plugin &desc = *plugin->descriptor;
		// A plugin's strings are its author's: shown like any untrusted name.
		fmt::print(out, "{} {} ({})\n  file: {}\n  {}\n", sanitize_for_terminal(desc.name),
			   sanitize_for_terminal(desc.version), sanitize_for_terminal(desc.license),
			   sanitize_for_terminal(plugin->path),
			   sanitize_for_terminal(desc.description));
		for (const Command &command : registry.commands())
			if (command.plugin == plugin.get())
				fmt::print(out, "  {:<12} {}\n",
					   sanitize_for_terminal(command.name),
					   sanitize_for_terminal(command.entry.summary));
	}
}

} // namespace fsbpf
