// User-space helpers every plugin's libbpf half needs: RAII for a ring
// buffer and the loop that reads it, program names by prefix, and the runs
// of an object's programs that the kernel skipped.
#pragma once

#include <fsbpf/plugin.hpp>

#include <bpf/libbpf.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace fsbpf {

struct RingBufferDeleter {
	void operator()(ring_buffer *rb) const { ring_buffer__free(rb); }
};
using RingBuffer = std::unique_ptr<ring_buffer, RingBufferDeleter>;

// BPF wakes a ring's reader only when the ring is half full
// (bpf/ringbuf.bpf.h), so readers also look this often: rows reach the
// output at most this late.
constexpr int kRingPollMs = 100;

// Hands every record of rb to its callback until the command stops or the
// output closes; then once more after detach(), so nothing in flight is lost.
template <typename Detach>
void read_until_stopped(const plugin::Host &host, ring_buffer &rb, const bool &output_closed,
			Detach detach)
{
	const int fd = ring_buffer__epoll_fd(&rb);
	while (!output_closed && host.wait(fd, kRingPollMs) >= 0)
		ring_buffer__consume(&rb);
	detach();
	if (!output_closed)
		ring_buffer__consume(&rb);
}

// Whether a program's name starts with one of prefixes; empty ones match nothing.
inline bool named_with(std::string_view name, std::span<const std::string_view> prefixes)
{
	return std::ranges::any_of(prefixes, [name](std::string_view prefix) {
		return !prefix.empty() && name.starts_with(prefix);
	});
}

// Runs of the loaded programs of obj that the kernel skipped, e.g. a
// preempted program still active on the CPU when the next event came.
inline uint64_t kernel_skips(const plugin::Host &host, const bpf_object &obj)
{
	uint64_t skips = 0;
	bpf_program *prog = nullptr;
	bpf_object__for_each_program (prog, &obj)
		if (bpf_program__autoload(prog))
			skips += host.program_misses(bpf_program__fd(prog));
	return skips;
}

} // namespace fsbpf
