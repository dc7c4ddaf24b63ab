# SPDX-License-Identifier: GPL-2.0
# Sourced by the tests of what meson installs (systemd_unit.sh,
# completion.sh, man_pages.sh) with the build directory as $1: installs it
# into a scratch root, $destdir, removed at exit; $fsbpf is the installed one.
build=$(cd "$1" && pwd)
destdir=$(mktemp -d)
trap 'rm -rf "$destdir"' EXIT
meson install -C "$build" --destdir "$destdir" --no-rebuild >/dev/null
fsbpf=$(find "$destdir" -path '*/bin/fsbpf')

# The option names a command's --help lists, one per line, read apart from
# the completion script under test: "  -r,--rows,--maxrows INT  Rows ...".
help_options() {
	"$@" --help | sed -n 's/^  \(-[^ ]*\).*/\1/p' | tr ',' '\n'
}
