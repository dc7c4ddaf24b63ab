/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Built for ABI 1.0, before the host table grew: must still load. */
#include "test_plugin.h"

TEST_BACKENDS(backends);

static const struct fsbpf_command commands[] = {
	TEST_COMMAND("oldtool", backends),
};

FSBPF_EXPORT const struct fsbpf_plugin fsbpf_plugin =
	TEST_PLUGIN_ABI("abi_older_minor", commands, FSBPF_ABI_MAJOR, 0);
