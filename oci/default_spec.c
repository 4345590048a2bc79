/* The default config.json: see oci.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "../lib/cleanup.h"
#include "oci.h"

#define NIL NULL

static const char *const default_caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
					   NIL};

static const char *const default_env[] = {
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NIL};

static const struct oci_process default_process = {
    .terminal = true,
    .args = (const char *const[]){"sh", NIL},
    .env = default_env,
    .cwd = "/",
};

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
	for (; v && *v; v++)
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

static void gen_process(yajl_gen j, const struct oci_process *p)
{
	str(j, "process");
	yajl_gen_map_open(j);
	kbool(j, "terminal", p->terminal);
	str(j, "user");
	yajl_gen_map_open(j);
	kint(j, "uid", p->uid);
	kint(j, "gid", p->gid);
	yajl_gen_map_close(j);
	kstrv(j, "args", p->args);
	kstrv(j, "env", p->env);
	kstr(j, "cwd", p->cwd ? p->cwd : "/");
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
	 * user namespace.  Rootful: a cgroup namespace too (as runc 1.2). */
	const char *const ns[] = {"pid",   rootless ? NIL : "network",	"ipc", "uts",
				  "mount", rootless ? "user" : "cgroup"};
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

static void gen_annotations(yajl_gen j, const char *const *kv)
{
	if (!kv || !kv[0])
		return;
	str(j, "annotations");
	yajl_gen_map_open(j);
	for (; kv[0] && kv[1]; kv += 2)
		kstr(j, kv[0], kv[1]);
	yajl_gen_map_close(j);
}

static void cleanup_gen_fn(yajl_gen *g)
{
	if (*g)
		yajl_gen_free(*g);
}

static void cleanup_tree_fn(yajl_val *v)
{
	yajl_tree_free(*v);
}

int oci_default_spec(const struct oci_spec_opts *o, char **out, struct cap_error **err)
{
	*out = NULL;
	__attribute__((cleanup(cleanup_tree_fn))) yajl_val seccomp = NULL;
	if (o->seccomp_json) {
		char msg[256] = "";
		seccomp = yajl_tree_parse(o->seccomp_json, msg, sizeof(msg));
		if (!seccomp)
			return cap_fail(err, EINVAL, "default seccomp profile: %s", msg);
	}
	__attribute__((cleanup(cleanup_gen_fn))) yajl_gen j = yajl_gen_alloc(NULL);
	if (!j)
		return cap_fail(err, ENOMEM, "config.json");
	yajl_gen_config(j, yajl_gen_beautify, 1);
	yajl_gen_config(j, yajl_gen_indent_string, "\t");
	yajl_gen_map_open(j);
	kstr(j, "ociVersion", OCI_SPEC_VERSION);
	gen_process(j, o->process ? o->process : &default_process);
	str(j, "root");
	yajl_gen_map_open(j);
	kstr(j, "path", "rootfs");
	kbool(j, "readonly", o->root_readonly);
	yajl_gen_map_close(j);
	kstr(j, "hostname", "capsule");
	gen_mounts(j, o->rootless);
	gen_linux(j, o->rootless, seccomp);
	gen_annotations(j, o->annotations);
	yajl_gen_map_close(j);

	const unsigned char *buf;
	size_t len;
	if (yajl_gen_get_buf(j, &buf, &len) != yajl_gen_status_ok ||
	    asprintf(out, "%.*s%s", (int)len, (const char *)buf,
		     len && buf[len - 1] == '\n' ? "" : "\n") < 0) {
		*out = NULL;
		return cap_fail(err, ENOMEM, "config.json");
	}
	return 0;
}
