#!/bin/sh
# Builds examples/plugin outside the tree, against the SDK as `meson install`
# lays it out, through pkg-config:
#   example_plugin.sh BUILD_DIR OUT_DIR     leaves fscalls.so in OUT_DIR
#   example_plugin.sh BUILD_DIR             then runs its tests (ExamplePlugin.*)
set -eu
build_dir=$(cd "$1" && pwd)
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
# Not under /tmp: fsbpf refuses plugins below a directory others can write to.
work=$(mktemp -d "$build_dir/sdk-example.XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"

meson install -C "$build_dir" --no-rebuild --quiet --destdir "$work/root"
PKG_CONFIG_PATH=$(find "$work/root" -name fsbpf.pc -printf '%h\n' | head -n1)
export PKG_CONFIG_PATH
meson setup "$work/build" "$source_dir/examples/plugin" >/dev/null
meson compile -C "$work/build" >/dev/null
out=${2:-$work/plugins}
mkdir -p -m 755 "$out"
cp "$work/build/fscalls.so" "$out/"
chmod 644 "$out/fscalls.so"
[ $# -ge 2 ] && exit 0

status=0
FSBPF_EXAMPLE_PLUGIN_PATH=$out FSBPF_BINARY=$build_dir/fsbpf \
	"$build_dir/tests/integration/integration_tests" --gtest_filter='*ExamplePlugin.*' \
	>"$work/gtest.log" 2>&1 || status=$?
cat "$work/gtest.log"
grep -q '^\[  PASSED  \] [1-9]' "$work/gtest.log" || { echo "FAIL: no example test passed" >&2; exit 1; }
[ "$status" -eq 0 ] || exit "$status"

# A program nobody here wrote, counted by fscalls and by strace in one run.
FSBPF_PLUGIN_PATH=$out "$build_dir/fsbpf" fscalls -c tar -i 3600 --json \
	>"$work/fscalls.json" 2>"$work/fscalls.err" &
tracer=$!
tries=0
until grep -q 'Hit Ctrl-C' "$work/fscalls.err"; do
	tries=$((tries + 1))
	[ "$tries" -le 1800 ] || { echo "FAIL: fscalls did not start" >&2; exit 1; }
	sleep 0.1
done
strace -f -c -o "$work/strace.txt" tar cf "$work/source.tar" -C "$source_dir" include bpf
kill -INT "$tracer"
wait "$tracer"
python3 - "$work/fscalls.json" "$work/strace.txt" <<'PY'
import json, sys
kinds = {"opens": {"open", "creat", "openat", "openat2"},
         "stats": {"stat", "fstat", "lstat", "newfstatat", "statx"},
         "unlinks": {"unlink", "unlinkat"}}
records = [json.loads(line) for line in open(sys.argv[1])]
summary = next(r for r in records if r.get("record") == "summary")
traced = {kind: sum(r[kind] for r in records if r.get("comm") == "tar") for kind in kinds}
calls = {}
for line in open(sys.argv[2]):
    fields = line.split()
    if fields and fields[0][0].isdigit():
        calls[fields[-1]] = int(fields[3])
straced = {kind: sum(calls.get(name, 0) for name in names) for kind, names in kinds.items()}
print(f"tar: fscalls {traced}, strace {straced}, skipped {summary['skipped']}")
sys.exit(0 if traced == straced and summary["table_full"] == 0 else 1)
PY
