/* capsule spec [--rootless] [--bundle DIR]: write a default config.json, the
 * one `runc spec` writes (same mounts, capabilities, masked and read-only
 * paths; `--rootless` makes the same changes as runc's), at runtime-spec
 * 1.2.0, plus the default seccomp profile from seccomp/. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "../runtime/cleanup.h"
#include "../seccomp/seccomp.h"
#include "cmd.h"

#define NIL NULL

static const char *const default_caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
					   NIL};

struct default_mount {
	const char *destination, *type, *source;
	const char *const *options;
	bool rootful_only, rootless_only;
};

static const struct default_mount default_mounts[] = {
    {"/proc", "proc", "proc", NULL, false, false},
    {"/dev", "tmpfs", "tmpfs",
     (const char *const[]){"nosuid", "strictatime", "mode=755", "size=65536k", NIL}, false, false},
    {"/dev/pts", "devpts", "devpts",
     (const char *const[]){"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5",
			   NIL},
     true, false},
    /* Without a mapping for gid 5 the kernel refuses gid=5. */
    {"/dev/pts", "devpts", "devpts",
     (const char *const[]){"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", NIL},
     false, true},
    {"/dev/shm", "tmpfs", "shm",
     (const char *const[]){"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NIL}, false,
     false},
    {"/dev/mqueue", "mqueue", "mqueue", (const char *const[]){"nosuid", "noexec", "nodev", NIL},
     false, false},
    {"/sys", "sysfs", "sysfs", (const char *const[]){"nosuid", "noexec", "nodev", "ro", NIL}, true,
     false},
    /* A user namespace that does not own the network namespace cannot
     * mount sysfs: bind the host's instead. */
    {"/sys", "none", "/sys", (const char *const[]){"rbind", "nosuid", "noexec", "nodev", "ro", NIL},
     false, true},
    {"/sys/fs/cgroup", "cgroup", "cgroup",
     (const char *const[]){"nosuid", "noexec", "nodev", "relatime", "ro", NIL}, false, false},
};

static const char *const masked_paths[] = {
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/sys/firmware",
    "/proc/scsi",
    "/sys/devices/virtual/powercap",
    NIL,
};

static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NIL,
};

/* ---- yajl_gen shorthands ------------------------------------------------- */

static void str(yajl_gen j, const char *s)
{
	yajl_gen_string(j, (const unsigned char *)s, strlen(s));
}

static void kstr(yajl_gen j, const char *k, const char *v)
{
	str(j, k);
	str(j, v);
}

static void kint(yajl_gen j, const char *k, long long v)
{
	str(j, k);
	yajl_gen_integer(j, v);
}

static void kbool(yajl_gen j, const char *k, bool v)
{
	str(j, k);
	yajl_gen_bool(j, v);
}

static void kstrv(yajl_gen j, const char *k, const char *const *v)
{
	str(j, k);
	yajl_gen_array_open(j);
	for (; *v; v++)
		str(j, *v);
	yajl_gen_array_close(j);
}

/* Re-emit a parsed tree (the seccomp profile) with our indentation. */
static void gen_tree(yajl_gen j, yajl_val v)
{
	switch (v->type) {
	case yajl_t_string:
		str(j, v->u.string);
		break;
	case yajl_t_number:
		yajl_gen_number(j, v->u.number.r, strlen(v->u.number.r));
		break;
	case yajl_t_object:
		yajl_gen_map_open(j);
		for (size_t i = 0; i < v->u.object.len; i++) {
			str(j, v->u.object.keys[i]);
			gen_tree(j, v->u.object.values[i]);
		}
		yajl_gen_map_close(j);
		break;
	case yajl_t_array:
		yajl_gen_array_open(j);
		for (size_t i = 0; i < v->u.array.len; i++)
			gen_tree(j, v->u.array.values[i]);
		yajl_gen_array_close(j);
		break;
	case yajl_t_true:
	case yajl_t_false:
		yajl_gen_bool(j, v->type == yajl_t_true);
		break;
	default:
		yajl_gen_null(j);
	}
}

/* ---- the document ---------------------------------------------------------- */

static void gen_process(yajl_gen j)
{
	str(j, "process");
	yajl_gen_map_open(j);
	kbool(j, "terminal", true);
	str(j, "user");
	yajl_gen_map_open(j);
	kint(j, "uid", 0);
	kint(j, "gid", 0);
	yajl_gen_map_close(j);
	kstrv(j, "args", (const char *const[]){"sh", NIL});
	kstrv(j, "env",
	      (const char *const[]){
		  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
		  NIL});
	kstr(j, "cwd", "/");
	str(j, "capabilities");
	yajl_gen_map_open(j);
	kstrv(j, "bounding", default_caps);
	kstrv(j, "effective", default_caps);
	kstrv(j, "permitted", default_caps);
	kstrv(j, "ambient", default_caps);
	yajl_gen_map_close(j);
	str(j, "rlimits");
	yajl_gen_array_open(j);
	yajl_gen_map_open(j);
	kstr(j, "type", "RLIMIT_NOFILE");
	kint(j, "hard", 1024);
	kint(j, "soft", 1024);
	yajl_gen_map_close(j);
	yajl_gen_array_close(j);
	kbool(j, "noNewPrivileges", true);
	yajl_gen_map_close(j);
}

