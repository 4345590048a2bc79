#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/container.h"
#include "../lib/strv.h"
#include "simple.h"

enum {
	OPT_CONSOLE = 256,
	OPT_CWD,
	OPT_PID_FILE,
	OPT_NNP,
	OPT_PRESERVE,
	OPT_CGROUP,
	OPT_PIDFD_SOCKET,
	OPT_IGNORE_PAUSED,
	OPT_IGNORED,
};

static int push(char ***v, const char *s)
{
	size_t n = cap_strv_len(*v);
	char **nv = realloc(*v, (n + 2) * sizeof(char *));
	if (!nv)
		return -1;
	nv[n] = (char *)s;
	nv[n + 1] = NULL;
	*v = nv;
	return 0;
}

static int parse_exec(struct global_opts *g, int argc, char **argv, struct exec_opts *o)
{
	static const struct option opts[] = {
	    {"console-socket", required_argument, 0, OPT_CONSOLE},
	    {"cwd", required_argument, 0, OPT_CWD},
	    {"env", required_argument, 0, 'e'},
	    {"tty", no_argument, 0, 't'},
	    {"user", required_argument, 0, 'u'},
	    {"additional-gids", required_argument, 0, 'g'},
	    {"process", required_argument, 0, 'p'},
	    {"detach", no_argument, 0, 'd'},
	    {"pid-file", required_argument, 0, OPT_PID_FILE},
	    {"process-label", required_argument, 0, OPT_IGNORED},
	    {"apparmor", required_argument, 0, OPT_IGNORED},
	    {"no-new-privs", no_argument, 0, OPT_NNP},
	    {"cap", required_argument, 0, 'c'},
	    {"preserve-fds", required_argument, 0, OPT_PRESERVE},
	    {"cgroup", required_argument, 0, OPT_CGROUP},
	    {"pidfd-socket", required_argument, 0, OPT_PIDFD_SOCKET},
	    {"ignore-paused", no_argument, 0, OPT_IGNORE_PAUSED},
	    {0, 0, 0, 0},
	};
	int c;
	while ((c = getopt_long_only(argc, argv, "+e:tu:g:p:dc:", opts, NULL)) != -1) {
		int rc = 0;
		switch (c) {
		case OPT_CONSOLE:
			o->console_socket = optarg;
			break;
		case OPT_CWD:
			o->cwd = optarg;
			break;
		case 'e':
			rc = push(&o->env, optarg);
			break;
		case 't':
			o->tty = true;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'g':
			rc = push(&o->additional_gids, optarg);
			break;
		case 'p':
			o->process_file = optarg;
			break;
		case 'd':
			o->detach = true;
			break;
		case OPT_PID_FILE:
			o->pid_file = optarg;
			break;
		case OPT_NNP:
			o->no_new_privs = o->has_no_new_privs = true;
			break;
		case 'c':
			rc = push(&o->caps, optarg);
			break;
		case OPT_PRESERVE:
			o->preserve_fds = atoi(optarg);
			break;
		case OPT_CGROUP:
			o->sub_cgroup = optarg;
			break;
		case OPT_PIDFD_SOCKET:
			o->pidfd_socket = optarg;
			break;
		case OPT_IGNORE_PAUSED:
			o->ignore_paused = true;
			break;
		case OPT_IGNORED:
			break;
		default:
			return -1;
		}
		if (rc < 0)
			return cmd_errorf(g, "out of memory"), -1;
	}
	if (argc - optind < 1 || (!o->process_file && argc - optind < 2)) {
		cmd_errorf(g, "\"exec\" requires a minimum of 2 arguments (or --process)");
		return -1;
	}
	o->id = argv[optind];
	o->args = argv + optind + 1;
	return 0;
}

/* runc: an exec that fails before the program runs (no such container, a
 * paused one, a program that cannot be executed) exits 255, so callers can
 * tell it from the program's own status. */
enum { EXEC_FAILED = 255 };

CMD(exec)
{
	struct exec_opts o = {.root = g->root, .debug = cmd_debug_callback(g)};
	if (parse_exec(g, argc, argv, &o) < 0)
		return EXEC_FAILED;
	struct cap_error *err = NULL;
	int exit_code = 0;
	int rc = container_exec(&o, &exit_code, &err);
	free(o.env);
	free(o.caps);
	free(o.additional_gids);
	if (rc < 0) {
		cap_wrap(&err, "exec failed");
		cmd_report(g, err);
		cap_error_free(err);
		return EXEC_FAILED;
	}
	return exit_code;
}
