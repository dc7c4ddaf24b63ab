// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Which of bpf/uring.bpf.h's programs this kernel takes, from the arguments
// of io_uring's tracepoints in BTF: they changed from 5.10 to 7.x.
#pragma once

#include <fsbpf/plugin.hpp>
#include <fsbpf/skeleton.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fsbpf {

// The names of uring.bpf.h's programs; user space loads those uring_wanted()
// or uring_completion_wanted() keeps.
constexpr std::string_view kUringPrefix = "uring_";

using UringFields = std::pair<const char *, const char *>; // {struct, field}

// Whether FSBPF_URING_COMPLETION_PROGRAMS work here: the completion tracepoint
// passes the request (6.1 on; 5.10's passes only the application's tag) and
// BTF has the tool's `fields`, which it reads by CO-RE.
template <size_t N>
bool uring_completions_usable(const plugin::Host &host, const std::array<UringFields, N> &fields)
{
	const std::vector<std::string> complete = host.param_types("btf_trace_io_uring_complete");
	if (complete.size() < 3 ||
	    (complete[2] != "void *" && complete[2] != "struct io_kiocb *") ||
	    host.param_types("btf_trace_io_uring_cqe_overflow").empty() ||
	    !host.has_field("io_kiocb", "opcode") || !host.has_field("io_kiocb", "cqe"))
		return false;
	return std::ranges::all_of(fields, [&host](const UringFields &f) {
		return host.has_field(f.first, f.second);
	});
}

// The submit program of FSBPF_URING_PROGRAMS for this kernel, where its
// completions work too, else none.
template <size_t N>
std::optional<std::string_view> uring_submit_program(const plugin::Host &host,
						     const std::array<UringFields, N> &fields)
{
	constexpr std::array<std::pair<const char *, std::string_view>, 2> kSubmits = {{
		{"btf_trace_io_uring_submit_req", "uring_submit_req"}, // (req), 6.12 on
		{"btf_trace_io_uring_submit_sqe", "uring_submit_sqe"}, // (req, force_nonblock), 6.1
	}};
	if (!uring_completions_usable(host, fields))
		return std::nullopt;
	for (const auto &[tracepoint, program] : kSubmits) {
		const std::vector<std::string> submit = host.param_types(tracepoint);
		if (submit.size() >= 2 && submit.size() <= 3 && submit[1] == "struct io_kiocb *")
			return program;
	}
	return std::nullopt;
}

// Whether the completion program `name` loads where completions are
// `usable`: the overflow program, and the completion in the variant that
// fits the kernel.
inline bool uring_completion_wanted(std::string_view name, bool usable, const plugin::Host &host)
{
	return usable && (name == "uring_cqe_overflow" ||
			  (variant_stem(name) == "uring_complete" && variant_fits(name, host)));
}

// Whether the io_uring program `name` of FSBPF_URING_PROGRAMS loads, given
// uring_submit_program().
inline bool uring_wanted(std::string_view name, std::optional<std::string_view> submit,
			 const plugin::Host &host)
{
	return submit && (name == *submit || uring_completion_wanted(name, true, host));
}

} // namespace fsbpf
