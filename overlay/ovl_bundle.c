/* `capsule run --image REF`: a bundle whose config.json is `runc spec`'s defaults with the
 * image config's process fields (entrypoint + cmd, env, working dir, user) and the
 * org.capsule.image annotation, so create mounts the image's layers as the rootfs. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <yajl/yajl_gen.h>

#include "../runtime/cleanup.h"
#include "internal.h"
#include "overlay.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static void s(yajl_gen g, const char *str)
{
	yajl_gen_string(g, (const unsigned char *)str, strlen(str));
}

static void kv(yajl_gen g, const char *k, const char *v)
{
	s(g, k);
	s(g, v);
}

static void strs(yajl_gen g, const char *const *v)
{
	yajl_gen_array_open(g);
	for (; *v; v++)
		s(g, *v);
	yajl_gen_array_close(g);
}

static char *read_fd(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;
	while (buf && (n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (len + 1 == cap && cap < (1 << 20)) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				break;
			buf = nb;
		} else if (len + 1 == cap) {
			break;
		}
	}
	if (buf)
		buf[len] = '\0';
	return buf;
}

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
		return read_fd(fd);
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

static void gen_process(yajl_gen g, yajl_val cfg, char *const *args, bool terminal, long uid,
			long gid)
{
	static const char *const caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
					   NULL};
	s(g, "process");
	yajl_gen_map_open(g);
	s(g, "terminal");
	yajl_gen_bool(g, terminal);
	s(g, "user");
	yajl_gen_map_open(g);
	s(g, "uid");
	yajl_gen_integer(g, uid);
	s(g, "gid");
	yajl_gen_integer(g, gid);
	yajl_gen_map_close(g);
	/* args = Entrypoint + (command-line args, or Cmd), as docker does. */
	s(g, "args");
	yajl_gen_array_open(g);
	yajl_val ep = ovl_json_get(cfg, "Entrypoint", yajl_t_array);
	yajl_val cmd = ovl_json_get(cfg, "Cmd", yajl_t_array);
	for (size_t i = 0; ep && i < YAJL_GET_ARRAY(ep)->len; i++)
		if (YAJL_IS_STRING(YAJL_GET_ARRAY(ep)->values[i]))
			s(g, YAJL_GET_STRING(YAJL_GET_ARRAY(ep)->values[i]));
	for (size_t i = 0; args && args[i]; i++)
		s(g, args[i]);
	for (size_t i = 0; !(args && args[0]) && cmd && i < YAJL_GET_ARRAY(cmd)->len; i++)
		if (YAJL_IS_STRING(YAJL_GET_ARRAY(cmd)->values[i]))
			s(g, YAJL_GET_STRING(YAJL_GET_ARRAY(cmd)->values[i]));
	yajl_gen_array_close(g);
	s(g, "env");
	yajl_gen_array_open(g);
	yajl_val env = ovl_json_get(cfg, "Env", yajl_t_array);
	bool has_path = false;
	for (size_t i = 0; env && i < YAJL_GET_ARRAY(env)->len; i++) {
		const char *e = YAJL_GET_STRING(YAJL_GET_ARRAY(env)->values[i]);
		if (e) {
			s(g, e);
			has_path |= strncmp(e, "PATH=", 5) == 0;
		}
	}
	if (!has_path)
		s(g, DEFAULT_PATH);
	if (terminal)
		s(g, "TERM=xterm");
	yajl_gen_array_close(g);
	const char *wd = ovl_json_str(cfg, "WorkingDir");
	kv(g, "cwd", wd && *wd == '/' ? wd : "/");
	s(g, "capabilities");
	yajl_gen_map_open(g);
	const char *sets[] = {"bounding", "effective", "permitted", NULL};
	for (const char *const *set = sets; *set; set++) {
		s(g, *set);
		strs(g, caps);
	}
	yajl_gen_map_close(g);
	s(g, "rlimits");
	yajl_gen_array_open(g);
	yajl_gen_map_open(g);
	kv(g, "type", "RLIMIT_NOFILE");
	s(g, "hard");
	yajl_gen_integer(g, 1024);
	s(g, "soft");
	yajl_gen_integer(g, 1024);
	yajl_gen_map_close(g);
	yajl_gen_array_close(g);
	s(g, "noNewPrivileges");
	yajl_gen_bool(g, 1);
	yajl_gen_map_close(g);
}

static void gen_mount(yajl_gen g, const char *dest, const char *type, const char *src,
		      const char *const *opts)
{
	yajl_gen_map_open(g);
	kv(g, "destination", dest);
	kv(g, "type", type);
	kv(g, "source", src);
	s(g, "options");
	strs(g, opts);
	yajl_gen_map_close(g);
}

