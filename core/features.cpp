// SPDX-License-Identifier: GPL-2.0
#include "features.hpp"

#include "probes.bpf.skel.h"
#include "raw_probes.hpp"

#include <fsbpf/skeleton.hpp>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <sys/mount.h>
#include <unistd.h>

namespace fsbpf {
namespace {

constexpr std::array<std::string_view, FSBPF_ATTACH__COUNT> kAttachNames = {
	"fentry", "fexit", "kprobe", "kretprobe", "tp_btf", "raw_tp", "tracepoint"};
constexpr std::array<std::string_view, FSBPF_FEATURE__COUNT> kFeatureNames = {
	"ringbuf", "perfbuf", "find_vma", "rdonly_cast", "d_path", "task_storage"};

template <size_t N>
std::optional<size_t> index_of(const std::array<std::string_view, N> &names, std::string_view name)
{
	for (size_t i = 0; i < N; i++)
		if (names[i] == name)
			return i;
	return std::nullopt;
}

using Probes = Skeleton<probes_bpf, probes_bpf__open, probes_bpf__destroy>;

bpf_program *probe_program(probes_bpf &skel, std::string_view name)
{
	bpf_program *prog = nullptr;
	bpf_object__for_each_program (prog, skel.obj)
		if (name == bpf_program__name(prog))
			return prog;
	return nullptr;
}

// Loads only the named program; attaches it too when given links to
// release it to.
int load_probe(std::string_view program, LinkReleaser *links)
{
	Probes skel;
	if (int err = skel.open())
		return err;
	bpf_program *target = probe_program(*skel, program);
	bpf_program *prog = nullptr;
	bpf_object__for_each_program (prog, skel->obj)
		bpf_program__set_autoload(prog, prog == target);
	if (int err = probes_bpf__load(skel.get()))
		return err;
	if (!links)
		return 0;
	bpf_link *link = bpf_program__attach(target);
	if (!link)
		return errno_or(-EINVAL);
	links->release(link);
	return 0;
}

int probe_map(bpf_map_type type, __u32 key_size, __u32 value_size, __u32 max_entries)
{
	const int fd = bpf_map_create(type, nullptr, key_size, value_size, max_entries, nullptr);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

// Task local storage, and bpf_task_storage_get() from each program type a
// backend loads: fentry and tp_btf programs get their helpers from raw_tp's.
int probe_task_storage()
{
	int found = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, nullptr);
	for (const bpf_prog_type type :
	     {BPF_PROG_TYPE_TRACEPOINT, BPF_PROG_TYPE_KPROBE, BPF_PROG_TYPE_RAW_TRACEPOINT})
		if (found == 1)
			found = libbpf_probe_bpf_helper(type, BPF_FUNC_task_storage_get, nullptr);
	return found == 1 ? 0 : found < 0 ? found : -EOPNOTSUPP;
}

} // namespace

std::string_view attach_name(fsbpf_attach attach)
{
	return kAttachNames.at(attach);
}

std::string_view feature_name(fsbpf_feature feature)
{
	return kFeatureNames.at(feature);
}

std::optional<fsbpf_attach> attach_from_name(std::string_view name)
{
	const std::optional<size_t> index = index_of(kAttachNames, name);
	return index ? std::optional(static_cast<fsbpf_attach>(*index)) : std::nullopt;
}

std::optional<Disabled> parse_disabled(std::string_view names, std::string &unknown)
{
	Disabled disabled;
	while (!names.empty()) {
		const size_t comma = std::min(names.find(','), names.size());
		const std::string_view name = names.substr(0, comma);
		names.remove_prefix(std::min(comma + 1, names.size()));
		if (const std::optional<size_t> attach = index_of(kAttachNames, name)) {
			disabled.attach.set(*attach);
		} else if (const std::optional<size_t> feature = index_of(kFeatureNames, name)) {
			disabled.feature.set(*feature);
		} else if (!name.empty()) {
			unknown = name;
			return std::nullopt;
		}
	}
	return disabled;
}

Features::Features(Disabled disabled) : disabled_(disabled) {}

void Features::probe_all()
{
	for (int attach = 0; attach < FSBPF_ATTACH__COUNT; attach++)
		this->attach(static_cast<fsbpf_attach>(attach));
	for (int feature = 0; feature < FSBPF_FEATURE__COUNT; feature++)
		this->feature(static_cast<fsbpf_feature>(feature));
}

int Features::attach(fsbpf_attach attach)
{
	std::optional<int> &cached = attach_cache_.at(attach);
	if (!cached)
		cached = disabled_.attach.test(attach) ? -EPERM : probe_attach(attach);
	return *cached;
}

int Features::feature(fsbpf_feature feature)
{
	std::optional<int> &cached = feature_cache_.at(feature);
	if (!cached)
		cached = disabled_.feature.test(feature) ? -EPERM : probe_feature(feature);
	return *cached;
}

int Features::probe_attach(fsbpf_attach attach)
{
	if (attach == FSBPF_ATTACH_TRACEPOINT) {
		std::string message;
		if (int err = ensure_tracefs(message))
			return err;
	}
	return raw_probe_attach(attach, btf_, probe_links_);
}

int Features::probe_feature(fsbpf_feature feature)
{
	switch (feature) {
	case FSBPF_FEATURE_RINGBUF:
		return probe_map(BPF_MAP_TYPE_RINGBUF, 0, 0,
				 static_cast<__u32>(sysconf(_SC_PAGESIZE)));
	case FSBPF_FEATURE_PERFBUF:
		return probe_map(BPF_MAP_TYPE_PERF_EVENT_ARRAY, sizeof(int), sizeof(int), 1);
	case FSBPF_FEATURE_FIND_VMA:
		return load_probe("probe_find_vma", nullptr);
	case FSBPF_FEATURE_D_PATH:
		return load_probe("probe_d_path", &probe_links_);
	case FSBPF_FEATURE_RDONLY_CAST:
		return raw_probe_rdonly_cast(btf_);
	case FSBPF_FEATURE_TASK_STORAGE:
		return probe_task_storage();
	case FSBPF_FEATURE__COUNT:
		break;
	}
	return -EINVAL;
}

int ensure_tracefs(std::string &message)
{
	static constexpr const char *kTracefs = "/sys/kernel/tracing";
	if (access("/sys/kernel/tracing/events", F_OK) == 0)
		return 0;
	if (mount("tracefs", kTracefs, "tracefs", 0, nullptr) == 0)
		return 0;
	const int err = -errno;
	message = std::string("tracefs is not mounted and mounting it failed; run: mount -t "
			      "tracefs tracefs ") +
		  kTracefs;
	return err;
}

} // namespace fsbpf
