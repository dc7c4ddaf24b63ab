#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# meson install step: one symlink per subcommand beside the installed fsbpf,
# named from the same table dispatch reads (`fsbpf list --names`).
set -eu
built_fsbpf=$1
bindir="${MESON_INSTALL_DESTDIR_PREFIX}/$2"
names=$("$built_fsbpf" list --names)
for name in $names; do
	ln -sfn fsbpf "$bindir/$name"
done
