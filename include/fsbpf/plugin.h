/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The fsbpf plugin ABI: everything that crosses the dlopen boundary.
 *
 * Plain C only. A plugin exports one data symbol, FSBPF_PLUGIN_SYMBOL, a
 * struct fsbpf_plugin. Every struct that can grow starts with its own size so
 * that either side can tell which fields the other one knows. The host refuses
 * a plugin whose ABI major differs from its own or whose minor is newer.
 */
#ifndef FSBPF_PLUGIN_H
#define FSBPF_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FSBPF_ABI_MAJOR 1
#define FSBPF_ABI_MINOR 8

#define FSBPF_PLUGIN_SYMBOL      fsbpf_plugin
#define FSBPF_PLUGIN_SYMBOL_NAME "fsbpf_plugin"

#if defined(__GNUC__)
#define FSBPF_EXPORT __attribute__((visibility("default")))
#else
#define FSBPF_EXPORT
#endif

/* Attach types the host can probe and a backend can need. */
enum fsbpf_attach {
	FSBPF_ATTACH_FENTRY = 0,
	FSBPF_ATTACH_FEXIT,
	FSBPF_ATTACH_KPROBE,
	FSBPF_ATTACH_KRETPROBE,
	FSBPF_ATTACH_TP_BTF,
	FSBPF_ATTACH_RAW_TP,
	FSBPF_ATTACH_TRACEPOINT,
	FSBPF_ATTACH__COUNT,
};

/* Map types and helpers/kfuncs that tools depend on. */
enum fsbpf_feature {
	FSBPF_FEATURE_RINGBUF = 0,
	FSBPF_FEATURE_PERFBUF,
	FSBPF_FEATURE_FIND_VMA,     /* bpf_find_vma() helper */
	FSBPF_FEATURE_RDONLY_CAST,  /* bpf_rdonly_cast() kfunc */
	FSBPF_FEATURE_D_PATH,       /* bpf_d_path() from iter/task_file */
	FSBPF_FEATURE_TASK_STORAGE, /* task local storage from tracing programs (ABI 1.5) */
	FSBPF_FEATURE__COUNT,
};

enum fsbpf_log_level {
	FSBPF_LOG_DEBUG = 0,
	FSBPF_LOG_INFO,
	FSBPF_LOG_WARN,
	FSBPF_LOG_ERROR,
};

/* ---- Command-line options a subcommand declares ---- */

enum fsbpf_option_type {
	FSBPF_OPT_FLAG = 0, /* target: int, set to 1 when given */
	FSBPF_OPT_INT,      /* target: int64_t */
	FSBPF_OPT_UINT,     /* target: uint64_t */
	FSBPF_OPT_DOUBLE,   /* target: double */
	FSBPF_OPT_STRING,   /* target: const char *, host-owned until run() returns */
};

struct fsbpf_option {
	uint32_t size; /* sizeof(struct fsbpf_option) */
	int type;      /* enum fsbpf_option_type; as int, since a plugin may put anything here */
	const char *names; /* CLI11 style: "-p,--pid", or "interval" for a positional */
	const char *help;
	void *target;               /* written after parsing; keeps its default when absent */
	const char *const *choices; /* NULL-terminated list of allowed values, or NULL */
	double min, max;            /* numeric range when min < max */
	/* Since ABI 1.2: comma-separated names of options declared before this
	 * one that it cannot be given with ("--read-only"), or NULL. */
	const char *excludes;
};

struct fsbpf_cli {
	uint32_t size;
	void *impl;
	/* Returns 0, or -EINVAL when the option is malformed. */
	int (*add_option)(void *impl, const struct fsbpf_option *option);
};

/* ---- Output sinks: table, JSON Lines, CSV, chosen by the user ---- */

enum fsbpf_value_type {
	FSBPF_VAL_STR = 0,
	FSBPF_VAL_INT,
	FSBPF_VAL_UINT,
	FSBPF_VAL_DOUBLE,
	/*
	 * ABI 1.7: u is wall-clock nanoseconds since the epoch. JSON and CSV
	 * write it twice: "<name>_ns" as an integer and "<name>" as RFC 3339
	 * UTC text. The table writes the local time of day, with `precision`
	 * digits after the second; a negative precision writes seconds since
	 * the command started instead, with -precision digits.
	 */
	FSBPF_VAL_TIME,
};

/* Table forms of an FSBPF_VAL_TIME column, for fsbpf_column.precision. */
#define FSBPF_TIME_OF_DAY         0    /* "21:13:24" */
#define FSBPF_TIME_OF_DAY_MS      3    /* "21:13:24.322" */
#define FSBPF_TIME_SINCE_START_US (-6) /* "1.012500" */

struct fsbpf_column {
	const char *name;    /* JSON/CSV key; lower case, stable */
	const char *heading; /* table heading; NULL means name in upper case */
	int type;            /* enum fsbpf_value_type */
	int width;           /* table width; negative left-aligns */
	int precision;       /* digits after the point for FSBPF_VAL_DOUBLE and _TIME */
};

