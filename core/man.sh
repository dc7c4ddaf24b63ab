#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Build step: a man page from a command's own --help and --version (help2man),
# with the sections of INCLUDE added (help2man's include format), so options
# and examples are written once, in the code.
#   man.sh OUTPUT INCLUDE FSBPF [TOOL]   fsbpf(8), or fsbpf-TOOL(8)
set -eu
output=$1 include=$2 fsbpf=$3 tool=${4:-}
title=$(printf 'fsbpf%s' "${tool:+-$tool}" | tr '[:lower:]' '[:upper:]')
help2man --no-info --no-discard-stderr --section 8 --include "$include" \
	--output "$output.tmp" "$fsbpf${tool:+ $tool}"
sed "s/^\.TH FSBPF /.TH $title /" "$output.tmp" >"$output"
rm -f "$output.tmp"
