/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A well-formed header whose name points to an unmapped page below the plugin. */
#include "test_plugin.h"

TEST_BACKENDS(backends);

static const struct fsbpf_command commands[] = {
	TEST_COMMAND("badpointer", backends),
};

FSBPF_EXPORT const struct fsbpf_plugin fsbpf_plugin =
	TEST_PLUGIN((const char *)(uintptr_t)16, commands);
