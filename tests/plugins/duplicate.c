/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Valid, but its command has the name good.c already provides. */
#include "test_plugin.h"

TEST_BACKENDS(backends);

static const struct fsbpf_command commands[] = {
	TEST_COMMAND("testtool", backends),
};

FSBPF_EXPORT const struct fsbpf_plugin fsbpf_plugin = TEST_PLUGIN("duplicate", commands);
