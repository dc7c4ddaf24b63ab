/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A command whose create() fails: the plugin must be skipped, and nothing else. */
#include "test_plugin.h"

static void *null_create(void)
{
	return NULL;
}

TEST_BACKENDS(backends);

static const struct fsbpf_command commands[] = {
	TEST_COMMAND_OF("nulltool", backends, 1, null_create, test_add_options, test_run),
};

FSBPF_EXPORT const struct fsbpf_plugin fsbpf_plugin = TEST_PLUGIN("null_state", commands);
