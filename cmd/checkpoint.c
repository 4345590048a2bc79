/* checkpoint and restore: runc's flags, CRIU through the library. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "../runtime/container.h"
#include "cmd.h"
#include "simple.h"

enum {
	OPT_IMAGE = 256,
	OPT_WORK,
	OPT_PARENT,
	OPT_LEAVE,
	OPT_TCP,
	OPT_EXT_UNIX,
	OPT_SHELL,
	OPT_LOCKS,
	OPT_PRE,
	OPT_CG_MODE,
	OPT_PID_FILE,
	OPT_CONSOLE,
	OPT_NO_PIVOT,
	OPT_DEDUP,
	OPT_EMPTY_NS,
	OPT_LAZY,
	OPT_IGNORED,
};

/* Flags both commands take; returns 1 when handled. */
static int common_flag(int c, struct criu_common_opts *o)
{
	switch (c) {
	case OPT_IMAGE:
		o->image_path = optarg;
		return 1;
	case OPT_WORK:
		o->work_path = optarg;
		return 1;
	case OPT_TCP:
		o->tcp_established = true;
		return 1;
	case OPT_EXT_UNIX:
		o->ext_unix_sk = true;
		return 1;
	case OPT_SHELL:
		o->shell_job = true;
		return 1;
	case OPT_LOCKS:
		o->file_locks = true;
		return 1;
	case OPT_CG_MODE:
		o->manage_cgroups_mode = optarg;
		return 1;
	case OPT_DEDUP:
		o->auto_dedup = true;
		return 1;
	case OPT_IGNORED:
		return 1;
	}
	return 0;
}

/* A runc flag capsule does not implement is an error, never a no-op. */
static int unsupported(struct global_opts *g, int c, char **argv)
{
	if (c != OPT_EMPTY_NS && c != OPT_LAZY)
		return 1; /* getopt printed it */
	return cmd_errorf(g, "%s: --%s is not supported", argv[0],
			  c == OPT_EMPTY_NS ? "empty-ns" : "lazy-pages");
}

#define COMMON_OPTIONS                                                                             \
	{"image-path", required_argument, 0, OPT_IMAGE},                                           \
	    {"work-path", required_argument, 0, OPT_WORK}, {"tcp-established", 0, 0, OPT_TCP},     \
	    {"ext-unix-sk", 0, 0, OPT_EXT_UNIX}, {"shell-job", 0, 0, OPT_SHELL},                   \
	    {"file-locks", 0, 0, OPT_LOCKS},                                                       \
	    {"manage-cgroups-mode", required_argument, 0, OPT_CG_MODE},                            \
	    {"empty-ns", required_argument, 0, OPT_EMPTY_NS},                                      \
	{                                                                                          \
		"auto-dedup", 0, 0, OPT_DEDUP                                                      \
	}

CMD(checkpoint)
{
	static const struct option opts[] = {
	    COMMON_OPTIONS,
	    {"parent-path", required_argument, 0, OPT_PARENT},
	    {"leave-running", 0, 0, OPT_LEAVE},
	    {"pre-dump", 0, 0, OPT_PRE},
	    {0, 0, 0, 0},
	};
	struct checkpoint_opts o = {.root = g->root};
	int c;
	while ((c = getopt_long_only(argc, argv, "+", opts, NULL)) != -1) {
		if (common_flag(c, &o.common))
			continue;
		if (c == OPT_PARENT)
			o.parent_path = optarg;
		else if (c == OPT_LEAVE)
			o.leave_running = true;
		else if (c == OPT_PRE)
			o.pre_dump = true;
		else
			return unsupported(g, c, argv);
	}
	if (cmd_require_args(g, argv[0], argc - optind, 1) < 0)
		return 1;
	o.id = argv[optind];
	struct cap_error *err = NULL;
	return finish_cmd(g, container_checkpoint(&o, cmd_warn_callback(g), &err), &err);
}

CMD(restore)
{
	static const struct option opts[] = {
	    COMMON_OPTIONS,
	    {"bundle", required_argument, 0, 'b'},
	    {"detach", 0, 0, 'd'},
	    {"pid-file", required_argument, 0, OPT_PID_FILE},
	    {"console-socket", required_argument, 0, OPT_CONSOLE},
	    {"no-pivot", 0, 0, OPT_NO_PIVOT},
	    {"no-subreaper", 0, 0, OPT_IGNORED},
	    {"lazy-pages", 0, 0, OPT_LAZY},
	    {0, 0, 0, 0},
	};
	struct restore_opts o = {.c = {.root = g->root,
				       .systemd_cgroup = g->systemd_cgroup,
				       .rootless = g->rootless,
				       .debug = cmd_debug_callback(g),
				       .warn = cmd_warn_callback(g)}};
	int c;
	while ((c = getopt_long_only(argc, argv, "+b:d", opts, NULL)) != -1) {
		if (common_flag(c, &o.common))
			continue;
		if (c == 'b')
			o.c.bundle = optarg;
		else if (c == 'd')
			o.detach = true;
		else if (c == OPT_PID_FILE)
			o.c.pid_file = optarg;
		else if (c == OPT_CONSOLE)
			o.c.console_socket = optarg;
		else if (c == OPT_NO_PIVOT)
			o.c.no_pivot = true; /* CRIU restores the mount namespace as it was */
		else
			return unsupported(g, c, argv);
	}
	if (cmd_require_args(g, argv[0], argc - optind, 1) < 0)
		return 1;
	o.c.id = argv[optind];
	struct cap_error *err = NULL;
	int exit_code = 0;
	int rc = finish_cmd(g, container_restore(&o, &exit_code, &err), &err);
	return rc ? rc : exit_code;
}
