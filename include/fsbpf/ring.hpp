// A tool's events from BPF: RAII for a ring buffer and the loop that reads it
// until the command stops.
#pragma once

#include <algorithm>
#include <fsbpf/plugin.hpp>

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

namespace fsbpf {

struct RingBufferDeleter {
	void operator()(ring_buffer *rb) const { ring_buffer__free(rb); }
};
using RingBuffer = std::unique_ptr<ring_buffer, RingBufferDeleter>;

// A reader of the ring buffer map that hands each record to
// on_record(context, data, size); throws when the kernel refuses one.
inline RingBuffer open_ring(bpf_map *map, ring_buffer_sample_fn on_record, void *context)
{
	RingBuffer ring(ring_buffer__new(bpf_map__fd(map), on_record, context, nullptr));
	if (!ring)
		throw std::runtime_error(std::string("cannot read the ring buffer: ") +
					 std::strerror(errno));
	return ring;
}

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

// For export_metrics(): as read_until_stopped, with collect() every metric
// interval and once more after the last records.
template <typename Detach, typename Collect>
void read_and_collect(const plugin::Host &host, ring_buffer &rb, Detach detach, Collect collect)
{
	const int fd = ring_buffer__epoll_fd(&rb);
	const double interval = host.metric_interval();
	double next = host.elapsed() + interval;
	while (host.wait(fd, std::min(kRingPollMs, static_cast<int>(interval * 1000))) >= 0) {
		ring_buffer__consume(&rb);
		if (host.elapsed() >= next) {
			collect();
			next += interval;
		}
	}
	detach();
	ring_buffer__consume(&rb);
	collect();
}

} // namespace fsbpf
