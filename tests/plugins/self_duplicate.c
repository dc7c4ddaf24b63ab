/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* One plugin that names two of its own commands alike. */
#include "test_plugin.h"

TEST_BACKENDS(backends);

static const struct fsbpf_command commands[] = {
	TEST_COMMAND("twintool", backends),
	TEST_COMMAND("twintool", backends),
};

FSBPF_EXPORT const struct fsbpf_plugin fsbpf_plugin = TEST_PLUGIN("self_duplicate", commands);
