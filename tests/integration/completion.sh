#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The installed bash completion: every subcommand after fsbpf, and every
# option of every tool's --help, after fsbpf TOOL and after the TOOL symlink.
#   completion.sh BUILD_DIR
set -eu
# shellcheck source=installed.sh
. "$(dirname "$0")/installed.sh"
completions=$(dirname "$(find "$destdir" -path '*/bash-completion/completions/fsbpf')")
PATH=$(dirname "$fsbpf"):$PATH
# shellcheck source=/dev/null
. "$completions/fsbpf"

failures=0
fail() {
	echo "completion: $*"
	failures=$((failures + 1))
}
# What completing the last word of "$@" offers, one per line.
offered() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	_fsbpf
	printf '%s\n' "${COMPREPLY[@]}"
}
expect_offered() { # WANTED WORDS...
	local wanted=$1
	shift
	offered "$@" | grep -qxF -- "$wanted" || fail "'$*' does not offer $wanted"
}

subcommands=$(fsbpf --help | sed -n '/^Subcommands:/,/^$/s/^  \([a-z][^ ]*\) .*/\1/p')
[ -n "$subcommands" ] || fail "fsbpf --help lists no subcommands"
for subcommand in $subcommands; do
	expect_offered "$subcommand" fsbpf ""
done
tools=$(fsbpf list --names)
for tool in $tools; do
	[ -L "$completions/$tool" ] || fail "no completion link for $tool"
	options=$(help_options fsbpf "$tool")
	[ "$(printf '%s\n' "$options" | wc -l)" -ge 10 ] || fail "$tool --help lists few options"
	for option in $options; do
		expect_offered "$option" fsbpf "$tool" -
		expect_offered "$option" "$tool" -
	done
	expect_offered tracepoint fsbpf "$tool" --backend ""
done
expect_offered --maxrows filetop --max
expect_offered --web-config fsbpf exporter --web
[ "$(offered fsbpf filetop --nosuchoption)" = "" ] || fail "an unknown prefix offers something"
echo "completion: $(echo $tools | wc -w) tools, $(echo $subcommands | wc -w) subcommands; $failures failures"
[ "$failures" -eq 0 ]
