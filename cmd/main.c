/* capsule: global flags (runc's names), then one subcommand. */
#include <getopt.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "help.h"
#include "image.h"
#include "memory.h"
#include "../runtime/cloned_binary.h"
#include "../runtime/userns.h"

struct command {
	const char *name;
	int (*fn)(struct global_opts *g, int argc, char **argv);
};

/* Each command also has its help entry in help.c (listed by --help). */
static const struct command commands[] = {
    {"create", cmd_create},
    {"delete", cmd_delete},
    {"exec", cmd_exec},
    {"features", cmd_features},
    {"kill", cmd_kill},
    {"list", cmd_list},
    {"ps", cmd_ps},
    {"run", cmd_run},
    {"spec", cmd_spec},
    {"image", cmd_image},
    {"start", cmd_start},
    {"state", cmd_state},
    {"pause", cmd_pause},
    {"resume", cmd_resume},
    {"update", cmd_update},
    {"events", cmd_events},
    {"job", cmd_job},
    {"memory", cmd_memory},
    {"checkpoint", cmd_checkpoint},
    {"restore", cmd_restore},
    {"cdi", cmd_cdi},
    {"gpu", cmd_gpu},
};

static void version(void)
{
	const struct scmp_version *v = seccomp_version();
	printf("capsule version %s\ncommit: %s\nspec: 1.3.0\n", CAPSULE_VERSION, CAPSULE_COMMIT);
	if (v)
		printf("libseccomp: %u.%u.%u\n", v->major, v->minor, v->micro);
}

/* runc's shouldHonorXDGRuntimeDir: a non-root user, or root of a user
 * namespace (rootless podman runs the runtime as uid 0 in its namespace)
 * unless $USER says root, keeps its state under $XDG_RUNTIME_DIR. */
static bool honor_xdg(void)
{
	if (geteuid() != 0)
		return true;
	if (!userns_running_in())
		return false;
	const char *user = getenv("USER");
	return !user || strcmp(user, "root") != 0;
}

static const char *default_root(void)
{
	static char buf[4096];
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (xdg && *xdg && honor_xdg()) {
		snprintf(buf, sizeof(buf), "%s/capsule", xdg);
		return buf;
	}
	return "/run/capsule";
}

enum {
	OPT_ROOT = 256,
	OPT_LOG,
	OPT_LOG_FORMAT,
	OPT_DEBUG,
	OPT_SYSTEMD,
	OPT_ROOTLESS,
	OPT_CDI_DIR,
	OPT_CRIU
};

static int parse_globals(struct global_opts *g, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"root", required_argument, 0, OPT_ROOT},
	    {"log", required_argument, 0, OPT_LOG},
	    {"log-format", required_argument, 0, OPT_LOG_FORMAT},
	    {"debug", no_argument, 0, OPT_DEBUG},
	    {"systemd-cgroup", no_argument, 0, OPT_SYSTEMD},
	    {"cdi-spec-dir", required_argument, 0, OPT_CDI_DIR},
	    {"criu", required_argument, 0, OPT_CRIU},
	    {"rootless", required_argument, 0, OPT_ROOTLESS},
	    {"version", no_argument, 0, 'v'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0},
	};
	int c;
	while ((c = getopt_long_only(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT:
			g->root = optarg;
			break;
		case OPT_LOG:
			g->log_path = optarg;
			break;
		case OPT_LOG_FORMAT:
			if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
				fprintf(stderr, "capsule: invalid log-format: %s\n", optarg);
				exit(1);
			}
			g->log_json = strcmp(optarg, "json") == 0;
			break;
		case OPT_DEBUG:
			g->debug = true;
			break;
		case OPT_SYSTEMD:
			g->systemd_cgroup = true;
			break;
		case OPT_ROOTLESS:
			if (strcmp(optarg, "auto") == 0)
				break;
			if (strcmp(optarg, "true") && strcmp(optarg, "false")) {
				fprintf(stderr,
					"capsule: invalid --rootless value: %s "
					"(true, false or auto)\n",
					optarg);
				exit(1);
			}
			g->rootless = strcmp(optarg, "true") == 0;
			break;
		case OPT_CDI_DIR:
			if (g->n_cdi_spec_dirs ==
			    sizeof(g->cdi_spec_dirs) / sizeof(g->cdi_spec_dirs[0])) {
				fprintf(stderr, "capsule: too many --cdi-spec-dir\n");
				exit(1);
			}
			g->cdi_spec_dirs[g->n_cdi_spec_dirs++] = optarg;
			break;
		case OPT_CRIU: /* runc's --criu: the binary checkpoint and restore run */
			setenv("CAPSULE_CRIU", optarg, 1);
			break;
		case 'v':
			version();
			exit(0);
		case 'h':
			help_program(stdout, CAPSULE_VERSION);
			exit(0);
		default:
			help_program(stderr, CAPSULE_VERSION);
			exit(1);
		}
	}
	return optind;
}

/* `capsule help [CMD]` (runc: help, h): the program's help or one command's;
 * an unknown topic exits 3 with runc's message. */
static int help_cmd(struct global_opts *g, int argc, char **argv)
{
	if (argc < 2) {
		help_program(stdout, CAPSULE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, argv[1]) == 0)
			return help_command(stdout, argv[1]) < 0 ? 1 : 0;
	cmd_errorf(g, "No help topic for '%s'", argv[1]);
	return 3;
}

/* create, run and exec start processes inside the container from this
 * binary: re-execute from a sealed copy (runtime/cloned_binary.h) first,
 * before any work the restarted command would only do again. */
static int seal_if_entering(const struct global_opts *g, const char *name, char **argv)
{
	if (strcmp(name, "create") && strcmp(name, "run") && strcmp(name, "exec"))
		return 0;
	struct cap_error *err = NULL;
	if (cloned_binary_ensure_argv(argv, &err) == 0)
		return 0;
	int rc = cmd_report(g, err);
	cap_error_free(err);
	return rc;
}

int main(int argc, char **argv)
{
	struct global_opts g = {.root = default_root(),
				.rootless = geteuid() != 0 || userns_running_in()};
	int first = parse_globals(&g, argc, argv);
	if (first >= argc) { /* runc: the help, exit 0 */
		help_program(stdout, CAPSULE_VERSION);
		return 0;
	}
	if (cmd_log_open(&g) < 0)
		return 1;
	const char *name = argv[first];
	if (strcmp(name, "help") == 0 || strcmp(name, "h") == 0)
		return help_cmd(&g, argc - first, argv + first);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) == 0) {
			if (help_wanted(name, argc - first, argv + first))
				return help_command(stdout, name) < 0 ? 1 : 0;
			int rc = seal_if_entering(&g, name, argv);
			if (rc)
				return rc;
			optind = 0; /* full getopt reset for the subcommand */
			return commands[i].fn(&g, argc - first, argv + first);
		}
	}
	/* runc (urfave/cli) answers an unknown command this way, exit 3 */
	cmd_errorf(&g, "No help topic for '%s'", name);
	return 3;
}

int cmd_require_args(const struct global_opts *g, const char *cmd, int have, int want)
{
	if (have == want)
		return 0;
	cmd_errorf(g, "\"%s\" requires exactly %d argument(s)", cmd, want);
	return -1;
}
