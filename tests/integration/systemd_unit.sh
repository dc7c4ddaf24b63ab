#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The installed fsbpf-exporter.service: systemd-analyze verifies it and rates
# its sandbox at 5.0 or better (lower is safer), as installed by meson.
#   systemd_unit.sh BUILD_DIR
set -eu
# shellcheck source=installed.sh
. "$(dirname "$0")/installed.sh"
unit=$(find "$destdir" -name fsbpf-exporter.service)
[ -n "$unit" ] || { echo "systemd_unit: meson install put no fsbpf-exporter.service"; exit 1; }
prefix=$(sed -n 's|^ExecStart=\(.*\)/bin/fsbpf .*|\1|p' "$unit")
# The unit names its installed paths: check it against the staged copies.
sed "s|$prefix/|$destdir$prefix/|g" "$unit" >"$destdir/fsbpf-exporter.service"
systemd-analyze verify "$destdir/fsbpf-exporter.service"
status=0
rating=$(systemd-analyze security --offline=yes --threshold=50 \
	"$destdir/fsbpf-exporter.service") || status=$?
printf '%s\n' "$rating" | tail -n 1
exit "$status"
