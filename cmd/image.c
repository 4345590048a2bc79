/* `capsule image SUBCOMMAND`: import, ls, inspect, rm, gc, bundle, and `try`, a debugging
 * aid (overlay_try) that runs a command chrooted into an overlay of the image. */
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../overlay/overlay.h"
#include "../seccomp/seccomp.h"
#include "image.h"

struct image_opts {
	const char *store;
	bool quiet, keep_upper, ephemeral, terminal;
	long userns; /* try --userns HOSTID: map 0..65535 to HOSTID.. (-1: none) */
};

static int finish(const struct global_opts *g, int rc, struct cap_error **err)
{
	if (rc >= 0)
		return 0;
	cmd_report(g, *err);
	cap_error_free(*err);
	*err = NULL;
	return 1;
}

static int do_import(struct global_opts *g, struct image_opts *o, int argc, char **argv)
{
	if (argc < 1)
		return cmd_errorf(g, "image import: requires a PATH (OCI image layout dir or tar)");
	for (int i = 0; i < argc; i++) {
		struct cap_error *err = NULL;
		char *digest = NULL;
		if (finish(g, overlay_import(o->store, argv[i], &digest, &err), &err))
			return 1;
		printf("%s\n", digest ? digest : "");
		free(digest);
	}
	return 0;
}

static void print_size(long long b)
{
	const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)b;
	int i = 0;
	while (v >= 1024 && i < 4)
		v /= 1024, i++;
	printf("%.1f %s\n", v, u[i]);
}

static int do_ls(struct global_opts *g, struct image_opts *o, int argc, char **argv)
{
	struct overlay_image_info *v = NULL;
	size_t n = 0;
	struct cap_error *err = NULL;
	if (finish(g, overlay_image_list(o->store, &v, &n, &err), &err))
		return 1;
	if (!o->quiet)
		printf("%-30s %-19s %-6s %s\n", "NAME", "DIGEST", "LAYERS", "SIZE");
	for (size_t i = 0; i < n; i++) {
		if (o->quiet) {
			printf("%s\n", v[i].digest);
			continue;
		}
		const char *name = v[i].names && v[i].names[0] ? v[i].names[0] : "<none>";
		printf("%-30s %-19.19s %-6zu ", name, v[i].digest, v[i].n_layers);
		print_size(v[i].size);
		for (size_t k = 1; v[i].names && v[i].names[0] && v[i].names[k]; k++) {
			printf("%-30s %-19.19s %-6zu ", v[i].names[k], v[i].digest, v[i].n_layers);
			print_size(v[i].size);
		}
	}
	overlay_image_info_free(v, n);
	return 0;
}

static int do_inspect(struct global_opts *g, struct image_opts *o, int argc, char **argv)
{
	if (cmd_require_args(g, "image inspect", argc, 1) < 0)
		return 1;
	struct cap_error *err = NULL;
	char *json = NULL;
	if (finish(g, overlay_inspect(o->store, argv[0], &json, &err), &err))
		return 1;
	printf("%s\n", json);
	free(json);
	return 0;
}

/* Apply fn to each of argv (store, name); every failure is reported, 1 if any. */
static int each_arg(struct global_opts *g, struct image_opts *o, int argc, char **argv,
		    const char *what, int (*fn)(const char *, const char *, struct cap_error **))
{
	if (argc < 1)
		return cmd_errorf(g, "%s", what);
	int rc = 0;
	for (int i = 0; i < argc; i++) {
		struct cap_error *err = NULL;
		rc |= finish(g, fn(o->store, argv[i], &err), &err);
	}
	return rc;
}

static int do_rm(struct global_opts *g, struct image_opts *o, int argc, char **argv)
{
	return each_arg(g, o, argc, argv, "image rm: requires at least 1 REF", overlay_image_rm);
}

static int do_gc(struct global_opts *g, struct image_opts *o, int argc, char **argv)
{
	struct cap_error *err = NULL;
	size_t removed = 0;
	if (finish(g, overlay_gc(o->store, &removed, &err), &err))
		return 1;
	if (!o->quiet)
		printf("removed %zu layer(s)\n", removed);
	return 0;
}

static int do_rm_container(struct global_opts *g, struct image_opts *o, int argc, char **argv)
{
	return each_arg(g, o, argc, argv, "image rm-container: requires at least 1 container ID",
			overlay_container_rm);
}

