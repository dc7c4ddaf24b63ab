/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Built for ABI 1.2: its commands end before export_metrics (1.3), so the
 * host must read each one only as far as command_size and see no exporter
 * in the next command's first bytes.
 */
#include "test_plugin.h"

#include <stddef.h>

TEST_BACKENDS(backends);

/* struct fsbpf_command as ABI 1.2 had it. */
struct command_1_2 {
	uint32_t size;
	const char *name;
	const char *summary;
	const struct fsbpf_backend *backends;
	size_t backend_count;
	void *(*create)(void);
	void (*destroy)(void *state);
	int (*add_options)(void *state, const struct fsbpf_cli *cli);
	int (*run)(void *state, const struct fsbpf_host *host);
	int (*check_backend)(void *state, const struct fsbpf_host *host, size_t index);
};
_Static_assert(sizeof(struct command_1_2) == offsetof(struct fsbpf_command, export_metrics),
	       "ABI 1.3 appended export_metrics to the 1.2 command");

#define COMMAND_1_2(command_name)                                                                 \
	{                                                                                         \
		sizeof(struct command_1_2), command_name, "A command of a test plugin", backends, \
			1, test_create, test_destroy, test_add_options, test_run, NULL,           \
	}

static const struct command_1_2 commands[] = {COMMAND_1_2("old_first"), COMMAND_1_2("old_second")};

FSBPF_EXPORT const struct fsbpf_plugin fsbpf_plugin = {
	.abi_major = FSBPF_ABI_MAJOR,
	.abi_minor = 2,
	.size = sizeof(struct fsbpf_plugin),
	.command_size = sizeof(struct command_1_2),
	.name = "abi_1_2_commands",
	.version = "1.0",
	.license = "GPL-2.0-only",
	.description = "A plugin for the loader's tests",
	.commands = (const struct fsbpf_command *)(const void *)commands,
	.command_count = 2,
};
