/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Valid, but its command has a name fsbpf reserves for itself. */
#include "test_plugin.h"

TEST_BACKENDS(backends);

static const struct fsbpf_command commands[] = {
	TEST_COMMAND("list", backends),
};

FSBPF_EXPORT const struct fsbpf_plugin fsbpf_plugin = TEST_PLUGIN("reserved", commands);
