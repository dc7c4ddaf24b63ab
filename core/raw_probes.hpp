// SPDX-License-Identifier: GPL-2.0
// Feature probes that load their few instructions with bpf(2) directly,
// taking every BTF id from the host's one parse of the kernel's BTF: a
// libbpf object would parse /sys/kernel/btf/vmlinux again for each probe.
#pragma once

#include "btf.hpp"

#include <fsbpf/skeleton.hpp>

#include <fsbpf/plugin.h>

namespace fsbpf {

// Loads an empty program of the attach type and attaches it to vfs_read or
// sys_enter (getppid's tracepoint). 0 or a negative errno; what keeps it
// attached goes to `attached`, which detaches it off the caller's path.
int raw_probe_attach(fsbpf_attach attach, const KernelBtf &btf, LinkReleaser &attached);

// -errno after a failed call, or fallback when the call left errno at 0.
int errno_or(int fallback);

// Loads a tp_btf program that reads the current task through bpf_rdonly_cast.
int raw_probe_rdonly_cast(const KernelBtf &btf);

} // namespace fsbpf
