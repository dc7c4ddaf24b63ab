/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A backend table one byte off its alignment: the host reads it in place. */
#include "test_plugin.h"

static const struct {
	char pad;
	struct fsbpf_backend backend;
} __attribute__((packed))
misaligned = {0, {"fentry", FSBPF_ATTACH_FENTRY, "A backend at an odd address"}};

static const struct fsbpf_command commands[] = {
	{
		.size = sizeof(struct fsbpf_command),
		.name = "misaligned",
		.summary = "A command of a test plugin",
		.backends = (const struct fsbpf_backend *)((const char *)&misaligned + 1),
		.backend_count = 1,
		.create = test_create,
		.destroy = test_destroy,
		.add_options = test_add_options,
		.run = test_run,
	},
};

FSBPF_EXPORT const struct fsbpf_plugin fsbpf_plugin = TEST_PLUGIN("misaligned", commands);