static int do_bundle(struct global_opts *g, struct image_opts *o, int argc, char **argv)
{
	if (argc < 2)
		return cmd_errorf(g, "image bundle: usage: image bundle REF DIR [ARGS...]");
	struct cap_error *err = NULL;
	char **args = argv + 2;
	if (args[0] && strcmp(args[0], "--") == 0)
		args++;
	return finish(g,
		      overlay_bundle_from_image(o->store, argv[0], argv[1], args, o->terminal,
						sc_default_profile_json(), &err),
		      &err);
}

static int do_try(struct global_opts *g, struct image_opts *o, int argc, char **argv)
{
	if (argc < 3)
		return cmd_errorf(g, "image try: usage: image try REF ID CMD [ARGS...]");
	struct overlay_flags f = {.keep_upper = o->keep_upper, .ephemeral = o->ephemeral};
	struct cap_id_mapping map = {0, (uint32_t)o->userns, 65536};
	if (o->userns >= 0) {
		f.userns = true;
		f.owner_uid = f.owner_gid = (uid_t)o->userns;
		f.uid_mappings = f.gid_mappings = &map;
		f.n_uid_mappings = f.n_gid_mappings = 1;
	}
	struct cap_error *err = NULL;
	int status = 0;
	if (finish(g, overlay_try(o->store, argv[0], argv[1], &f, argv + 2, &status, &err), &err))
		return 125;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static const struct {
	const char *name;
	int (*fn)(struct global_opts *, struct image_opts *, int, char **);
} subs[] = {
    {"import", do_import},   {"ls", do_ls},   {"list", do_ls},
    {"inspect", do_inspect}, {"rm", do_rm},   {"gc", do_gc},
    {"bundle", do_bundle},   {"try", do_try}, {"rm-container", do_rm_container},
};

static int usage(struct global_opts *g)
{
	fprintf(stderr,
		"usage: capsule image [--store DIR] COMMAND\n"
		"  import PATH...          import OCI image layouts (dir or tar)\n"
		"  ls [-q]                 list images\n"
		"  inspect REF             manifest, config and layers as JSON\n"
		"  rm REF...               remove images (layers go at the next gc)\n"
		"  gc                      remove layers no image or container uses\n"
		"  rm-container ID...      remove a container's upper dir and record (keep-upper)\n"
		"  bundle [-t] REF DIR [ARGS...]  write DIR/config.json for the image\n"
		"  try [--keep-upper] [--ephemeral] [--userns HOSTUID] REF ID CMD...\n"
		"                          run CMD chrooted in an overlay, no runtime (debugging)\n"
		"REF: sha256:<manifest or config digest>, a digest prefix, or a name.\n"
		"store: --store, else $CAPSULE_STORE, else %s\n",
		OVERLAY_DEFAULT_STORE);
	return 1;
}

int cmd_image(struct global_opts *g, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"store", required_argument, 0, 's'},  {"quiet", no_argument, 0, 'q'},
	    {"keep-upper", no_argument, 0, 'k'},   {"ephemeral", no_argument, 0, 'e'},
	    {"tty", no_argument, 0, 't'},	   {"help", no_argument, 0, 'h'},
	    {"userns", required_argument, 0, 'u'}, {0, 0, 0, 0}};
	struct image_opts o = {.store = getenv("CAPSULE_STORE"), .userns = -1};
	if (!o.store || !*o.store)
		o.store = OVERLAY_DEFAULT_STORE;
	/* Options may come before or after the subcommand name; REF/ARGS end option parsing. */
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+s:qkethu:", opts, NULL)) != -1 || optind < argc) {
		if (c == -1) {
			const char *sub = argv[optind];
			for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
				if (strcmp(sub, subs[i].name) != 0)
					continue;
				argv[optind] = argv[0]; /* let getopt see sub as argv[0] */
				int first = optind;
				optind = 0;
				while ((c = getopt_long(argc - first, argv + first,
							"+s:qkethu:", opts, NULL)) != -1) {
					if (c == '?' || c == 'h')
						return usage(g);
					if (c == 's')
						o.store = optarg;
					if (c == 'u')
						o.userns = strtol(optarg, NULL, 10);
					o.quiet |= c == 'q';
					o.keep_upper |= c == 'k';
					o.ephemeral |= c == 'e';
					o.terminal |= c == 't';
				}
				return subs[i].fn(g, &o, argc - first - optind,
						  argv + first + optind);
			}
			return cmd_errorf(g, "image: unknown command \"%s\"", sub), usage(g);
		}
		if (c == '?' || c == 'h')
			return usage(g);
		if (c == 's')
			o.store = optarg;
		o.quiet |= c == 'q';
		o.keep_upper |= c == 'k';
		o.ephemeral |= c == 'e';
		o.terminal |= c == 't';
	}
	return usage(g);
}
