// SPDX-License-Identifier: GPL-2.0
// filelife's user side fed ring-buffer records of any bytes: decoding never
// reads past a record, and names resolve or are counted without a crash.
#include "names.hpp"

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	// The ring hands records of any length; the buffer beyond them is not ours.
	std::vector<uint8_t> record(data, data + size);
	record.resize(std::max(size, sizeof(filelife_event)));
	filelife_event event{};
	std::memcpy(&event, record.data(), sizeof(event));
	std::array<filelife::EventName, 2> names;
	if (!filelife::decode_names(event, size, names))
		return 0;
	filelife::Names resolver(event.flags & 1, 1, [](const std::string &) {
		return std::optional<filelife::Inode>();
	});
	for (const filelife::EventName &name : names)
		resolver.resolve(name, event.mntns);
	if (event.kind == FILELIFE_RMDIR)
		resolver.directory_removed(names[0], event.mntns);
	const std::optional<filelife::Name> from = resolver.resolve(names[0], event.mntns);
	const std::optional<filelife::Name> to = resolver.resolve(names[1], event.mntns);
	if (from && to)
		resolver.renamed(*from, *to);
	return 0;
}
