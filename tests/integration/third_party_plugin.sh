#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Installs fsbpf into a scratch root, builds a plain-C plugin against the
# installed header through pkg-config, and runs it through the installed fsbpf.
set -eu
build_dir=$1
source_dir=$(cd "$(dirname "$0")" && pwd)
# Not under /tmp: fsbpf refuses plugins below a directory others can write to.
root=$(mktemp -d "$build_dir/fsbpf-install.XXXXXX")
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"

meson install -C "$build_dir" --no-rebuild --quiet --destdir "$root"
prefix=$(meson introspect "$build_dir" --buildoptions |
	python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
pcdir=$(find "$root" -name fsbpf.pc -printf '%h\n' | head -n1)
# fsbpf.pc is relocatable: its prefix is where it lies.
export PKG_CONFIG_PATH="$pcdir"

mkdir -m 755 "$root/plugins"
cc -shared -fPIC -fvisibility=hidden -Wall -Werror $(pkg-config --cflags fsbpf) \
	-o "$root/plugins/hello.so" "$source_dir/third_party/hello.c"

fsbpf="$root$prefix/bin/fsbpf"
export FSBPF_PLUGIN_PATH="$root/plugins"
fail() { echo "FAIL: $*" >&2; exit 1; }

"$fsbpf" list --names | grep -qx hello || fail "hello is not listed"
"$fsbpf" list --names | grep -qx syncsnoop || fail "installed syncsnoop is not listed"
# The host writes every record's envelope, also for a plugin of an older ABI (T: its time).
out=$("$fsbpf" hello --json -n 3 --name "C plugin" |
	sed -E 's/"time_ns":[0-9]+,"time":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{18}Z"/T/')
envelope='"tool":"hello","schema":1,T'
expected='{"record":"row",'$envelope',"row":0,"greeting":"C plugin"}
{"record":"row",'$envelope',"row":1,"greeting":"C plugin"}
{"record":"row",'$envelope',"row":2,"greeting":"C plugin"}
{"record":"summary",'$envelope',"kernel_has_vfs_read":1}'
[ "$out" = "$expected" ] || fail "unexpected output: $out"
"$fsbpf" hello -n 0 >/dev/null 2>&1 && fail "-n 0 is outside the declared range"
[ -L "$root$prefix/bin/syncsnoop" ] || fail "no syncsnoop symlink installed"
out=$("$root$prefix/bin/syncsnoop" --help) || fail "syncsnoop symlink does not run"
echo "$out" | grep -q 'Trace sync' || fail "syncsnoop symlink did not dispatch: $out"
echo "third-party plugin: ok"
