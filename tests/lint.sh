#!/bin/sh
# Lint as a test, with the clang-format and clang-tidy that Debian ships:
#   lint.sh format          zero formatting differences
#   lint.sh tidy BUILD_DIR  zero clang-tidy findings (.clang-tidy) in our code
set -eu
cd "$(dirname "$0")/.."

sources() {
	find core include plugins bpf tests bench -name "$@" | grep -v '^bpf/vmlinux.h$' | sort
}

case "${1:-}" in
format)
	sources '*.[ch]' -o -name '*.[ch]pp' | xargs clang-format --dry-run --Werror
	;;
tidy)
	# Skeleton headers are bpftool's output, not ours: their findings are dropped.
	findings=$(sources '*.cpp' | xargs clang-tidy -p "$2" --quiet 2>/dev/null |
		grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' | grep -v '\.skel\.h:' || true)
	if [ -n "$findings" ]; then
		printf '%s\n' "$findings"
		exit 1
	fi
	;;
*)
	echo "usage: $0 format | tidy BUILD_DIR" >&2
	exit 2
	;;
esac
