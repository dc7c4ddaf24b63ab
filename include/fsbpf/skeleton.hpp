// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The libbpf half every tool shares: an owner for its bpftool skeleton, one
// record per backend, and the attempt that loads a backend or leaves nothing.
#pragma once

#include <fsbpf/fd.hpp>
#include <fsbpf/kretprobe.hpp>
#include <fsbpf/plugin.hpp>
#include <fsbpf/ring.hpp>
#include <fsbpf/stash.hpp>

#include <bpf/libbpf.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace fsbpf {

// One way a tool attaches: what the host shows and probes, and the programs
// of the tool's object it loads, by name prefix.
struct Backend {
	fsbpf_backend info;
	std::array<std::string_view, 2> programs;
	// Entry and exit programs that remember each call in flight between them.
	bool pairs = false;
};

// What crosses the plugin boundary of each backend, in the same order.
template <size_t N>
constexpr std::array<fsbpf_backend, N> backend_infos(const std::array<Backend, N> &backends)
{
	std::array<fsbpf_backend, N> infos{};
	for (size_t i = 0; i < N; i++)
		infos.at(i) = backends.at(i).info;
	return infos;
}

// A program may come in two variants, one for kernels with a feature and
// one for kernels without it, told apart by the end of their names. Suffixes
// of different features combine, the later ones last: "raw_exit_vma_cast".
struct ProgramVariant {
	std::string_view with;
	std::string_view without;
	fsbpf_feature feature;
};
constexpr std::array<ProgramVariant, 2> kProgramVariants = {{
	// Kernel memory by plain loads after bpf_rdonly_cast, or by CO-RE probe reads.
	{"_cast", "_core", FSBPF_FEATURE_RDONLY_CAST},
	// A user address's mapping found with bpf_find_vma, or not looked up.
	{"_vma", "_novma", FSBPF_FEATURE_FIND_VMA},
}};

// The variant suffix that ends a program's name: which feature it names,
// whether with or without it, and its length.
struct VariantSuffix {
	fsbpf_feature feature;
	bool with;
	size_t length;
};
constexpr std::optional<VariantSuffix> variant_suffix(std::string_view name)
{
	for (const ProgramVariant &variant : kProgramVariants) {
		if (name.ends_with(variant.with))
			return VariantSuffix{variant.feature, true, variant.with.size()};
		if (name.ends_with(variant.without))
			return VariantSuffix{variant.feature, false, variant.without.size()};
	}
	return std::nullopt;
}

// name without the variant suffixes it may end in.
constexpr std::string_view variant_stem(std::string_view name)
{
	while (const std::optional<VariantSuffix> suffix = variant_suffix(name))
		name.remove_suffix(suffix->length);
	return name;
}

// Whether each variant suffix that ends `name` names what the kernel has.
inline bool variant_fits(std::string_view name, const plugin::Host &host)
{
	for (std::optional<VariantSuffix> suffix; (suffix = variant_suffix(name));
	     name.remove_suffix(suffix->length))
		if (host.feature(suffix->feature) != suffix->with)
			return false;
	return true;
}

