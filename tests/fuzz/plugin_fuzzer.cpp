// SPDX-License-Identifier: GPL-2.0
// What the loader reads of a plugin before running any of its code: the ELF
// dynamic section (RPATH, RUNPATH) of the file, and the descriptor found by
// dlsym. Fed any bytes, each is refused with a reason or accepted whole;
// nothing it accepts points outside the object or at anything but code.
//
// The first byte picks the target: even, a descriptor; odd, an ELF file.
#include "library_paths.hpp"
#include "plugin_loader.hpp"

#include <algorithm>
#include <dlfcn.h>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace {

void check(bool ok)
{
	if (!ok)
		std::abort();
}

// An entry the dynamic linker would resolve from /: absolute, or $ORIGIN.
bool is_anchored(const std::string &entry)
{
	return entry.starts_with('/') || entry.starts_with("$ORIGIN") ||
	       entry.starts_with("${ORIGIN}");
}

bool every_entry_anchored(const std::optional<std::string> &list)
{
	if (!list)
		return true;
	size_t start = 0;
	while (true) {
		const size_t colon = list->find(':', start);
		if (!is_anchored(list->substr(start, colon - start)))
			return false;
		if (colon == std::string::npos)
			return true;
		start = colon + 1;
	}
}

void fuzz_elf(const uint8_t *data, size_t size)
{
	const int fd = memfd_create("plugin_fuzzer", MFD_CLOEXEC);
	check(fd >= 0);
	check(write(fd, data, size) == static_cast<ssize_t>(size));
	const fsbpf::LibraryPaths paths = fsbpf::read_library_paths(fd);
	const bool accepted = fsbpf::check_library_paths(fd, "/usr/lib", 0).empty();
	check(!accepted || (paths.error.empty() && every_entry_anchored(paths.rpath) &&
			    every_entry_anchored(paths.runpath)));
	close(fd);
}

// The descriptor and everything it points to live in this object's .bss, as
// a plugin's live in its own: the bytes are the input, and each 8-byte word
// tagged 0xA5 in its top byte becomes a pointer into the arena (its low 12
// bits the offset), each tagged 0xC0 a pointer to code of this object.
constexpr size_t kInputSpan = 4096;
// A command table may reach 64 entries of 4,096 bytes past the last offset:
// that stays inside the arena, all zeros.
constexpr size_t kArenaSize = kInputSpan + size_t{64} * 4096 + 4096;
alignas(16) uint8_t arena[kArenaSize];

bool in_object(const void *pointer, size_t len = 1);

// Any other word that happens to point into this object, which the fuzzer
// can learn from comparisons, is cleared: ASan would take a plugin's read of
// its own bytes for an overflow of the harness' globals.
uintptr_t relocated(uint64_t word)
{
	if (word >> 56 == 0xA5)
		return reinterpret_cast<uintptr_t>(arena + (word & 0xFFF));
	if (word >> 56 == 0xC0)
		return reinterpret_cast<uintptr_t>(&relocated);
	// NOLINTNEXTLINE(performance-no-int-to-ptr): an address only dladdr looks at
	return in_object(reinterpret_cast<const void *>(word)) ? 0 : word;
}

void place_descriptor(const uint8_t *data, size_t size)
{
	std::memset(arena, 0, kInputSpan);
	std::memcpy(arena, data, std::min(size, kInputSpan));
	for (size_t at = 0; at + 8 <= kInputSpan; at += 8) {
		uint64_t word = 0;
		std::memcpy(&word, arena + at, 8);
		const uintptr_t pointer = relocated(word);
		std::memcpy(arena + at, &pointer, 8);
	}
}

// Inside this executable, the object the descriptor came from.
bool in_object(const void *pointer, size_t len)
{
	static const void *const base = [] {
		Dl_info info{};
		check(dladdr(arena, &info) != 0);
		return info.dli_fbase;
	}();
	const auto *first = static_cast<const char *>(pointer);
	Dl_info head{};
	Dl_info tail{};
	return len > 0 && dladdr(first, &head) != 0 && head.dli_fbase == base &&
	       dladdr(first + len - 1, &tail) != 0 && tail.dli_fbase == base;
}

bool is_object_string(const char *text)
{
	return in_object(text) && in_object(text, strnlen(text, 4096) + 1);
}

// What an accepted descriptor promises the host.
void check_accepted(const fsbpf_plugin &plugin)
{
	check(is_object_string(plugin.name) && is_object_string(plugin.version));
	check(plugin.command_count > 0 && plugin.command_count <= 64);
	check(in_object(plugin.commands, plugin.command_count * plugin.command_size));
	for (size_t i = 0; i < plugin.command_count; i++) {
		fsbpf_command cmd{};
		std::memcpy(&cmd,
			    reinterpret_cast<const uint8_t *>(plugin.commands) +
				    i * plugin.command_size,
			    std::min<size_t>(sizeof(cmd), plugin.command_size));
		check(is_object_string(cmd.name) && is_object_string(cmd.summary));
		check(in_object(reinterpret_cast<const void *>(cmd.run)));
		check(cmd.backend_count == 0 ||
		      in_object(cmd.backends, cmd.backend_count * sizeof(fsbpf_backend)));
	}
}

void fuzz_descriptor(const uint8_t *data, size_t size)
{
	place_descriptor(data, size);
	fsbpf_plugin plugin{};
	const auto *descriptor = reinterpret_cast<const fsbpf_plugin *>(arena);
	if (fsbpf::validate_descriptor(descriptor).empty()) {
		std::memcpy(&plugin, arena, sizeof(plugin));
		check_accepted(plugin);
	}
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] % 2 == 0)
		fuzz_descriptor(data + 1, size - 1);
	else
		fuzz_elf(data + 1, size - 1);
	return 0;
}
