#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Lint as a test, with the clang-format and clang-tidy that Debian ships:
#   lint.sh format          zero formatting differences
#   lint.sh tidy BUILD_DIR  zero clang-tidy findings (.clang-tidy) in our code
#   lint.sh licenses        every source file names a license LICENSE lists
set -eu
cd "$(dirname "$0")/.."

# examples/ is built out of tree (tests/integration/example_plugin.sh), so
# the build's compile commands, which clang-tidy reads, do not cover it.
sources() {
	find core include plugins bpf tests bench ${with_examples:-} -name "$@" |
		grep -v '^bpf/vmlinux.h$' | sort
}

case "${1:-}" in
format)
	with_examples=examples
	sources '*.[ch]' -o -name '*.[ch]pp' | xargs clang-format --dry-run --Werror
	;;
tidy)
	# One clang-tidy per file, as many at once as there are cores, each into a
	# file of its own so that no two reports interleave. The static analyzer
	# is three quarters of the time and finds nothing in gtest bodies, so test
	# code gets the other checks only.
	out=$(mktemp -d)
	trap 'rm -rf "$out"' EXIT
	sources '*.cpp' | xargs -P "$(nproc)" -I{} sh -c '
		case "$2" in
		tests/* | *_test.cpp) light=--checks=-clang-analyzer-* ;;
		*) light= ;;
		esac
		clang-tidy -p "$1" --quiet ${light:+"$light"} "$2" >"$3/$(printf %s "$2" | tr / _)" 2>/dev/null' \
		tidy "$2" {} "$out" || true
	# Skeleton headers are bpftool's output, not ours: their findings are dropped.
	findings=$(cat "$out"/* | grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' |
		grep -v '\.skel\.h:' | sort -u || true)
	if [ -n "$findings" ]; then
		printf '%s\n' "$findings"
		exit 1
	fi
	;;
licenses)
	bad=$(find core include plugins bpf tests bench examples run meson.build meson_options.txt \
		\( -name '*.[ch]' -o -name '*.[ch]pp' -o -name '*.py' -o -name '*.sh' -o -name '*.bash' \
		-o -name meson.build -o -name meson_options.txt -o -name run \) |
		grep -v '^bpf/vmlinux.h$' | sort | while read -r file; do
			id=$(head -3 "$file" | sed -n 's,.*SPDX-License-Identifier: \(.*\)$,\1,p' |
				sed 's, \*/$,,')
			case "$id" in
			"GPL-2.0" | "(LGPL-2.1 OR BSD-2-Clause)") ;;
			*) echo "$file: ${id:-no SPDX-License-Identifier}" ;;
			esac
		done)
	for text in GPL-2.0 LGPL-2.1 BSD-2-Clause; do
		[ -s "LICENSES/$text.txt" ] || bad="$bad
LICENSES/$text.txt: missing"
	done
	if [ -n "$bad" ]; then
		printf '%s\n' "$bad"
		exit 1
	fi
	;;
*)
	echo "usage: $0 format | tidy BUILD_DIR | licenses" >&2
	exit 2
	;;
esac
