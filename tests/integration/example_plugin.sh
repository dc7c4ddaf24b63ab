#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
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

# A program nobody here wrote, counted by fscalls and by strace in one run:
# once printed by fscalls, once exported by `fsbpf exporter`, which runs
# this third-party plugin's export_metrics through the ABI alone.
wait_for() { # FILE PATTERN WHAT
	tries=0
	until grep -q "$2" "$1" 2>/dev/null; do
		tries=$((tries + 1))
		[ "$tries" -le 1800 ] || { echo "FAIL: $3 did not start" >&2; exit 1; }
		sleep 0.1
	done
}
# compare.py: the counts of the comm "tar" in fscalls' JSON or the exporter's
# textfile against strace's summary.
cat >"$work/compare.py" <<'PY'
import json, re, sys
kinds = {"open": {"open", "creat", "openat", "openat2"},
         "stat": {"stat", "fstat", "lstat", "newfstatat", "statx"},
         "unlink": {"unlink", "unlinkat"}}
source, counted, straced_file = sys.argv[1:4]
text = open(counted).read()
if source == "json":
    records = [json.loads(line) for line in text.splitlines()]
    summary = next(r for r in records if r.get("record") == "summary")
    traced = {kind: sum(r[kind + "s"] for r in records if r.get("comm") == "tar")
              for kind in kinds}
else:
    def value(pattern):
        found = re.search(rf"^{pattern} (\S+)$", text, re.M)
        return int(float(found.group(1))) if found else 0
    traced = {kind: value(rf'fsbpf_fscalls_calls_total\{{call="{kind}",comm="tar"\}}')
              for kind in kinds}
    summary = {reason: value(rf'fsbpf_events_unreported_total\{{tool="fscalls",reason="{reason}"\}}')
               for reason in ("skipped", "table_full")}
calls = {}
for line in open(straced_file):
    fields = line.split()
    if fields and fields[0][0].isdigit():
        calls[fields[-1]] = int(fields[3])
straced = {kind: sum(calls.get(name, 0) for name in names) for kind, names in kinds.items()}
print(f"tar: fscalls ({source}) {traced}, strace {straced}, skipped {summary['skipped']}")
sys.exit(0 if traced == straced and summary["table_full"] == 0 else 1)
PY

FSBPF_PLUGIN_PATH=$out "$build_dir/fsbpf" fscalls -c tar -i 3600 --json \
	>"$work/fscalls.json" 2>"$work/fscalls.err" &
tracer=$!
wait_for "$work/fscalls.err" 'Hit Ctrl-C' fscalls
strace -f -c -o "$work/strace.txt" tar cf "$work/source.tar" -C "$source_dir" include bpf
kill -INT "$tracer"
wait "$tracer"
python3 "$work/compare.py" json "$work/fscalls.json" "$work/strace.txt"

mkdir "$work/textfile"
FSBPF_PLUGIN_PATH=$out "$build_dir/fsbpf" exporter --tools fscalls --listen none \
	--textfile "$work/textfile" --interval 0.1 2>"$work/exporter.err" &
exporter=$!
wait_for "$work/textfile/fsbpf.prom" 'fsbpf_tool_up{tool="fscalls"} 1' "the exporter"
rm -f "$work/source.tar"
strace -f -c -o "$work/strace.txt" tar cf "$work/source.tar" -C "$source_dir" include bpf
kill -TERM "$exporter"
wait "$exporter"
python3 "$work/compare.py" textfile "$work/textfile/fsbpf.prom" "$work/strace.txt"
