// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A tool's events from BPF: RAII for a ring buffer and the loop that reads it
// until the command stops.
#pragma once

#include <fsbpf/fd.hpp>
#include <fsbpf/plugin.hpp>

#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <sys/epoll.h>

namespace fsbpf {

struct RingBufferDeleter {
	void operator()(ring_buffer *rb) const { ring_buffer__free(rb); }
};
using RingBuffer = std::unique_ptr<ring_buffer, RingBufferDeleter>;

// A tool's ring buffer map and its reader, which hands each record to
// on_record(context, data, size).
//
// The reader waits for BPF's wakeups (bpf/ringbuf.bpf.h), not for data: the
// ring's own descriptor is readable while any record waits, so a reader
// polling it took records one or two at a time, and the ring positions it
// kept reading bounced between CPUs: each traced fsync here cost 0.9 us more
// than with a reader that looks in batches. An edge-triggered epoll set
// reports the ring only when BPF wakes it.
class Ring {
public:
	// Throws when the kernel refuses the reader.
	Ring(bpf_map *map, ring_buffer_sample_fn on_record, void *context)
		: reader_(ring_buffer__new(bpf_map__fd(map), on_record, context, nullptr)),
		  wakeups_(epoll_create1(EPOLL_CLOEXEC))
	{
		if (!reader_ || !wakeups_)
			fail();
		epoll_event event{};
		event.events = EPOLLIN | EPOLLET;
		if (epoll_ctl(wakeups_.get(), EPOLL_CTL_ADD, bpf_map__fd(map), &event) != 0)
			fail();
	}

	// Readable once BPF has woken the reader since the last consume().
	int wakeups() const { return wakeups_.get(); }

	// Hands every waiting record to on_record. A wakeup that comes while it
	// reads makes wakeups() readable again, so none is missed.
	void consume()
	{
		epoll_event event{};
		epoll_wait(wakeups_.get(), &event, 1, 0);
		ring_buffer__consume(reader_.get());
	}

private:
	[[noreturn]] static void fail()
	{
		throw std::runtime_error(std::string("cannot read the ring buffer: ") +
					 std::strerror(errno));
	}

	RingBuffer reader_;
	UniqueFd wakeups_;
};

// BPF wakes a ring's reader only after many records (bpf/ringbuf.bpf.h),
// so readers also look this often: rows reach the output at most this late.
constexpr int kRingPollMs = 100;

// Sets how many bytes a CPU writes to skel's ring before it wakes the reader
// (bpf/ringbuf.bpf.h), after the tool has sized the ring: 0 or -errno.
template <typename Skel>
int pace_ring_wakeups(Skel &skel)
{
	const bpf_map *ring = nullptr;
	const bpf_map *map = nullptr;
	bpf_object__for_each_map (map, skel.obj) {
		if (bpf_map__type(map) != BPF_MAP_TYPE_RINGBUF)
			continue;
		if (ring)
			return -EINVAL; // one count per object stands for one ring
		ring = map;
	}
	if (!ring)
		return -ENOENT;
	const int cpus = libbpf_num_possible_cpus();
	if (cpus < 0)
		return cpus;
	skel.rodata->fsbpf_ring_wakeup_bytes = bpf_map__max_entries(ring) / 2 / std::max(cpus, 1);
	return 0;
}

// Hands every record of the ring to its callback until the command stops or
// the output closes, calling after_pass() after each pass over it; then once
// more after detach(), so nothing in flight is lost.
template <typename Detach, typename AfterPass>
void read_until_stopped(const plugin::Host &host, Ring &ring, const bool &output_closed,
			Detach detach, AfterPass after_pass)
{
	while (!output_closed && host.wait(ring.wakeups(), kRingPollMs) >= 0) {
		ring.consume();
		after_pass();
	}
	detach();
	if (!output_closed)
		ring.consume();
}

template <typename Detach>
void read_until_stopped(const plugin::Host &host, Ring &ring, const bool &output_closed,
			Detach detach)
{
	read_until_stopped(host, ring, output_closed, detach, [] {});
}

// For export_metrics(): as read_until_stopped, with collect() every metric
// interval and once more after the last records.
template <typename Detach, typename Collect>
void read_and_collect(const plugin::Host &host, Ring &ring, Detach detach, Collect collect)
{
	const double interval = host.metric_interval();
	double next = host.elapsed() + interval;
	while (host.wait(ring.wakeups(),
			 std::min(kRingPollMs, static_cast<int>(interval * 1000))) >= 0) {
		ring.consume();
		if (host.elapsed() >= next) {
			collect();
			next += interval;
		}
	}
	detach();
	ring.consume();
	collect();
}

} // namespace fsbpf
