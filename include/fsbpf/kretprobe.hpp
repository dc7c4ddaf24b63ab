// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Kretprobes that count what they miss. A kretprobe follows at most
// `maxactive` calls in flight and silently drops the returns of any more.
// libbpf 1.1 attaches through the perf kprobe PMU, which leaves the kernel's
// default (as few as one per CPU on a non-preemptible 5.10) and shows no
// count of the dropped. So the SDK creates its kretprobes in tracefs with the
// most the kernel allows, and reads what they missed from kprobe_profile.
#pragma once

#include <fsbpf/fd.hpp>

#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <exception>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/perf_event.h>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

namespace fsbpf {

class Kretprobes {
public:
	// KRETPROBE_MAXACTIVE_MAX: calls in flight each kretprobe can follow.
	static constexpr int kMaxActive = 4096;

	Kretprobes() = default;
	Kretprobes(const Kretprobes &) = delete;
	Kretprobes &operator=(const Kretprobes &) = delete;
	Kretprobes(Kretprobes &&) = delete;
	Kretprobes &operator=(Kretprobes &&) = delete;
	~Kretprobes() { remove(); }

	// Runs prog at the return of function, through the link it leaves in
	// *link; the event is named after owner and prog: 0 or -errno.
	int attach(std::string_view owner, bpf_program *prog, const char *function, bpf_link **link)
	{
		if (!tracefs_ && !(tracefs_ = open_tracefs()))
			return -ENOENT;
		const std::string event = event_name(owner, bpf_program__name(prog));
		if (event.size() >= kEventNameMax)
			return -ENAMETOOLONG;
		const std::string definition = "r" + std::to_string(kMaxActive) + ":kprobes/" +
					       event + " " + function + "\n";
		int err = write_events(definition);
		// Left by a killed process that had our PID: removed, unless a live
		// one uses it (another PID namespace), which the kernel refuses.
		if (err == -EEXIST && write_events("-:kprobes/" + event + "\n") == 0)
			err = write_events(definition);
		if (err)
			return err;
		events_.push_back(event);
		UniqueFd perf_event = open_perf_event(event);
		if (!perf_event)
			return errno ? -errno : -EINVAL;
		*link = bpf_program__attach_perf_event(prog, perf_event.get());
		if (!*link)
			return errno ? -errno : -EINVAL;
		(void)perf_event.release(); // the link closes it
		return 0;
	}

	// Runs (calls and returns) the kernel did not run the programs for.
	uint64_t missed() const
	{
		if (events_.empty())
			return 0;
		std::istringstream profile(read_file("kprobe_profile"));
		uint64_t missed = 0;
		std::string name;
		uint64_t hits = 0;
		uint64_t misses = 0;
		while (profile >> name >> hits >> misses)
			if (std::ranges::find(events_, name) != events_.end())
				missed += misses;
		return missed;
	}

	// Removes the events, once the links that used them are gone.
	void remove()
	{
		for (const std::string &event : events_)
			(void)write_events("-:kprobes/" + event + "\n");
		events_.clear();
	}

private:
	// MAX_EVENT_NAME_LEN, with its NUL.
	static constexpr size_t kEventNameMax = 64;

	// tracefs itself, checked on the descriptor: its usual mount point,
	// then debugfs's, where the kernel mounts it on first use.
	static UniqueFd open_tracefs()
	{
		for (const char *path : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
			UniqueFd dir(open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
			struct statfs fs {};
			if (dir && fstatfs(dir.get(), &fs) == 0 && fs.f_type == TRACEFS_MAGIC)
				return dir;
		}
		return UniqueFd();
	}

	// One per process, object and program: fsbpf_1234_filelife_kretprobe_open.
	static std::string event_name(std::string_view owner, std::string_view program)
	{
		return "fsbpf_" + std::to_string(getpid()) + "_" + std::string(owner) + "_" +
		       std::string(program);
	}

	int write_events(const std::string &command) const
	{
		const UniqueFd events(
			openat(tracefs_.get(), "kprobe_events", O_WRONLY | O_APPEND | O_CLOEXEC));
		if (!events)
			return -errno;
		const ssize_t written = write(events.get(), command.data(), command.size());
		if (written < 0)
			return -errno;
		return static_cast<size_t>(written) == command.size() ? 0 : -EIO;
	}

	std::string read_file(const std::string &path) const
	{
		const UniqueFd file(openat(tracefs_.get(), path.c_str(), O_RDONLY | O_CLOEXEC));
		std::string text;
		char buffer[4096];
		ssize_t got = 0;
		while (file && (got = read(file.get(), buffer, sizeof(buffer))) > 0)
			text.append(buffer, static_cast<size_t>(got));
		return text;
	}

	UniqueFd open_perf_event(const std::string &event) const
	{
		errno = 0;
		const std::string id = read_file("events/kprobes/" + event + "/id");
		perf_event_attr attr{};
		attr.size = sizeof(attr);
		attr.type = PERF_TYPE_TRACEPOINT;
		try {
			attr.config = std::stoull(id);
		} catch (const std::exception &) {
			errno = ENOENT;
			return UniqueFd();
		}
		return UniqueFd(static_cast<int>(
			syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC)));
	}

	UniqueFd tracefs_;
	std::vector<std::string> events_;
};

} // namespace fsbpf
