// SPDX-License-Identifier: GPL-2.0
// What this kernel can do, found by really loading and attaching, computed
// lazily once per process and shared by the host and every plugin.
#pragma once

#include "btf.hpp"

#include <fsbpf/skeleton.hpp>

#include <fsbpf/plugin.h>

#include <array>
#include <bitset>
#include <optional>
#include <string>
#include <string_view>

namespace fsbpf {

std::string_view attach_name(fsbpf_attach attach);
std::string_view feature_name(fsbpf_feature feature);
std::optional<fsbpf_attach> attach_from_name(std::string_view name);

// Attach types and features reported as unsupported (the FSBPF_DISABLE
// knob), so that fallbacks can be tested on any kernel.
struct Disabled {
	std::bitset<FSBPF_ATTACH__COUNT> attach;
	std::bitset<FSBPF_FEATURE__COUNT> feature;
};

// Parses comma-separated names, each an attach type or a feature; empty
// names are allowed. nullopt with the first unknown name in `unknown`.
std::optional<Disabled> parse_disabled(std::string_view names, std::string &unknown);

class Features {
public:
	explicit Features(Disabled disabled = {});
	virtual ~Features() = default;
	Features(const Features &) = delete;
	Features &operator=(const Features &) = delete;

	// 0 when it works, else a negative errno.
	int attach(fsbpf_attach attach);
	int feature(fsbpf_feature feature);
	KernelBtf &btf() { return btf_; }
	// Every probe at once: afterwards, threads may share this object, as
	// they only read.
	void probe_all();

protected:
	virtual int probe_attach(fsbpf_attach attach);
	virtual int probe_feature(fsbpf_feature feature);

private:
	Disabled disabled_;
	KernelBtf btf_;
	std::array<std::optional<int>, FSBPF_ATTACH__COUNT> attach_cache_;
	std::array<std::optional<int>, FSBPF_FEATURE__COUNT> feature_cache_;
	LinkReleaser probe_links_; // no probe waits for its detach
};

// Mounts tracefs at /sys/kernel/tracing when it is not there yet.
// Returns 0, or a negative errno with what to do in message.
int ensure_tracefs(std::string &message);

} // namespace fsbpf
