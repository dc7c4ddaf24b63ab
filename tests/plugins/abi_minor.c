/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* An ABI minor version newer than the one fsbpf was built with. */
#include "test_plugin.h"

TEST_BACKENDS(backends);

static const struct fsbpf_command commands[] = {
	TEST_COMMAND("abiminortool", backends),
};

FSBPF_EXPORT const struct fsbpf_plugin fsbpf_plugin =
	TEST_PLUGIN_ABI("abi_minor", commands, FSBPF_ABI_MAJOR, FSBPF_ABI_MINOR + 1);