static void gen_mounts(yajl_gen j, bool rootless)
{
	str(j, "mounts");
	yajl_gen_array_open(j);
	for (size_t i = 0; i < sizeof(default_mounts) / sizeof(default_mounts[0]); i++) {
		const struct default_mount *m = &default_mounts[i];
		if ((rootless && m->rootful_only) || (!rootless && m->rootless_only))
			continue;
		yajl_gen_map_open(j);
		kstr(j, "destination", m->destination);
		kstr(j, "type", m->type);
		kstr(j, "source", m->source);
		if (m->options)
			kstrv(j, "options", m->options);
		yajl_gen_map_close(j);
	}
	yajl_gen_array_close(j);
}

static void gen_id_mapping(yajl_gen j, const char *key, unsigned host_id)
{
	str(j, key);
	yajl_gen_array_open(j);
	yajl_gen_map_open(j);
	kint(j, "containerID", 0);
	kint(j, "hostID", host_id);
	kint(j, "size", 1);
	yajl_gen_map_close(j);
	yajl_gen_array_close(j);
}

static void gen_linux(yajl_gen j, bool rootless, yajl_val seccomp)
{
	str(j, "linux");
	yajl_gen_map_open(j);
	if (rootless) {
		gen_id_mapping(j, "uidMappings", geteuid());
		gen_id_mapping(j, "gidMappings", getegid());
	} else {
		/* Deny every device; the runtime adds the default allow list. */
		str(j, "resources");
		yajl_gen_map_open(j);
		str(j, "devices");
		yajl_gen_array_open(j);
		yajl_gen_map_open(j);
		kbool(j, "allow", false);
		kstr(j, "access", "rwm");
		yajl_gen_map_close(j);
		yajl_gen_array_close(j);
		yajl_gen_map_close(j);
	}
	str(j, "namespaces");
	yajl_gen_array_open(j);
	/* Rootless: no network namespace (nothing could configure it), and a
	 * user namespace. */
	const char *const ns[] = {"pid",   rootless ? NIL : "network", "ipc", "uts",
				  "mount", rootless ? "user" : NIL};
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		if (!ns[i])
			continue;
		yajl_gen_map_open(j);
		kstr(j, "type", ns[i]);
		yajl_gen_map_close(j);
	}
	yajl_gen_array_close(j);
	kstrv(j, "maskedPaths", masked_paths);
	kstrv(j, "readonlyPaths", readonly_paths);
	if (seccomp) {
		str(j, "seccomp");
		gen_tree(j, seccomp);
	}
	yajl_gen_map_close(j);
}

/* The whole config.json (malloc'd, with a final newline), NULL on failure. */
static char *default_config(bool rootless)
{
	yajl_val seccomp = yajl_tree_parse(seccomp_default_profile_json(), NULL, 0);
	yajl_gen j = yajl_gen_alloc(NULL);
	if (!j) {
		yajl_tree_free(seccomp);
		return NULL;
	}
	yajl_gen_config(j, yajl_gen_beautify, 1);
	yajl_gen_config(j, yajl_gen_indent_string, "\t");
	yajl_gen_map_open(j);
	kstr(j, "ociVersion", "1.2.0");
	gen_process(j);
	str(j, "root");
	yajl_gen_map_open(j);
	kstr(j, "path", "rootfs");
	kbool(j, "readonly", true);
	yajl_gen_map_close(j);
	kstr(j, "hostname", "capsule");
	gen_mounts(j, rootless);
	gen_linux(j, rootless, seccomp);
	yajl_gen_map_close(j);

	const unsigned char *buf;
	size_t len;
	char *out = NULL;
	if (yajl_gen_get_buf(j, &buf, &len) == yajl_gen_status_ok &&
	    asprintf(&out, "%.*s%s", (int)len, (const char *)buf,
		     len && buf[len - 1] == '\n' ? "" : "\n") < 0)
		out = NULL;
	yajl_gen_free(j);
	yajl_tree_free(seccomp);
	return out;
}

static int write_all_fd(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

CMD(spec)
{
	static const struct option opts[] = {
	    {"bundle", required_argument, 0, 'b'},
	    {"rootless", no_argument, 0, 'r'},
	    {0, 0, 0, 0},
	};
	const char *bundle = ".";
	bool rootless = false;
	int c;
	while ((c = getopt_long_only(argc, argv, "+b:", opts, NULL)) != -1) {
		if (c == 'b')
			bundle = optarg;
		else if (c == 'r')
			rootless = true;
		else
			return 1;
	}
	if (cmd_require_args(g, "spec", argc - optind, 0) < 0)
		return 1;

	cleanup_close int dir = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return cmd_errorf(g, "chdir %s: %s", bundle, strerror(errno));
	cleanup_free char *json = default_config(rootless);
	if (!json)
		return cmd_errorf(g, "spec: generating config.json: %s", strerror(ENOMEM));
	/* O_EXCL: never overwrite, and no window between a check and the write. */
	cleanup_close int fd =
	    openat(dir, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0 && errno == EEXIST)
		return cmd_errorf(g, "File config.json exists. Remove it first");
	if (fd < 0)
		return cmd_errorf(g, "open %s/config.json: %s", bundle, strerror(errno));
	if (write_all_fd(fd, json, strlen(json)) < 0) {
		int saved = errno;
		unlinkat(dir, "config.json", 0);
		return cmd_errorf(g, "write %s/config.json: %s", bundle, strerror(saved));
	}
	return 0;
}
