// SPDX-License-Identifier: GPL-2.0
/*
 * A third-party plugin in plain C, built outside the fsbpf tree against the
 * installed <fsbpf/plugin.h>. It uses the host's options, BTF and sink.
 */
#include <fsbpf/plugin.h>

#include <stdlib.h>

struct hello {
	int64_t count;
	const char *name;
};

static void *hello_create(void)
{
	struct hello *state = calloc(1, sizeof(*state));

	if (state) {
		state->count = 2;
		state->name = "world";
	}
	return state;
}

static void hello_destroy(void *state)
{
	free(state);
}

static int hello_add_options(void *state, const struct fsbpf_cli *cli)
{
	struct hello *hello = state;
	const struct fsbpf_option count = {sizeof(count),
					   FSBPF_OPT_INT,
					   "-n,--count",
					   "rows to print",
					   &hello->count,
					   NULL,
					   1,
					   100};
	const struct fsbpf_option name = {
		sizeof(name), FSBPF_OPT_STRING, "--name", "who to greet", &hello->name, NULL, 0, 0};

	if (cli->add_option(cli->impl, &count))
		return -1;
	return cli->add_option(cli->impl, &name);
}

static int hello_run(void *state, const struct fsbpf_host *host)
{
	struct hello *hello = state;
	const struct fsbpf_column columns[] = {
		{"row", NULL, FSBPF_VAL_INT, 4, 0},
		{"greeting", NULL, FSBPF_VAL_STR, -1, 0},
	};
	const struct fsbpf_column totals[] = {{"kernel_has_vfs_read", NULL, FSBPF_VAL_INT, 0, 0}};
	struct fsbpf_value values[2], total;
	struct fsbpf_sink *sink = host->sink_open(host->impl, columns, 2);

	if (!sink)
		return 1;
	for (int64_t i = 0; i < hello->count; i++) {
		values[0].i = i;
		values[1].s = hello->name;
		if (host->sink_row(host->impl, sink, values))
			return 0;
	}
	total.i = host->btf_has_func(host->impl, "vfs_read");
	host->sink_summary(host->impl, sink, totals, &total, 1);
	return 0;
}

static const struct fsbpf_command commands[] = {{
	.size = sizeof(struct fsbpf_command),
	.name = "hello",
	.summary = "Greets through the host's sink",
	.create = hello_create,
	.destroy = hello_destroy,
	.add_options = hello_add_options,
	.run = hello_run,
}};

FSBPF_EXPORT const struct fsbpf_plugin fsbpf_plugin = {
	.abi_major = FSBPF_ABI_MAJOR,
	.abi_minor = FSBPF_ABI_MINOR,
	.size = sizeof(struct fsbpf_plugin),
	.command_size = sizeof(struct fsbpf_command),
	.name = "hello",
	.version = "1.0",
	.license = "MIT",
	.description = "Out-of-tree example plugin",
	.commands = commands,
	.command_count = 1,
};
