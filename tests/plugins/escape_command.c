/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A command named with a terminal escape: refused, and named once escaped. */
#include "test_plugin.h"

TEST_BACKENDS(backends);

static const struct fsbpf_command commands[] = {
	TEST_COMMAND("bad\x1bname", backends),
};

FSBPF_EXPORT const struct fsbpf_plugin fsbpf_plugin = TEST_PLUGIN("escape_command", commands);
