#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The Debian package, built as a packager builds it: dpkg-buildpackage makes
# fsbpf and fsbpf-dev, lintian finds no error, the installed fsbpf runs its
# tools from its own plugin directory, and no file of either package is a
# file of Debian's libbpf-tools or bpfcc-tools.
#   debian_package.sh SOURCE_DIR
set -eu
source_dir=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/src"
tar -C "$source_dir" --exclude=./build --exclude='./obj-*' --exclude=./.git -cf - . |
	tar -C "$work/src" -xf -
(cd "$work/src" && dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1) || {
	tail -n 30 "$work/build.log"
	echo "debian_package: dpkg-buildpackage failed"
	exit 1
}
cd "$work"
lintian --fail-on error ./*.changes >lintian.log 2>&1 || {
	cat lintian.log
	echo "debian_package: lintian found errors"
	exit 1
}
grep -v 'running with root privileges' lintian.log || true

# Unpacked in a throwaway root, fsbpf finds its plugins beside itself.
dpkg-deb -x fsbpf_*_amd64.deb root
tools=$(root/usr/sbin/fsbpf list --names | tr '\n' ' ')
[ "$tools" = "filelife filetop syncsnoop " ] || {
	echo "debian_package: the installed fsbpf lists '$tools'"
	exit 1
}
for page in fsbpf fsbpf-filetop fsbpf-filelife fsbpf-syncsnoop; do
	[ -f "root/usr/share/man/man8/$page.8.gz" ] || { echo "debian_package: no $page(8)"; exit 1; }
done

# The files (not directories) each package ships.
files_of() {
	dpkg-deb -c "$1" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\./|/|' | sort
}
files_of fsbpf_*_amd64.deb >ours
files_of fsbpf-dev_*_amd64.deb >>ours
apt-get download -qq -o APT::Sandbox::User=root libbpf-tools bpfcc-tools >/dev/null
for deb in libbpf-tools_*.deb bpfcc-tools_*.deb; do
	files_of "$deb" >theirs
	common=$(sort ours | comm -12 - theirs)
	[ -z "$common" ] || { echo "debian_package: $deb also ships: $common"; exit 1; }
done
echo "debian_package: fsbpf and fsbpf-dev built, lintian clean of errors," \
	"$(wc -l <ours) files, none shared with libbpf-tools or bpfcc-tools"
