/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A descriptor that forgot FSBPF_EXPORT: hidden, so nothing named fsbpf_plugin is exported. */
#include "test_plugin.h"

TEST_BACKENDS(backends);

static const struct fsbpf_command commands[] = {
	TEST_COMMAND("hiddentool", backends),
};

const struct fsbpf_plugin fsbpf_plugin = TEST_PLUGIN("no_descriptor", commands);
