#!/bin/sh
# Formatting is checked like a test: clang-format from Debian, zero diffs.
set -eu
cd "$(dirname "$0")/.."
find core include plugins bpf tests -name '*.[ch]' -o -name '*.[ch]pp' |
	grep -v '^bpf/vmlinux.h$' | sort | xargs clang-format --dry-run --Werror
