/* cmd/: one small file per subcommand.  Each parses its own flags (getopt_long,
 * runc-compatible names), calls the library, and prints errors through log.c. */
#ifndef CAPSULE_CMD_H
#define CAPSULE_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "../lib/error.h"

struct global_opts {
	const char *root;     /* --root, default /run/capsule (or $XDG_RUNTIME_DIR/capsule) */
	const char *log_path; /* --log */
	bool log_json;	      /* --log-format json */
	bool debug;	      /* --debug */
	bool systemd_cgroup;  /* --systemd-cgroup */
	bool rootless;	      /* not running as root */
	const char *cdi_spec_dirs[16]; /* --cdi-spec-dir, repeatable */
	size_t n_cdi_spec_dirs;
};

/* Print an error the way the caller asked (text on stderr / json log line) and
 * return the exit status to use (1). */
int cmd_report(const struct global_opts *g, const struct cap_error *e);
int cmd_errorf(const struct global_opts *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cmd_debugf(const struct global_opts *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cmd_warnf(const struct global_opts *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

int cmd_log_open(const struct global_opts *g);
/* A `void (*)(const char *)` that prints --debug notes, or NULL without --debug. */
void (*cmd_debug_callback(const struct global_opts *g))(const char *);
/* Same for warnings (always printed). */
void (*cmd_warn_callback(const struct global_opts *g))(const char *);
/* "<cmd>: requires exactly N argument(s)" style checks, runc wording. */
int cmd_require_args(const struct global_opts *g, const char *cmd, int have, int want);

#define CMD(name) int cmd_##name(struct global_opts *g, int argc, char **argv)
CMD(spec);
CMD(create);
CMD(start);
CMD(run);
CMD(state);
CMD(list);
CMD(kill);
CMD(delete);
CMD(exec);
CMD(ps);
CMD(features);
CMD(pause);
CMD(resume);
CMD(update);
CMD(events);
CMD(job);
CMD(checkpoint);
CMD(restore);
CMD(cdi);
CMD(gpu);

#endif
