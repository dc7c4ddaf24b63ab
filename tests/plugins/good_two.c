/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A second valid plugin, with the command othertool. */
#include "test_plugin.h"

TEST_BACKENDS(backends);

static const struct fsbpf_command commands[] = {
	TEST_COMMAND("othertool", backends),
};

FSBPF_EXPORT const struct fsbpf_plugin fsbpf_plugin = TEST_PLUGIN("good_two", commands);
