/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A valid plugin with the command testtool. */
#include "test_plugin.h"

TEST_BACKENDS(backends);

static const struct fsbpf_command commands[] = {
	TEST_COMMAND("testtool", backends),
};

FSBPF_EXPORT const struct fsbpf_plugin fsbpf_plugin = TEST_PLUGIN("good", commands);
