/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A command whose create() fails: the plugin must be skipped, and nothing else. */
#include "test_plugin.h"

static void *null_create(void)
{
	return NULL;
}

TEST_BACKENDS(backends);

static const struct fsbpf_command commands[] = {
	{
		.size = sizeof(struct fsbpf_command),
		.name = "nulltool",
		.summary = "A command that cannot create its state",
		.backends = backends,
		.backend_count = 1,
		.create = null_create,
		.destroy = test_destroy,
		.add_options = test_add_options,
		.run = test_run,
	},
};

FSBPF_EXPORT const struct fsbpf_plugin fsbpf_plugin = TEST_PLUGIN("null_state", commands);
