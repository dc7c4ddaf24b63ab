#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Writes file $1 as a C++ raw string literal to $2, for #include.
set -eu
{
	printf 'R"json('
	cat "$1"
	printf ')json"\n'
} >"$2"
