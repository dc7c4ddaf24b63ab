// SPDX-License-Identifier: GPL-2.0
#include "library_paths.hpp"

#include "trusted_path.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <elf.h>
#include <link.h>
#include <optional>
#include <unistd.h>
#include <vector>

namespace fsbpf {
namespace {

constexpr unsigned char kNativeClass = sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32;
constexpr unsigned char kNativeData = __BYTE_ORDER == __LITTLE_ENDIAN ? ELFDATA2LSB : ELFDATA2MSB;
constexpr size_t kMaxProgramHeaders = 256;
constexpr size_t kMaxDynamicEntries = 4096;
constexpr size_t kMaxPathList = 65536;

// Reads exactly `count` objects at `offset`.
template <class T>
bool read_at(int fd, uint64_t offset, T *out, size_t count = 1)
{
	const size_t size = sizeof(T) * count;
	return offset <= static_cast<uint64_t>(INT64_MAX) &&
	       pread(fd, out, size, static_cast<off_t>(offset)) == static_cast<ssize_t>(size);
}

struct Headers {
	ElfW(Ehdr) elf{};
	std::vector<ElfW(Phdr)> programs;
	std::string error;
};

std::string elf_header_problem(const ElfW(Ehdr) & elf, ssize_t got)
{
	if (got < SELFMAG || std::memcmp(elf.e_ident, ELFMAG, SELFMAG) != 0)
		return "not an ELF shared object";
	if (got < static_cast<ssize_t>(sizeof(elf)))
		return "ELF header is truncated";
	if (elf.e_ident[EI_CLASS] != kNativeClass || elf.e_ident[EI_DATA] != kNativeData)
		return "ELF class or byte order differs from fsbpf's";
	if (elf.e_type != ET_DYN)
		return "not an ELF shared object";
	if (elf.e_phentsize != sizeof(ElfW(Phdr)) || elf.e_phnum == 0 ||
	    elf.e_phnum > kMaxProgramHeaders)
		return "ELF program headers are malformed";
	return {};
}

Headers read_headers(int fd)
{
	Headers headers;
	const ssize_t got = pread(fd, &headers.elf, sizeof(headers.elf), 0);
	headers.error = elf_header_problem(headers.elf, got);
	if (!headers.error.empty())
		return headers;
	headers.programs.resize(headers.elf.e_phnum);
	if (!read_at(fd, headers.elf.e_phoff, headers.programs.data(), headers.programs.size()))
		headers.error = "ELF program headers lie outside the file";
	return headers;
}

// The file offset of a virtual address, through the segment that loads it.
std::optional<uint64_t> file_offset(const std::vector<ElfW(Phdr)> &programs, uint64_t address)
{
	for (const ElfW(Phdr) & ph : programs)
		if (ph.p_type == PT_LOAD && address >= ph.p_vaddr &&
		    address - ph.p_vaddr < ph.p_filesz)
			return ph.p_offset + (address - ph.p_vaddr);
	return std::nullopt;
}

struct DynamicTags {
	std::optional<uint64_t> strtab, strsz, rpath, runpath;
	bool readable = true;
};

DynamicTags read_dynamic_tags(int fd, const ElfW(Phdr) & dynamic)
{
	const size_t count =
		std::min<size_t>(dynamic.p_filesz / sizeof(ElfW(Dyn)), kMaxDynamicEntries);
	std::vector<ElfW(Dyn)> entries(count);
	DynamicTags tags;
	tags.readable = read_at(fd, dynamic.p_offset, entries.data(), entries.size());
	for (size_t i = 0; tags.readable && i < count && entries[i].d_tag != DT_NULL; i++) {
		const ElfW(Dyn) &entry = entries[i];
		if (entry.d_tag == DT_STRTAB)
			tags.strtab = entry.d_un.d_ptr;
		else if (entry.d_tag == DT_STRSZ)
			tags.strsz = entry.d_un.d_val;
		else if (entry.d_tag == DT_RPATH)
			tags.rpath = entry.d_un.d_val;
		else if (entry.d_tag == DT_RUNPATH)
			tags.runpath = entry.d_un.d_val;
	}
	return tags;
}

// String `index` of the string table at file offset `table` of `size` bytes.
std::optional<std::string> read_string(int fd, uint64_t table, uint64_t size, uint64_t index)
{
	if (index >= size)
		return std::nullopt;
	std::vector<char> buf(std::min<uint64_t>(size - index, kMaxPathList));
	const ssize_t got = pread(fd, buf.data(), buf.size(), static_cast<off_t>(table + index));
	const auto end = buf.begin() + std::max<ssize_t>(got, 0);
	const auto nul = std::find(buf.begin(), end, '\0');
	if (nul == end)
		return std::nullopt;
	return std::string(buf.begin(), nul);
}

LibraryPaths read_path_strings(int fd, const Headers &headers, const DynamicTags &tags)
{
	LibraryPaths paths;
	const std::optional<uint64_t> table =
		tags.strtab ? file_offset(headers.programs, *tags.strtab) : std::nullopt;
	if (!table || !tags.strsz) {
		paths.error = "ELF dynamic string table lies outside the file";
		return paths;
	}
	if (tags.rpath)
		paths.rpath = read_string(fd, *table, *tags.strsz, *tags.rpath);
	if (tags.runpath)
		paths.runpath = read_string(fd, *table, *tags.strsz, *tags.runpath);
	if ((tags.rpath && !paths.rpath) || (tags.runpath && !paths.runpath))
		paths.error = "ELF RPATH or RUNPATH lies outside its string table";
	return paths;
}

// The length of an $ORIGIN or ${ORIGIN} token whose name starts at `at`, else
// 0: the dynamic linker's $LIB and $PLATFORM, or a '$' of its own.
size_t origin_token_length(const std::string &entry, size_t at)
{
	if (entry.compare(at, 8, "{ORIGIN}") == 0)
		return 8;
	if (entry.compare(at, 6, "ORIGIN") != 0)
		return 0;
	const size_t next = at + 6;
	const bool ends =
		next == entry.size() ||
		!(std::isalnum(static_cast<unsigned char>(entry[next])) || entry[next] == '_');
	return ends ? 6 : 0;
}

std::optional<std::string> expand_origin(const std::string &entry, const std::string &origin)
{
	std::string expanded;
	for (size_t i = 0; i < entry.size(); i++) {
		if (entry[i] != '$') {
			expanded += entry[i];
			continue;
		}
		const size_t length = origin_token_length(entry, i + 1);
		if (length == 0)
			return std::nullopt;
		expanded += origin;
		i += length;
	}
	return expanded;
}

std::string check_entry(const char *kind, const std::string &entry, const std::string &origin,
			uid_t trusted_uid)
{
	const std::optional<std::string> dir = expand_origin(entry, origin);
	if (!dir)
		return fmt::format("{} entry '{}' uses a substitution other than $ORIGIN", kind,
				   entry);
	if (dir->empty() || dir->front() != '/')
		return fmt::format("{} entry '{}' is relative", kind, entry);
	if (std::string why = check_trusted_directory(*dir, trusted_uid); !why.empty())
		return fmt::format("{} entry '{}': {}", kind, entry, why);
	return {};
}

// An empty entry, like a relative one, means the working directory to the
// dynamic linker.
std::string check_list(const char *kind, const std::optional<std::string> &list,
		       const std::string &origin, uid_t trusted_uid)
{
	if (!list)
		return {};
	size_t start = 0;
	while (true) {
		const size_t colon = list->find(':', start);
		const std::string entry = list->substr(start, colon - start);
		if (std::string why = check_entry(kind, entry, origin, trusted_uid); !why.empty())
			return why;
		if (colon == std::string::npos)
			return {};
		start = colon + 1;
	}
}

} // namespace

LibraryPaths read_library_paths(int fd)
{
	const Headers headers = read_headers(fd);
	if (!headers.error.empty())
		return {std::nullopt, std::nullopt, headers.error};
	const auto dynamic =
		std::find_if(headers.programs.begin(), headers.programs.end(),
			     [](const ElfW(Phdr) & ph) { return ph.p_type == PT_DYNAMIC; });
	if (dynamic == headers.programs.end())
		return {};
	const DynamicTags tags = read_dynamic_tags(fd, *dynamic);
	if (!tags.readable)
		return {std::nullopt, std::nullopt, "ELF dynamic section lies outside the file"};
	if (!tags.rpath && !tags.runpath)
		return {};
	return read_path_strings(fd, headers, tags);
}

std::string check_library_paths(int fd, const std::string &origin, uid_t trusted_uid)
{
	const LibraryPaths paths = read_library_paths(fd);
	if (!paths.error.empty())
		return paths.error;
	if (std::string why = check_list("RPATH", paths.rpath, origin, trusted_uid); !why.empty())
		return why;
	return check_list("RUNPATH", paths.runpath, origin, trusted_uid);
}

} // namespace fsbpf
