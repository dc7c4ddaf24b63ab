// User-space half of bpf/filter.bpf.h: the -p and -c options every tool
// offers, written into the BPF object's read-only data before it loads.
#pragma once

#include <fsbpf/plugin.hpp>

#include <cstdint>
#include <cstring>

namespace fsbpf {

class ProcessFilter {
public:
	void add_options(plugin::Options &options, const char *pid_help = "Trace this process only")
	{
		options.integer("-p,--pid", pid_help, pid_, 1, 4194304);
		options.string("-c,--comm", "Trace commands with this name only", comm_);
	}

	// rodata: a skeleton's read-only data, where bpf/filter.bpf.h declares
	// target_tgid and target_comm.
	template <typename Rodata>
	void apply(Rodata &rodata) const
	{
		rodata.target_tgid = static_cast<uint32_t>(pid_);
		if (comm_)
			strncpy(const_cast<char *>(rodata.target_comm), comm_,
				sizeof(rodata.target_comm) - 1);
	}

	int64_t pid() const { return pid_; }

private:
	int64_t pid_ = 0;
	const char *comm_ = nullptr;
};

} // namespace fsbpf
