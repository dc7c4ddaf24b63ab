// User-space helpers every plugin's libbpf half needs: RAII for a ring
// buffer, and the runs of an object's programs that the kernel skipped.
#pragma once

#include <fsbpf/plugin.hpp>

#include <bpf/libbpf.h>

#include <cstdint>
#include <memory>

namespace fsbpf {

struct RingBufferDeleter {
	void operator()(ring_buffer *rb) const { ring_buffer__free(rb); }
};
using RingBuffer = std::unique_ptr<ring_buffer, RingBufferDeleter>;

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
