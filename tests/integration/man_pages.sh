#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The installed man pages: fsbpf(8) and fsbpf-TOOL(8) for every tool, each
# rendered by man without a warning, with BCC's sections, and naming every
# option its command's --help lists.
#   man_pages.sh BUILD_DIR
set -eu
# shellcheck source=installed.sh
. "$(dirname "$0")/installed.sh"
man8=$(dirname "$(find "$destdir" -path '*/man8/fsbpf.8')")
[ -d "$man8" ] || { echo "man_pages: meson install put no fsbpf.8"; exit 1; }

failures=0
fail() {
	echo "man_pages: $*"
	failures=$((failures + 1))
}
# PAGE SECTIONS... -- COMMAND...
check_page() {
	page=$1
	shift
	[ -f "$page" ] || { fail "no $page"; return; }
	text=$(LC_ALL=C.UTF-8 MANWIDTH=200 man --warnings=all -l "$page" 2>"$destdir/warnings")
	[ -s "$destdir/warnings" ] && fail "$page: $(head -3 "$destdir/warnings")"
	while [ "$1" != -- ]; do
		printf '%s\n' "$text" | grep -qx "$1" || fail "$page has no $1 section"
		shift
	done
	shift
	for option in $(help_options "$@"); do
		printf '%s\n' "$text" | grep -qF -- "$option" || fail "$page does not name $option"
	done
}

check_page "$man8/fsbpf.8" NAME SYNOPSIS DESCRIPTION OPTIONS ENVIRONMENT "EXIT STATUS" -- "$fsbpf"
tools=$("$fsbpf" list --names)
for tool in $tools; do
	check_page "$man8/fsbpf-$tool.8" NAME SYNOPSIS DESCRIPTION OPTIONS FIELDS OVERHEAD \
		EXAMPLES -- "$fsbpf" "$tool"
done
echo "man_pages: fsbpf.8 and $(echo $tools | wc -w) tool pages; $failures failures"
[ "$failures" -eq 0 ]
