/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A backend named with a terminal escape, which fsbpf would print in errors. */
#include "test_plugin.h"

static const struct fsbpf_backend backends[] = {
	{"\x1b[2Jfentry", FSBPF_ATTACH_FENTRY, "A backend whose name clears the screen"},
};

static const struct fsbpf_command commands[] = {
	TEST_COMMAND("escape", backends),
};

FSBPF_EXPORT const struct fsbpf_plugin fsbpf_plugin = TEST_PLUGIN("escape", commands);
