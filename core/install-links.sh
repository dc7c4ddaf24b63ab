#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# meson install step: one symlink per subcommand beside the installed fsbpf,
# named from the same table dispatch reads (`fsbpf list --names`), and one
# to fsbpf's bash completion for each, which bash-completion loads by name.
#   install-links.sh BUILT_FSBPF BINDIR COMPLETIONS_DIR
set -eu
built_fsbpf=$1
bindir="${MESON_INSTALL_DESTDIR_PREFIX}/$2"
completions="${MESON_INSTALL_DESTDIR_PREFIX}/$3"
names=$("$built_fsbpf" list --names)
for name in $names; do
	ln -sfn fsbpf "$bindir/$name"
	ln -sfn fsbpf "$completions/$name"
done
