/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A command whose run callback is a non-null address outside the plugin. */
#include "test_plugin.h"

typedef int (*run_fn)(void *state, const struct fsbpf_host *host);

TEST_BACKENDS(backends);

static const struct fsbpf_command commands[] = {
	TEST_COMMAND_RUNNING("badcallback", backends, (run_fn)(uintptr_t)4096),
};

FSBPF_EXPORT const struct fsbpf_plugin fsbpf_plugin = TEST_PLUGIN("bad_callback", commands);
