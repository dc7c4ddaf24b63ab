/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A backend table one byte off its alignment: the host reads it in place. */
#include "test_plugin.h"

static const struct {
	char pad;
	struct fsbpf_backend backend;
} __attribute__((packed))
misaligned = {0, {"fentry", FSBPF_ATTACH_FENTRY, "A backend at an odd address"}};

static const struct fsbpf_command commands[] = {
	TEST_COMMAND_OF("misaligned", (const struct fsbpf_backend *)((const char *)&misaligned + 1),
			1, test_create, test_add_options, test_run),
};

FSBPF_EXPORT const struct fsbpf_plugin fsbpf_plugin = TEST_PLUGIN("misaligned", commands);
