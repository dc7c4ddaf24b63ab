/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A well-formed header whose name points above the plugin, into kernel space. */
#include "test_plugin.h"

TEST_BACKENDS(backends);

static const struct fsbpf_command commands[] = {
	TEST_COMMAND("highpointer", backends),
};

FSBPF_EXPORT const struct fsbpf_plugin fsbpf_plugin =
	TEST_PLUGIN((const char *)(UINTPTR_MAX - 4095), commands);
