/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* An ABI major version fsbpf does not have. */
#include "test_plugin.h"

TEST_BACKENDS(backends);

static const struct fsbpf_command commands[] = {
	TEST_COMMAND("abimajortool", backends),
};

FSBPF_EXPORT const struct fsbpf_plugin fsbpf_plugin =
	TEST_PLUGIN_ABI("abi_major", commands, FSBPF_ABI_MAJOR + 1, FSBPF_ABI_MINOR);
