/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Pieces shared by the loader's test plugins: trivial callbacks, one backend
 * and initializers for a command and a descriptor. Each plugin changes only
 * what its test is about.
 */
#ifndef FSBPF_TEST_PLUGIN_H
#define FSBPF_TEST_PLUGIN_H

#include <fsbpf/plugin.h>

#include <stdint.h>

static inline void *test_create(void)
{
	static int state;
	return &state;
}

static inline void test_destroy(void *state)
{
	(void)state;
}

static inline int test_add_options(void *state, const struct fsbpf_cli *cli)
{
	(void)state;
	(void)cli;
	return 0;
}

static inline int test_run(void *state, const struct fsbpf_host *host)
{
	(void)state;
	(void)host;
	return 0;
}

#define TEST_BACKENDS(table)                                                          \
	static const struct fsbpf_backend table[] = {                                 \
		{"fentry", FSBPF_ATTACH_FENTRY, "The only backend of a test plugin"}, \
	}

/* Every field a test plugin's command may change. */
#define TEST_COMMAND_OF(command_name, backend_ptr, count, create_fn, add_options_fn, run_fn) \
	{                                                                                    \
		.size = sizeof(struct fsbpf_command), .name = (command_name),                \
		.summary = "A command of a test plugin", .backends = (backend_ptr),          \
		.backend_count = (count), .create = (create_fn), .destroy = test_destroy,    \
		.add_options = (add_options_fn), .run = (run_fn),                            \
	}

#define TEST_COMMAND_RUNNING(command_name, backend_table, run_fn)                        \
	TEST_COMMAND_OF(command_name, backend_table,                                     \
			sizeof(backend_table) / sizeof((backend_table)[0]), test_create, \
			test_add_options, run_fn)

#define TEST_COMMAND(command_name, backend_table) \
	TEST_COMMAND_RUNNING(command_name, backend_table, test_run)

#define TEST_PLUGIN_ABI(plugin_name, command_table, major, minor)                                \
	{                                                                                        \
		.abi_major = (major), .abi_minor = (minor), .size = sizeof(struct fsbpf_plugin), \
		.command_size = sizeof(struct fsbpf_command), .name = (plugin_name),             \
		.version = "1.0", .license = "GPL-2.0-only",                                     \
		.description = "A plugin for the loader's tests", .commands = (command_table),   \
		.command_count = sizeof(command_table) / sizeof((command_table)[0]),             \
	}

#define TEST_PLUGIN(plugin_name, command_table) \
	TEST_PLUGIN_ABI(plugin_name, command_table, FSBPF_ABI_MAJOR, FSBPF_ABI_MINOR)

#endif /* FSBPF_TEST_PLUGIN_H */
