/* The only place that prints errors and debug notes: stderr, plus the --log
 * file in the format the caller asked for (containerd reads JSON lines
 * {"level","msg","time"} from it). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "../lib/json.h"
#include "../runtime/state.h"
#include "cmd.h"

static int log_fd = -1;

int cmd_log_open(const struct global_opts *g)
{
	if (!g->log_path)
		return 0;
	log_fd = open(g->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (log_fd < 0) {
		fprintf(stderr, "capsule: open log file %s: %s\n", g->log_path, strerror(errno));
		return -1;
	}
	return 0;
}

static void log_line(const struct global_opts *g, const char *level, const char *msg)
{
	if (log_fd < 0)
		return;
	char now[64];
	rt_rfc3339_now(now, sizeof(now));
	if (!g->log_json) {
		dprintf(log_fd, "time=\"%s\" level=%s msg=\"%s\"\n", now, level, msg);
		return;
	}
	yajl_gen j = yajl_gen_alloc(NULL);
	if (!j)
		return;
	yajl_gen_map_open(j);
	cap_json_kv_str(j, "level", level);
	cap_json_kv_str(j, "msg", msg);
	cap_json_kv_str(j, "time", now);
	yajl_gen_map_close(j);
	char *line = cap_json_finish(j);
	yajl_gen_free(j);
	if (line)
		dprintf(log_fd, "%s\n", line);
	free(line);
}

static void vreport(const struct global_opts *g, const char *level, const char *fmt, va_list ap)
{
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	log_line(g, level, msg);
	/* With a log file, debug notes go there only; errors always reach stderr. */
	if (strcmp(level, "error") == 0 || log_fd < 0)
		fprintf(stderr, "%s%s\n",
			strcmp(level, "error") == 0	? "capsule: "
			: strcmp(level, "warning") == 0 ? "capsule: warning: "
							: "",
			msg);
	free(msg);
}

int cmd_errorf(const struct global_opts *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(g, "error", fmt, ap);
	va_end(ap);
	return 1;
}

void cmd_warnf(const struct global_opts *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(g, "warning", fmt, ap);
	va_end(ap);
}

void cmd_debugf(const struct global_opts *g, const char *fmt, ...)
{
	if (!g->debug)
		return;
	va_list ap;
	va_start(ap, fmt);
	vreport(g, "debug", fmt, ap);
	va_end(ap);
}

int cmd_report(const struct global_opts *g, const struct cap_error *e)
{
	return cmd_errorf(g, "%s", e && e->msg ? e->msg : "unknown error");
}

/* Library code takes a plain callback for --debug notes. */
static const struct global_opts *debug_globals;
static void debug_cb(const char *msg)
{
	cmd_debugf(debug_globals, "%s", msg);
}

void (*cmd_debug_callback(const struct global_opts *g))(const char *)
{
	debug_globals = g;
	return g->debug ? debug_cb : NULL;
}

static void warn_cb(const char *msg)
{
	cmd_warnf(debug_globals, "%s", msg);
}

void (*cmd_warn_callback(const struct global_opts *g))(const char *)
{
	debug_globals = g;
	return warn_cb;
}
