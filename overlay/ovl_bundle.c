/* `capsule run --image REF`: a bundle whose config.json is oci/'s default spec (what
 * `capsule spec` writes) with the image config's process fields (entrypoint + cmd, env, working
 * dir, user) and the org.capsule.image annotation, so create mounts the image's layers as the
 * rootfs. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <yajl/yajl_gen.h>

#include "../oci/oci.h"
#include "../lib/cleanup.h"
#include "internal.h"
#include "overlay.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* /etc/passwd or /etc/group of the image: top layer first; a whiteout or a symlink ends the
 * search (a symlink would point into the merged tree, which does not exist yet). */
static char *read_image_file(int storefd, const struct ovl_image *img, const char *file)
{
	struct open_how how = {.flags = O_RDONLY | O_CLOEXEC,
			       .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS};
	for (size_t i = img->n_layers; i-- > 0;) {
		char dir[128];
		snprintf(dir, sizeof(dir), "layers/sha256/%s", img->layers[i]);
		cleanup_close int lfd = openat(storefd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (lfd < 0)
			return NULL;
		cleanup_close int fd = (int)syscall(SYS_openat2, lfd, file, &how, sizeof(how));
		struct stat st;
		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
			return NULL;
		struct cap_error *e = NULL;
		char *text = cap_read_fd(fd, 1 << 20, NULL, file, &e);
		cap_error_free(e); /* unreadable: no such user, as a missing file */
		return text;
	}
	return NULL;
}

/* In a passwd/group style db: by name (name != NULL) or by id (field 3); fills the id and,
 * for passwd, the primary gid (field 4). */
static int lookup(const char *db, const char *name, long *id, long *gid)
{
	for (const char *l = db; l && *l;) {
		char n[256];
		long i = -1, g = -1;
		int got = sscanf(l, "%255[^:\n]:%*[^:\n]:%ld:%ld", n, &i, &g);
		if (got >= 2 && (name ? strcmp(n, name) == 0 : i == *id)) {
			*id = i;
			if (gid && got == 3)
				*gid = g;
			return 0;
		}
		const char *nl = strchr(l, '\n');
		l = nl ? nl + 1 : NULL;
	}
	return -1;
}

static bool numeric(const char *v, long *out)
{
	char *end;
	if (!*v)
		return false;
	*out = strtol(v, &end, 10);
	return *end == '\0' && *out >= 0;
}

/* Image config "User": "", "uid", "uid:gid", "name", "name:group". */
static int resolve_user(int storefd, const struct ovl_image *img, const char *user, long *uid,
			long *gid, struct cap_error **err)
{
	*uid = *gid = 0;
	if (!user || !*user)
		return 0;
	char u[256];
	snprintf(u, sizeof(u), "%s", user);
	char *g = strchr(u, ':');
	if (g)
		*g++ = '\0';
	cleanup_free char *passwd = read_image_file(storefd, img, "etc/passwd");
	if (!numeric(u, uid) && lookup(passwd, u, uid, gid) < 0)
		return cap_fail(err, ENOENT, "image user \"%s\" not in the image's /etc/passwd", u);
	if (!g) {
		long id = *uid; /* a bare uid takes its primary group when the image knows it */
		lookup(passwd, NULL, &id, gid);
		return 0;
	}
	cleanup_free char *group = NULL;
	if (!numeric(g, gid)) {
		group = read_image_file(storefd, img, "etc/group");
		if (lookup(group, g, gid, NULL) < 0)
			return cap_fail(err, ENOENT,
					"image group \"%s\" not in the image's /etc/group", g);
	}
	return 0;
}

/* Appends the strings of a JSON array (non-strings skipped) to v[*n...]. */
static void add_strings(const char **v, size_t *n, yajl_val arr)
{
	for (size_t i = 0; arr && i < YAJL_GET_ARRAY(arr)->len; i++)
		if (YAJL_IS_STRING(YAJL_GET_ARRAY(arr)->values[i]))
			v[(*n)++] = YAJL_GET_STRING(YAJL_GET_ARRAY(arr)->values[i]);
}

static size_t json_len(yajl_val arr)
{
	return arr ? YAJL_GET_ARRAY(arr)->len : 0;
}

/* The image's process: args = Entrypoint + (command-line args, or Cmd), as
 * docker does; its Env (PATH added when missing), WorkingDir, user.  The
 * rest of config.json is oci/'s default spec, the one `capsule spec` writes
 * (default seccomp profile included). */
static char *gen_config(const struct ovl_image *img, char *const *args, bool terminal, long uid,
			long gid, const char *seccomp_json, struct cap_error **err)
{
	const char *cp[] = {"config", NULL};
	yajl_val cfg = yajl_tree_get(img->config, cp, yajl_t_object);
	yajl_val ep = cap_json_get(cfg, "Entrypoint", yajl_t_array);
	yajl_val cmd = cap_json_get(cfg, "Cmd", yajl_t_array);
	yajl_val env = cap_json_get(cfg, "Env", yajl_t_array);
	size_t n_args = 0;
	while (args && args[n_args])
		n_args++;
	cleanup_free const char **argv =
	    calloc(json_len(ep) + json_len(cmd) + n_args + 1, sizeof(char *));
	cleanup_free const char **envv = calloc(json_len(env) + 3, sizeof(char *));
	if (!argv || !envv) {
		cap_fail(err, ENOMEM, "config.json");
		return NULL;
	}
	size_t na = 0, ne = 0;
	add_strings(argv, &na, ep);
	for (size_t i = 0; i < n_args; i++)
		argv[na++] = args[i];
	if (!n_args)
		add_strings(argv, &na, cmd);
	add_strings(envv, &ne, env);
	bool has_path = false;
	for (size_t i = 0; i < ne; i++)
		has_path |= strncmp(envv[i], "PATH=", 5) == 0;
	if (!has_path)
		envv[ne++] = DEFAULT_PATH;
	if (terminal)
		envv[ne++] = "TERM=xterm";
	const char *wd = cap_json_get_str(cfg, "WorkingDir");
	struct oci_process proc = {
	    .terminal = terminal,
	    .uid = uid,
	    .gid = gid,
	    .args = argv,
	    .env = envv,
	    .cwd = wd && *wd == '/' ? wd : "/",
	};
	char digest[80];
	snprintf(digest, sizeof(digest), "sha256:%s", img->digest);
	const char *annotations[] = {OVERLAY_ANNOT_IMAGE, digest, NULL};
	struct oci_spec_opts so = {
	    .root_readonly = false, /* the rootfs is the image's layers + an upper dir */
	    .process = &proc,
	    .seccomp_json = seccomp_json,
	    .annotations = annotations,
	};
	char *out = NULL;
	return oci_default_spec(&so, &out, err) < 0 ? NULL : out;
}

static bool has_args(const struct ovl_image *img, char *const *args)
{
	const char *cp[] = {"config", NULL};
	yajl_val cfg = yajl_tree_get(img->config, cp, yajl_t_object);
	yajl_val ep = cap_json_get(cfg, "Entrypoint", yajl_t_array);
	yajl_val cmd = cap_json_get(cfg, "Cmd", yajl_t_array);
	return (args && args[0]) || (ep && YAJL_GET_ARRAY(ep)->len) ||
	       (cmd && YAJL_GET_ARRAY(cmd)->len);
}

int overlay_bundle_from_image(const char *store, const char *ref, const char *bundle_dir,
			      char *const *args, bool terminal, const char *seccomp_json,
			      struct cap_error **err)
{
	char hex[OVL_HEX_LEN + 1];
	struct ovl_image img;
	cleanup_close int storefd = ovl_image_open(store, ref, hex, &img, err);
	if (storefd < 0)
		return -1;
	const char *cp[] = {"config", "User", NULL};
	yajl_val user = yajl_tree_get(img.config, cp, yajl_t_string);
	long uid, gid;
	int rc = resolve_user(storefd, &img, user ? YAJL_GET_STRING(user) : NULL, &uid, &gid, err);
	if (rc == 0 && !has_args(&img, args))
		rc = cap_fail(err, 0, "image %s has no entrypoint or cmd: give a command", ref);
	cleanup_free char *json =
	    rc == 0 ? gen_config(&img, args, terminal, uid, gid, seccomp_json, err) : NULL;
	ovl_image_clear(&img);
	if (!json)
		return -1;
	if (mkdir(bundle_dir, 0755) < 0 && errno != EEXIST)
		return cap_fail(err, errno, "mkdir %s", bundle_dir);
	cleanup_close int bfd = open(bundle_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (bfd < 0)
		return cap_fail(err, errno, "open %s", bundle_dir);
	if (ovl_exists_at(bfd, "config.json"))
		return cap_fail(err, EEXIST, "%s/config.json", bundle_dir);
	if (mkdirat(bfd, "rootfs", 0755) < 0 && errno != EEXIST)
		return cap_fail(err, errno, "mkdir %s/rootfs", bundle_dir);
	return cap_write_file_atomic(bfd, "config.json", json, strlen(json), 0644, err);
}
