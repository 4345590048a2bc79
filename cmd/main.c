/* capsule: global flags (runc's names), then one subcommand. */
#include <getopt.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "image.h"
#include "memory.h"
#include "../runtime/userns.h"

struct command {
	const char *name;
	int (*fn)(struct global_opts *g, int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
    {"create", cmd_create, "create a container"},
    {"delete", cmd_delete, "delete any resources held by the container"},
    {"exec", cmd_exec, "execute new process inside the container"},
    {"features", cmd_features, "show the enabled features"},
    {"kill", cmd_kill, "send a signal to the container's init process"},
    {"list", cmd_list, "list containers started by capsule with the given root"},
    {"ps", cmd_ps, "display the processes running inside a container"},
    {"run", cmd_run, "create and run a container"},
    {"spec", cmd_spec, "create a new specification file"},
    {"image", cmd_image, "manage images in the layer store (import, ls, inspect, rm, gc)"},
    {"start", cmd_start, "execute the user-defined process in a created container"},
    {"state", cmd_state, "output the state of a container"},
    {"pause", cmd_pause, "pause all processes inside the container"},
    {"resume", cmd_resume, "resume all processes that have been previously paused"},
    {"update", cmd_update, "update container resource constraints"},
    {"events", cmd_events, "display container events such as OOM notifications and stats"},
    {"job", cmd_job, "reproducible jobs: run with provenance, verify, check"},
    {"memory", cmd_memory, "memory pressure: status of containers and host, reclaim controller"},
    {"checkpoint", cmd_checkpoint, "checkpoint a running container (CRIU)"},
    {"restore", cmd_restore, "restore a container from a previous checkpoint (CRIU)"},
    {"cdi", cmd_cdi, "CDI devices: list, validate FILE"},
    {"gpu", cmd_gpu, "GPUs found on this host: list [--cdi]"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: capsule [global options] command [command options] [arguments...]\n\n"
		     "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(
	    out,
	    "\nglobal options:\n"
	    "  --root DIR            state directory (default /run/capsule)\n"
	    "  --log FILE            log file (default stderr)\n"
	    "  --log-format FMT      text or json\n"
	    "  --debug               debug output\n"
	    "  --systemd-cgroup      use the systemd cgroup driver\n"
	    "  --cdi-spec-dir DIR    CDI spec dir (repeatable; default /etc/cdi, /var/run/cdi)\n"
	    "  --version, -v         print the version\n");
}

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
	OPT_IGNORED
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
	    {"criu", required_argument, 0, OPT_IGNORED},
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
		case OPT_IGNORED:
			break;
		case 'v':
			version();
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(1);
		}
	}
	return optind;
}

int main(int argc, char **argv)
{
	struct global_opts g = {.root = default_root(),
				.rootless = geteuid() != 0 || userns_running_in()};
	int first = parse_globals(&g, argc, argv);
	if (first >= argc) {
		usage(stderr);
		return 1;
	}
	if (cmd_log_open(&g) < 0)
		return 1;
	const char *name = argv[first];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) == 0) {
			if (first + 1 < argc && (strcmp(argv[first + 1], "--help") == 0 ||
						 strcmp(argv[first + 1], "-h") == 0)) {
				printf("capsule %s: %s\n(flags as in runc %s)\n", name,
				       commands[i].help, name);
				return 0;
			}
			optind = 0; /* full getopt reset for the subcommand */
			return commands[i].fn(&g, argc - first, argv + first);
		}
	}
	return cmd_errorf(&g, "unknown command \"%s\"", name);
}

int cmd_require_args(const struct global_opts *g, const char *cmd, int have, int want)
{
	if (have == want)
		return 0;
	cmd_errorf(g, "\"%s\" requires exactly %d argument(s)", cmd, want);
	return -1;
}
