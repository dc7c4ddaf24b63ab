/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A valid plugin with code that runs as soon as it is loaded: it creates the
 * file FSBPF_TEST_MARKER names, which shows whether dlopen ever ran.
 */
#include "test_plugin.h"

#include <stdio.h>
#include <stdlib.h>

__attribute__((constructor)) static void leave_marker(void)
{
	const char *marker = getenv("FSBPF_TEST_MARKER");
	FILE *file = marker ? fopen(marker, "w") : NULL;

	if (file)
		fclose(file);
}

TEST_BACKENDS(backends);

static const struct fsbpf_command commands[] = {
	TEST_COMMAND("markertool", backends),
};

FSBPF_EXPORT const struct fsbpf_plugin fsbpf_plugin = TEST_PLUGIN("constructor", commands);