/* `runc spec`'s mounts and linux section. */
static void gen_defaults(yajl_gen g)
{
	s(g, "mounts");
	yajl_gen_array_open(g);
	gen_mount(g, "/proc", "proc", "proc", (const char *[]){NULL});
	gen_mount(g, "/dev", "tmpfs", "tmpfs",
		  (const char *[]){"nosuid", "strictatime", "mode=755", "size=65536k", NULL});
	gen_mount(g, "/dev/pts", "devpts", "devpts",
		  (const char *[]){"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620",
				   "gid=5", NULL});
	gen_mount(g, "/dev/shm", "tmpfs", "shm",
		  (const char *[]){"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL});
	gen_mount(g, "/dev/mqueue", "mqueue", "mqueue",
		  (const char *[]){"nosuid", "noexec", "nodev", NULL});
	gen_mount(g, "/sys", "sysfs", "sysfs",
		  (const char *[]){"nosuid", "noexec", "nodev", "ro", NULL});
	gen_mount(g, "/sys/fs/cgroup", "cgroup", "cgroup",
		  (const char *[]){"nosuid", "noexec", "nodev", "relatime", "ro", NULL});
	yajl_gen_array_close(g);
	s(g, "linux");
	yajl_gen_map_open(g);
	s(g, "namespaces");
	yajl_gen_array_open(g);
	const char *ns[] = {"pid", "network", "ipc", "uts", "mount", "cgroup", NULL};
	for (const char *const *n = ns; *n; n++) {
		yajl_gen_map_open(g);
		kv(g, "type", *n);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	s(g, "maskedPaths");
	strs(g, (const char *[]){"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
				 "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
				 "/proc/sched_debug", "/sys/firmware", "/proc/scsi", NULL});
	s(g, "readonlyPaths");
	strs(g, (const char *[]){"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
				 "/proc/sysrq-trigger", NULL});
	yajl_gen_map_close(g);
}

static char *gen_config(const struct ovl_image *img, char *const *args, bool terminal, long uid,
			long gid)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return NULL;
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_config(g, yajl_gen_indent_string, "\t");
	const char *cp[] = {"config", NULL};
	yajl_val cfg = yajl_tree_get(img->config, cp, yajl_t_object);
	yajl_gen_map_open(g);
	kv(g, "ociVersion", "1.0.2-dev");
	gen_process(g, cfg, args, terminal, uid, gid);
	s(g, "root");
	yajl_gen_map_open(g);
	kv(g, "path", "rootfs"); /* unused: create mounts the image's layers instead */
	s(g, "readonly");
	yajl_gen_bool(g, 0);
	yajl_gen_map_close(g);
	kv(g, "hostname", "capsule");
	gen_defaults(g);
	s(g, "annotations");
	yajl_gen_map_open(g);
	char digest[80];
	snprintf(digest, sizeof(digest), "sha256:%s", img->digest);
	kv(g, OVERLAY_ANNOT_IMAGE, digest);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	const unsigned char *buf;
	size_t len;
	yajl_gen_get_buf(g, &buf, &len);
	char *out = strndup((const char *)buf, len);
	yajl_gen_free(g);
	return out;
}

static bool has_args(const struct ovl_image *img, char *const *args)
{
	const char *cp[] = {"config", NULL};
	yajl_val cfg = yajl_tree_get(img->config, cp, yajl_t_object);
	yajl_val ep = ovl_json_get(cfg, "Entrypoint", yajl_t_array);
	yajl_val cmd = ovl_json_get(cfg, "Cmd", yajl_t_array);
	return (args && args[0]) || (ep && YAJL_GET_ARRAY(ep)->len) ||
	       (cmd && YAJL_GET_ARRAY(cmd)->len);
}

int overlay_bundle_from_image(const char *store, const char *ref, const char *bundle_dir,
			      char *const *args, bool terminal, struct cap_error **err)
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
	cleanup_free char *json = rc == 0 ? gen_config(&img, args, terminal, uid, gid) : NULL;
	ovl_image_clear(&img);
	if (rc < 0)
		return -1;
	if (!json)
		return cap_fail(err, ENOMEM, "config.json");
	if (mkdir(bundle_dir, 0755) < 0 && errno != EEXIST)
		return cap_fail(err, errno, "mkdir %s", bundle_dir);
	cleanup_close int bfd = open(bundle_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (bfd < 0)
		return cap_fail(err, errno, "open %s", bundle_dir);
	if (ovl_exists_at(bfd, "config.json"))
		return cap_fail(err, EEXIST, "%s/config.json", bundle_dir);
	if (mkdirat(bfd, "rootfs", 0755) < 0 && errno != EEXIST)
		return cap_fail(err, errno, "mkdir %s/rootfs", bundle_dir);
	return ovl_write_file_at(bfd, "config.json", json, strlen(json), err);
}
