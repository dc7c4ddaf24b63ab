#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Builds one BPF program into its skeleton header, the way every fsbpf tool does:
#   skeleton.sh CLANG BPFTOOL INPUT.bpf.c OUTPUT.skel.h DEPFILE [CFLAGS...]
# The object is named after the input (syncsnoop.bpf.c -> struct syncsnoop_bpf).
# CFLAGS name the include directories; the target flags are the same for all.
set -eu
clang=$1 bpftool=$2 input=$3 output=$4 depfile=$5
shift 5
object="${output%.skel.h}.o"
"$clang" -target bpf -g -O2 -D__TARGET_ARCH_x86 "$@" -MD -MF "$depfile" -MT "$output" -c "$input" -o "$object"
# Skeletons are included from C++: bpftool writes C's _Bool for .kconfig
# booleans, which g++ takes as an extension and clang++ refuses.
"$bpftool" gen skeleton "$object" > "$output.tmp"
sed -i 's/\b_Bool\b/bool/g' "$output.tmp"
mv "$output.tmp" "$output"
