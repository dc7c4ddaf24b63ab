// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Which of bpf/uring.bpf.h's programs this kernel takes, from the arguments
// of io_uring's tracepoints in BTF: they changed from 5.10 to 7.x.
#pragma once

#include <fsbpf/plugin.hpp>
#include <fsbpf/skeleton.hpp>

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fsbpf {

// FSBPF_URING_PROGRAMS' names; user space loads those uring_wanted() keeps.
constexpr std::string_view kUringPrefix = "uring_";

// The submit program for this kernel, where the completion tracepoint passes
// the request too (6.1 on; 5.10's passes only the application's tag) and
// BTF has the tool's `fields` ({struct, field}, read by CO-RE), else none.
template <size_t N>
std::optional<std::string_view>
uring_submit_program(const plugin::Host &host,
		     const std::array<std::pair<const char *, const char *>, N> &fields)
{
	constexpr std::array<std::pair<const char *, std::string_view>, 2> kSubmits = {{
		{"btf_trace_io_uring_submit_req", "uring_submit_req"}, // (req), 6.12 on
		{"btf_trace_io_uring_submit_sqe", "uring_submit_sqe"}, // (req, force_nonblock), 6.1
	}};
	const std::vector<std::string> complete = host.param_types("btf_trace_io_uring_complete");
	if (complete.size() < 3 ||
	    (complete[2] != "void *" && complete[2] != "struct io_kiocb *") ||
	    host.param_types("btf_trace_io_uring_cqe_overflow").empty() ||
	    !host.has_field("io_kiocb", "opcode") || !host.has_field("io_kiocb", "cqe"))
		return std::nullopt;
	for (const auto &[type, field] : fields)
		if (!host.has_field(type, field))
			return std::nullopt;
	for (const auto &[tracepoint, program] : kSubmits) {
		const std::vector<std::string> submit = host.param_types(tracepoint);
		if (submit.size() >= 2 && submit.size() <= 3 && submit[1] == "struct io_kiocb *")
			return program;
	}
	return std::nullopt;
}

// Whether the io_uring program `name` loads, given uring_submit_program(): a
// completion program of FSBPF_URING_COMPLETION_VARIANTS only in the variant
// that fits the kernel.
inline bool uring_wanted(std::string_view name, std::optional<std::string_view> submit,
			 const plugin::Host &host)
{
	return submit && (name == *submit || name == "uring_cqe_overflow" ||
			  (variant_stem(name) == "uring_complete" && variant_fits(name, host)));
}

} // namespace fsbpf
