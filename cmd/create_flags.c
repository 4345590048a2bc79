#include "create_flags.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../memory/memory.h"
#include "../oci/spec.h"

enum {
	OPT_PID_FILE = 256,
	OPT_CONSOLE,
	OPT_NO_PIVOT,
	OPT_NO_KEYRING,
	OPT_PRESERVE,
	OPT_IMAGE,
	OPT_MEM_KSM,
	OPT_MEM_RECLAIM,
	OPT_MEM_PSI,
	OPT_KEEP,
	OPT_PIDFD_SOCKET,
	OPT_DEVICE,
	OPT_GPUS,
	OPT_IGNORED
};

/* --device NAME, repeatable: one command per process, so static storage. */
static const char *devices[256];

static int parse_count(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < 0 || v > 65536)
		return -1;
	*out = (int)v;
	return 0;
}

/* --memory-* flags: org.capsule.memory.* annotations over config.json's,
 * checked by create like any other (memory/opts.c). */
static void set_annotation(struct create_opts *o, const char *key, const char *value)
{
	static struct spec_kv kv[3];
	size_t i = 0;
	while (i < o->n_annotations && strcmp(kv[i].key, key) != 0)
		i++;
	kv[i] = (struct spec_kv){(char *)key, (char *)value};
	if (i == o->n_annotations)
		o->n_annotations++;
	o->annotations = kv;
}

static int run_only_flag(struct global_opts *g, const char *cmd, int c)
{
	const char *name = c == 'd' ? "detach" : c == OPT_IMAGE ? "image" : "keep";
	cmd_errorf(g, "%s: unknown flag --%s", cmd, name);
	return -1;
}

int parse_create_flags(struct global_opts *g, int argc, char **argv, struct create_opts *o,
		       bool *detach)
{
	static const struct option opts[] = {
	    {"bundle", required_argument, 0, 'b'},
	    {"pid-file", required_argument, 0, OPT_PID_FILE},
	    {"console-socket", required_argument, 0, OPT_CONSOLE},
	    {"no-pivot", no_argument, 0, OPT_NO_PIVOT},
	    {"no-new-keyring", no_argument, 0, OPT_NO_KEYRING},
	    {"preserve-fds", required_argument, 0, OPT_PRESERVE},
	    {"detach", no_argument, 0, 'd'},
	    {"image", required_argument, 0, OPT_IMAGE},
	    {"memory-ksm", no_argument, 0, OPT_MEM_KSM},
	    {"memory-reclaim", required_argument, 0, OPT_MEM_RECLAIM},
	    {"memory-psi-target", required_argument, 0, OPT_MEM_PSI},
	    {"keep", no_argument, 0, OPT_KEEP},
	    {"pidfd-socket", required_argument, 0, OPT_PIDFD_SOCKET},
	    {"device", required_argument, 0, OPT_DEVICE},
	    {"gpus", required_argument, 0, OPT_GPUS},
	    {"no-subreaper", no_argument, 0, OPT_IGNORED},
	    {0, 0, 0, 0},
	};
	o->root = g->root;
	o->systemd_cgroup = g->systemd_cgroup;
	o->rootless = g->rootless;
	o->debug = cmd_debug_callback(g);
	o->warn = cmd_warn_callback(g);
	o->cdi_devices = devices;
	o->cdi_spec_dirs = g->cdi_spec_dirs;
	o->n_cdi_spec_dirs = g->n_cdi_spec_dirs;
	size_t n_devices = 0;
	int c;
	while ((c = getopt_long_only(argc, argv, "+b:d", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->bundle = optarg;
			break;
		case OPT_PID_FILE:
			o->pid_file = optarg;
			break;
		case OPT_CONSOLE:
			o->console_socket = optarg;
			break;
		case OPT_PIDFD_SOCKET:
			o->pidfd_socket = optarg;
			break;
		case OPT_NO_PIVOT:
			o->no_pivot = true;
			break;
		case OPT_NO_KEYRING:
			o->no_new_keyring = true;
			break;
		case OPT_PRESERVE:
			if (parse_count(optarg, &o->preserve_fds) < 0) {
				cmd_errorf(g, "--preserve-fds: invalid count \"%s\"", optarg);
				return -1;
			}
			break;
		case 'd':
		case OPT_IMAGE:
		case OPT_KEEP:
			if (!detach) /* run only: create is called without detach */
				return run_only_flag(g, argv[0], c);
			if (c == 'd')
				*detach = true;
			else if (c == OPT_IMAGE)
				o->image = optarg;
			else
				o->keep = true;
			break;
		case OPT_MEM_KSM:
			set_annotation(o, MEM_ANNOTATION_KSM, "true");
			break;
		case OPT_MEM_RECLAIM:
			set_annotation(o, MEM_ANNOTATION_RECLAIM, optarg);
			break;
		case OPT_MEM_PSI:
			set_annotation(o, MEM_ANNOTATION_PSI_TARGET, optarg);
			break;
		case OPT_DEVICE:
			if (n_devices == sizeof(devices) / sizeof(devices[0])) {
				cmd_errorf(g, "--device: at most 256 devices");
				return -1;
			}
			devices[n_devices++] = optarg;
			o->n_cdi_devices = n_devices;
			break;
		case OPT_GPUS:
			o->gpus = optarg;
			break;
		case OPT_IGNORED:
			break;
		default:
			return -1;
		}
	}
	/* run --image REF ID [ARGS...]: ARGS replace the image's command */
	if (o->image && argc - optind >= 1)
		o->image_args = argc - optind > 1 ? argv + optind + 1 : NULL;
	else if (cmd_require_args(g, argv[0], argc - optind, 1) < 0)
		return -1;
	o->id = argv[optind];
	return 0;
}