struct fsbpf_value {
	union {
		const char *s;
		int64_t i;
		uint64_t u;
		double d;
	};
};

struct fsbpf_sink; /* host-owned */

/* The output format the user chose (ABI 1.1). */
enum fsbpf_output {
	FSBPF_OUTPUT_TABLE = 0,
	FSBPF_OUTPUT_JSON,
	FSBPF_OUTPUT_CSV,
};

/* ---- Backends: attach strategies a command offers, best first ---- */

struct fsbpf_backend {
	const char *name; /* "fentry", "kprobe", "tracepoint", ... */
	int attach;       /* enum fsbpf_attach */
	const char *summary;
};

/*
 * Load and attach backend `index`. Returns 0 on success or a negative errno.
 * On failure everything the attempt created must already be released: the
 * host then tries the next backend.
 */
typedef int (*fsbpf_try_backend_fn)(void *state, size_t index);

/* ---- Metrics (ABI 1.3): what a command exports under `fsbpf exporter` ---- */

enum fsbpf_metric_type {
	FSBPF_METRIC_COUNTER = 0,
	FSBPF_METRIC_GAUGE,
	FSBPF_METRIC_HISTOGRAM,
};

/*
 * A metric family, named as Prometheus names them: fsbpf_<tool>_<what>_<unit>,
 * counters ending in _total. Label values of a family beyond the exporter's
 * series limit are summed into one series whose every label is "other".
 */
struct fsbpf_metric {
	uint32_t size; /* sizeof(struct fsbpf_metric) */
	int type;      /* enum fsbpf_metric_type */
	const char *name;
	const char *help;
	const char *unit;          /* "bytes", "seconds", ... or NULL */
	const char *const *labels; /* NULL-terminated label names, or NULL for none */
	const double *buckets;     /* histogram upper bounds, ascending, without +Inf */
	size_t bucket_count;
	uint64_t max_series; /* 0: the exporter's limit; a file-path label: metric_file_series() */
};

struct fsbpf_metric_family; /* host-owned */

/* ---- Services the host gives every plugin ---- */

struct fsbpf_host {
	uint32_t size;
	uint32_t abi_minor;
	void *impl;

	void (*log)(void *impl, enum fsbpf_log_level level, const char *message);

	/* BTF of the running kernel. Each returns 1 yes, 0 no, negative errno. */
	int (*btf_has_type)(void *impl, const char *struct_name);
	int (*btf_has_field)(void *impl, const char *struct_name, const char *field);
	int (*btf_has_func)(void *impl, const char *func);
	/* Type of parameter `index` of kernel function `func` as C text; -ENOENT past the end. */
	int (*btf_param_type)(void *impl, const char *func, int index, char *buf, size_t len);

	/* Real load-and-attach probes, cached per process: 0 works, else negative errno. */
	/* An enum fsbpf_attach or fsbpf_feature, passed as int: any other value is
	 * refused with -EINVAL (the same in the ABI, and defined in C++). */
	int (*probe_attach)(void *impl, int attach);
	int (*probe_feature)(void *impl, int feature);

	/*
	 * Try the backends of the running command best first, or only the one the
	 * user forced with --backend. Returns the index that attached, or a
	 * negative errno after reporting why each one failed.
	 */
	int (*select_backend)(void *impl, fsbpf_try_backend_fn try_backend, void *state);

	/* Output in the format the user chose. The sink lives until run() returns. */
	struct fsbpf_sink *(*sink_open)(void *impl, const struct fsbpf_column *columns,
					size_t count);
	/*
	 * Returns 0, or a negative errno once writing the output failed (-EPIPE:
	 * the reader has gone): the command should stop. The host reports the
	 * failure; a summary still reaches stderr.
	 */
	int (*sink_row)(void *impl, struct fsbpf_sink *sink, const struct fsbpf_value *values);
	/* Starts a refreshed screen (filetop): clears a terminal, prints a title line. */
	int (*sink_frame)(void *impl, struct fsbpf_sink *sink, const char *title);
	/*
	 * A key/value record for totals such as lost events: stderr lines in
	 * every format, whatever became of the output; in JSON also an object.
	 */
	int (*sink_summary)(void *impl, struct fsbpf_sink *sink, const struct fsbpf_column *columns,
			    const struct fsbpf_value *values, size_t count);

	/*
	 * Waits up to timeout_ms for fd (may be -1) to become readable.
	 * Returns 1 readable, 0 timed out, -1 when the command must stop
	 * (SIGINT, SIGTERM, SIGHUP, SIGQUIT, --duration elapsed, output closed
	 * or failed).
	 */
	int (*wait)(void *impl, int fd, int timeout_ms);
	/* Seconds since the command started, monotonic. */
	double (*elapsed)(void *impl);
	/* Tells the user the tool is attached (e.g. "Tracing ... Ctrl-C to end"). */
	void (*ready)(void *impl, const char *message);