// Whether backend loads the program `name` on this kernel: the name starts
// with one of the backend's prefixes, and its variant fits the kernel.
inline bool loads(const Backend &backend, std::string_view name, const plugin::Host &host)
{
	const bool prefixed =
		std::ranges::any_of(backend.programs, [name](std::string_view prefix) {
			return !prefix.empty() && name.starts_with(prefix);
		});
	return prefixed && variant_fits(name, host);
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

// Destroys links on threads of their own, joined when it goes: detaching a
// tracepoint or kprobe waits for RCU grace periods (50-70 ms here), and on
// threads of their own these waits overlap.
class LinkReleaser {
public:
	void release(bpf_link *link)
	{
		threads_.emplace_back([link] { bpf_link__destroy(link); });
	}
	// A descriptor that keeps a program attached (a BPF link, a perf event).
	void release(UniqueFd attachment)
	{
		threads_.emplace_back([owned = std::move(attachment)]() mutable {
			const UniqueFd closing = std::move(owned);
		});
	}

private:
	std::vector<std::jthread> threads_;
};

// Owns a skeleton that bpftool generated for NAME.bpf.c:
//   fsbpf::Skeleton<NAME_bpf, NAME_bpf__open, NAME_bpf__destroy>
template <typename Skel, Skel *(*Open)(), void (*Destroy)(Skel *)>
class Skeleton {
public:
	Skel *operator->() const { return skel_.get(); }
	Skel &operator*() const { return *skel_; }
	explicit operator bool() const { return skel_ != nullptr; }
	Skel *get() const { return skel_.get(); }
	void reset()
	{
		skel_.reset();
		kretprobes_.remove();
	}

	// Opens the object afresh: 0 or -errno.
	int open()
	{
		reset();
		skel_.reset(Open());
		return skel_ ? 0 : errno ? -errno : -ENOMEM;
	}

	// Opens the object afresh and sets it up with configure(Skel &) (read-only
	// data, map sizes; 0 or -errno), then the SDK's BPF headers it includes;
	// loads the programs keep(name) keeps (at least one), fills the jump
	// tables and attaches the rest, then runs attach_more(Skel &) for
	// programs whose section names no target. On failure nothing stays open:
	// libbpf 1.1 cannot load an object twice.
	template <typename Configure, typename Keep, typename AttachMore>
	int attempt(const plugin::Host &host, Configure configure, Keep keep,
		    AttachMore attach_more)
	{
		int err = open();
		if (!err)
			err = configure(*skel_);
		if (!err)
			err = configure_sdk(host);
		if (!err)
			err = keep_programs(keep);
		if (!err)
			err = bpf_object__load_skeleton(skel_->skeleton);
		if (!err)
			err = fill_jump_tables();
		if (!err)
			err = attach_kretprobes();
		if (!err)
			err = bpf_object__attach_skeleton(skel_->skeleton);
		if (!err)
			err = attach_more(*skel_);
		if (err)
			reset();
		return err;
	}
	template <typename Configure, typename Keep>
	int attempt(const plugin::Host &host, Configure configure, Keep keep)
	{
		return attempt(host, configure, keep, [](Skel &) { return 0; });
	}

	// Detaches every program, all at once (LinkReleaser): syncsnoop's twelve
	// tracepoints took 0.87 s one after the other.
	void detach() const
	{
		LinkReleaser links;
		const bpf_object_skeleton &skeleton = *skel_->skeleton;
		for (int i = 0; i < skeleton.prog_cnt; i++)
			if (bpf_link *link = std::exchange(*skeleton.progs[i].link, nullptr))
				links.release(link);
	}
	uint64_t skips(const plugin::Host &host) const
	{
		return kernel_skips(host, *skel_->obj) + kretprobes_.missed();
	}

	// Runs prog at the return of function (fsbpf/kretprobe.hpp), for a
	// program whose section names no function: 0 or -errno.
	int attach_kretprobe(bpf_program *prog, const char *function, bpf_link *&link)
	{
		std::string_view owner = skel_->skeleton->name;
		if (owner.ends_with("_bpf"))
			owner.remove_suffix(4);
		return kretprobes_.attach(owner, prog, function, &link);
	}

private:
	struct Deleter {
		void operator()(Skel *skel) const { Destroy(skel); }
	};

	// The settings of bpf/stash.bpf.h and bpf/ringbuf.bpf.h, for objects
	// that include them: 0 or -errno.
	int configure_sdk(const plugin::Host &host) const
	{
		Skel &skel = *skel_;
		int err = 0;
		if constexpr (requires { skel.rodata->fsbpf_stash_in_task; })
			err = place_stashes(skel, host);
		if constexpr (requires { skel.rodata->fsbpf_ring_wakeup_bytes; })
			err = err ? err : pace_ring_wakeups(skel);
		return err;
	}

	// The loaded programs whose section names a kretprobe's function, before
	// libbpf would attach them with the kernel's default maxactive.
	int attach_kretprobes()
	{
		constexpr std::string_view kSection = "kretprobe/";
		const bpf_object_skeleton &skeleton = *skel_->skeleton;
		for (int i = 0; i < skeleton.prog_cnt; i++) {
			bpf_program *prog = *skeleton.progs[i].prog;
			const std::string_view section = bpf_program__section_name(prog);
			if (!bpf_program__autoload(prog) || !section.starts_with(kSection))
				continue;
			const std::string function(section.substr(kSection.size()));
			if (int err = attach_kretprobe(prog, function.c_str(),
						       *skeleton.progs[i].link))
				return err;
		}
		return 0;
	}

	// -ENOENT when keep keeps none: a backend without programs traces nothing.
	template <typename Keep>
	int keep_programs(Keep keep) const
	{
		size_t kept = 0;
		bpf_program *prog = nullptr;
		bpf_object__for_each_program (prog, skel_->obj) {
			const bool wanted = keep(std::string_view(bpf_program__name(prog)));
			bpf_program__set_autoload(prog, wanted);
			bpf_program__set_autoattach(prog, !jump_table_of(prog));
			kept += wanted ? 1 : 0;
		}
		return kept > 0 ? 0 : -ENOENT;
	}

	// A jump table is a one-slot BPF_MAP_TYPE_PROG_ARRAY named after the
	// program it holds, variant suffixes aside (filetop's fexit_count holds
	// fexit_count_cast or fexit_count_core). Programs that share one body
	// tail-call it, so the verifier checks the body once. It runs only
	// through them: it is never attached itself.
	bpf_map *jump_table_of(const bpf_program *prog) const
	{
		bpf_map *map = bpf_object__find_map_by_name(
			skel_->obj, std::string(variant_stem(bpf_program__name(prog))).c_str());
		return map && bpf_map__type(map) == BPF_MAP_TYPE_PROG_ARRAY ? map : nullptr;
	}

	// Puts each loaded jump target in its table before anything that jumps
	// there is attached.
	int fill_jump_tables() const
	{
		bpf_program *prog = nullptr;
		bpf_object__for_each_program (prog, skel_->obj) {
			bpf_map *table = jump_table_of(prog);
			if (!table || !bpf_program__autoload(prog))
				continue;
			const uint32_t slot = 0;
			const int fd = bpf_program__fd(prog);
			if (bpf_map__update_elem(table, &slot, sizeof(slot), &fd, sizeof(fd),
						 BPF_ANY))
				return -errno;
		}
		return 0;
	}

	// Declared before skel_, so that they go after the links that use them.
	Kretprobes kretprobes_;
	std::unique_ptr<Skel, Deleter> skel_;
};

} // namespace fsbpf
