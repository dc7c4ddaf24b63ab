/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Two commands; the second declares -v, which the host gives every command:
 * the whole plugin must be skipped, and nothing else.
 */
#include "test_plugin.h"

static int verbose;

static int clash_add_options(void *state, const struct fsbpf_cli *cli)
{
	const struct fsbpf_option option = {
		.size = sizeof(option),
		.type = FSBPF_OPT_FLAG,
		.names = "-v",
		.help = "Taken by the host",
		.target = &verbose,
	};

	(void)state;
	return cli->add_option(cli->impl, &option);
}

TEST_BACKENDS(backends);

static const struct fsbpf_command commands[] = {
	TEST_COMMAND("clashfine", backends),
	TEST_COMMAND_OF("clashtool", backends, 1, test_create, clash_add_options, test_run),
};

FSBPF_EXPORT const struct fsbpf_plugin fsbpf_plugin = TEST_PLUGIN("option_clash", commands);