	/*
	 * 1 when parameter `index` of kernel function `func` has a complete type
	 * in BTF, 0 when it points to a forward declaration only (5.10 has such
	 * syscall wrappers, whose arguments fentry then cannot read), -ENOENT.
	 */
	int (*btf_param_complete)(void *impl, const char *func, int index);
	/*
	 * Times the kernel skipped this attached program, e.g. because it was
	 * already running on that CPU (recursion_misses, 5.12+). 0 where the
	 * kernel does not count them.
	 */
	uint64_t (*program_misses)(void *impl, int prog_fd);

	/* ---- ABI 1.1 ---- */
	/* For tools whose table shows other columns than their records (filetop's KiB). */
	enum fsbpf_output (*output_format)(void *impl);
	/* Frames of this sink no longer clear the screen (filetop -C). */
	void (*sink_keep_screen)(void *impl, struct fsbpf_sink *sink);

	/* ---- ABI 1.3: metrics, for export_metrics() ---- */
	/* Returns the family, or NULL (and logs why) when the metric is malformed. */
	struct fsbpf_metric_family *(*metric_register)(void *impl,
						       const struct fsbpf_metric *metric);
	/*
	 * Adds value to a counter (value >= 0) or sets a gauge; label_values has
	 * one entry per label name. Returns 0 or a negative errno.
	 */
	int (*metric_add)(void *impl, struct fsbpf_metric_family *family,
			  const char *const *label_values, double value);
	/*
	 * Adds observations to a histogram: counts[i] fell in bucket i (not
	 * cumulative), counts[bucket_count] above the last bound; sum is theirs.
	 */
	int (*metric_observe)(void *impl, struct fsbpf_metric_family *family,
			      const char *const *label_values, const uint64_t *counts, double sum);
	/* Seconds between two collections. */
	double (*metric_interval)(void *impl);
	/* How many series a family may have with a file path label: 0 means none. */
	uint64_t (*metric_file_series)(void *impl);

	/* ---- ABI 1.4: containers ---- */
	/*
	 * What a cgroup id from bpf_get_current_cgroup_id() names: its path on
	 * the unified hierarchy ("/system.slice/cron.service") and the container
	 * or unit that path belongs to (a short container id, a machine or unit
	 * name), each NUL-terminated and cut to fit. Returns 0, or -ENOENT with
	 * both empty when the cgroup is gone or no cgroup2 is mounted.
	 */
	int (*describe_cgroup)(void *impl, uint64_t cgroup_id, char *path, size_t path_len,
			       char *container, size_t container_len);

	/* ---- ABI 1.7: the JSON record envelope ---- */
	/*
	 * sink_open, naming the kind of record its rows are in JSON: "event" for
	 * one thing that happened, "row" for a line of a periodic table (what
	 * sink_open's rows are). An FSBPF_VAL_TIME column named "time" gives each
	 * record its time; without one a record is stamped when written.
	 */
	struct fsbpf_sink *(*sink_open_records)(void *impl, const char *record,
						const struct fsbpf_column *columns, size_t count);

	/* ---- ABI 1.8 ---- */
	/*
	 * The BTF id of kernel function `func`'s prototype, or -ENOENT. Tracing
	 * programs may tail-call each other only when their functions share
	 * one (6.11 on), and parameter names make prototypes differ.
	 */
	int (*btf_func_proto)(void *impl, const char *func);
};

/* ---- What a plugin exports ---- */

struct fsbpf_command {
	uint32_t size; /* sizeof(struct fsbpf_command) */
	const char *name;
	const char *summary;
	const struct fsbpf_backend *backends; /* best first */
	size_t backend_count;

	void *(*create)(void);
	void (*destroy)(void *state);
	int (*add_options)(void *state, const struct fsbpf_cli *cli);
	/*
	 * Exit status: 0 ok, 1 runtime failure, 2 usage error: a check only the
	 * tool can make (one option against another, a path that must be a
	 * directory), done before attaching. Log one line saying why first.
	 */
	int (*run)(void *state, const struct fsbpf_host *host);
	/*
	 * Optional: 0 when backend `index` can work on this kernel as far as BTF
	 * tells, else a negative errno. Called before loading, and by
	 * `fsbpf features`; options are not parsed yet when features calls it.
	 */
	int (*check_backend)(void *state, const struct fsbpf_host *host, size_t index);
	/*
	 * Since ABI 1.3, optional: what run() does, counted into the host's
	 * metrics instead of printed, until the host says stop. `fsbpf exporter`
	 * runs every command that has it. Same exit statuses as run().
	 */
	int (*export_metrics)(void *state, const struct fsbpf_host *host);
	/*
	 * Since ABI 1.6, optional: example command lines, one per line, each
	 * "TOOL ARGS  # what it does"; the host prints them after the options.
	 */
	const char *examples;
};

struct fsbpf_plugin {
	uint32_t abi_major;
	uint32_t abi_minor;
	uint32_t size;         /* sizeof(struct fsbpf_plugin) */
	uint32_t command_size; /* sizeof(struct fsbpf_command): stride of commands[] */
	const char *name;
	const char *version;
	const char *license;
	const char *description;
	const struct fsbpf_command *commands;
	size_t command_count;
	void *reserved[8];
};

#ifdef __cplusplus
}
#endif

#endif /* FSBPF_PLUGIN_H */
