#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The unit and root integration tests once more under ASan and UBSan, then
# each libFuzzer harness for a bounded time from its seed corpus, in a clang
# build of their own beside the main one (no man pages, no benchmarks: they
# run from the main build). Any sanitizer report fails.
#   sanitized.sh SOURCE_DIR BUILD_DIR [SECONDS_PER_FUZZER]
set -eu
src=$1
build=$2
seconds=${3:-30}

if [ ! -f "$build/build.ninja" ]; then
	CC=clang CXX=clang++ meson setup "$build" "$src" -Dfuzzers=true \
		-Db_sanitize=address,undefined -Db_lundef=false -Dwerror=false -Dman=disabled \
		-Dbench=false >/dev/null
fi
meson compile -C "$build" >/dev/null || meson compile -C "$build"

export ASAN_OPTIONS=abort_on_error=1:detect_leaks=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
meson test -C "$build" --print-errorlogs --suite unit --suite integration

fuzz() {
	name=$1
	corpus="$build/corpus/$name"
	mkdir -p "$corpus"
	"$build/tests/fuzz/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$build/$name-" \
		-print_final_stats=1 "$corpus" "$src/tests/fuzz/corpus/$name" 2>"$build/$name.log" ||
		{ tail -n 40 "$build/$name.log"; echo "sanitized: $name failed"; return 1; }
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/$name.log")
	echo "sanitized: $name ran $runs inputs in ${seconds} s, no crash"
}

# A fuzzer is one process on one core: as many at a time as there are cores.
status=0
batch=""
for fuzzer in "$src"/tests/fuzz/*_fuzzer.cpp; do
	fuzz "$(basename "$fuzzer" .cpp)" &
	batch="$batch $!"
	[ "$(echo $batch | wc -w)" -lt "$(nproc)" ] && continue
	for pid in $batch; do wait "$pid" || status=1; done
	batch=""
done
for pid in $batch; do wait "$pid" || status=1; done
exit $status
