/* The job's config.json: overlay_bundle_from_image's config (`runc spec` defaults + the
 * image's process fields + the image annotation) copied key by key, with the job's
 * deterministic settings replacing process env/cwd/user/rlimits, a read-only root, the
 * fixed hostname/domainname, /tmp, /inputs/<name>, /output, the default seccomp profile
 * and the requested resources. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cleanup.h"
#include "../lib/file.h"
#include "../lib/json.h"
#include "internal.h"

#define TMP_SIZE    "size=1g"	    /* fixed, so `df /tmp` reads the same on every host */
#define CLOCK_SHIFT (400LL * 86400) /* `job check`: monotonic/boottime shift */

const struct job_rlimit job_rlimits[] = {
    {"RLIMIT_NOFILE", 1024, 1024},
    {"RLIMIT_CORE", 0, 0},
    {"RLIMIT_STACK", 8ULL << 20, 8ULL << 20},
    {"RLIMIT_MEMLOCK", 8ULL << 20, 8ULL << 20},
    {"RLIMIT_NPROC", 65536, 65536},
};
const size_t job_n_rlimits = sizeof(job_rlimits) / sizeof(job_rlimits[0]);

void job_gen_rlimits(yajl_gen g)
{
	cap_json_str(g, "rlimits");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < job_n_rlimits; i++) {
		yajl_gen_map_open(g);
		cap_json_kv_str(g, "type", job_rlimits[i].type);
		cap_json_str(g, "soft");
		yajl_gen_integer(g, (long long)job_rlimits[i].soft);
		cap_json_str(g, "hard");
		yajl_gen_integer(g, (long long)job_rlimits[i].hard);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

static void emit(yajl_gen g, yajl_val v)
{
	if (YAJL_IS_OBJECT(v)) {
		yajl_gen_map_open(g);
		for (size_t i = 0; i < v->u.object.len; i++) {
			cap_json_str(g, v->u.object.keys[i]);
			emit(g, v->u.object.values[i]);
		}
		yajl_gen_map_close(g);
	} else if (YAJL_IS_ARRAY(v)) {
		yajl_gen_array_open(g);
		for (size_t i = 0; i < v->u.array.len; i++)
			emit(g, v->u.array.values[i]);
		yajl_gen_array_close(g);
	} else if (YAJL_IS_STRING(v)) {
		cap_json_str(g, YAJL_GET_STRING(v));
	} else if (YAJL_IS_NUMBER(v)) {
		yajl_gen_number(g, YAJL_GET_NUMBER(v), strlen(YAJL_GET_NUMBER(v)));
	} else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
		yajl_gen_bool(g, YAJL_IS_TRUE(v));
	} else {
		yajl_gen_null(g);
	}
}

static bool one_of(const char *k, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(k, *set))
			return true;
	return false;
}

/* Copy v's members except those in skip. */
static void emit_members_except(yajl_gen g, yajl_val v, const char *const *skip)
{
	for (size_t i = 0; YAJL_IS_OBJECT(v) && i < v->u.object.len; i++) {
		if (one_of(v->u.object.keys[i], skip))
			continue;
		cap_json_str(g, v->u.object.keys[i]);
		emit(g, v->u.object.values[i]);
	}
}

static long long member_int(yajl_val v, const char *k1, const char *k2)
{
	const char *p[] = {k1, k2, NULL};
	yajl_val n = yajl_tree_get(v, p, yajl_t_number);
	return n && YAJL_IS_INTEGER(n) ? YAJL_GET_INTEGER(n) : 0;
}

static void emit_process(yajl_gen g, yajl_val proc, struct job_settings *st)
{
	static const char *const skip[] = {
	    "env", "cwd", "user", "rlimits", "terminal", "noNewPrivileges", "execCPUAffinity",
	    NULL};
	cap_json_str(g, "process");
	yajl_gen_map_open(g);
	emit_members_except(g, proc, skip);
	cap_json_str(g, "terminal");
	yajl_gen_bool(g, 0);
	cap_json_str(g, "user");
	yajl_gen_map_open(g);
	/* the image's user (overlay resolved it against the image's /etc/passwd) */
	if (st->uid < 0)
		st->uid = member_int(proc, "user", "uid");
	if (st->gid < 0)
		st->gid = member_int(proc, "user", "gid");
	cap_json_str(g, "uid");
	yajl_gen_integer(g, st->uid);
	cap_json_str(g, "gid");
	yajl_gen_integer(g, st->gid);
	cap_json_str(g, "umask");
	yajl_gen_integer(g, 022);
	yajl_gen_map_close(g);
	cap_json_str(g, "env");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < st->n_env; i++)
		cap_json_str(g, st->env[i]);
	yajl_gen_array_close(g);
	cap_json_kv_str(g, "cwd", st->cwd);
	job_gen_rlimits(g);
	cap_json_str(g, "noNewPrivileges");
	yajl_gen_bool(g, 1);
	if (st->cpu_list[0]) {
		cap_json_str(g, "execCPUAffinity");
		yajl_gen_map_open(g);
		cap_json_kv_str(g, "initial", st->cpu_list);
		cap_json_kv_str(g, "final", st->cpu_list);
		yajl_gen_map_close(g);
	}
	yajl_gen_map_close(g);
}

static void emit_mount(yajl_gen g, const char *dest, const char *type, const char *src,
		       const char *const *opts)
{
	yajl_gen_map_open(g);
	cap_json_kv_str(g, "destination", dest);
	cap_json_kv_str(g, "type", type);
	cap_json_kv_str(g, "source", src);
	cap_json_str(g, "options");
	yajl_gen_array_open(g);
	for (; *opts; opts++)
		cap_json_str(g, *opts);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
}

static void emit_mounts(yajl_gen g, yajl_val mounts, const struct job_spec *s,
			const struct job_settings *st)
{
	cap_json_str(g, "mounts");
	yajl_gen_array_open(g);
	for (size_t i = 0; YAJL_IS_ARRAY(mounts) && i < mounts->u.array.len; i++)
		emit(g, mounts->u.array.values[i]);
	if (st->tmp_dir)
		emit_mount(g, "/tmp", "bind", st->tmp_dir,
			   (const char *[]){"rbind", "rw", "nosuid", "nodev", NULL});
	else
		emit_mount(g, "/tmp", "tmpfs", "tmpfs",
			   (const char *[]){"nosuid", "nodev", "mode=1777", TMP_SIZE, NULL});
	for (size_t i = 0; i < s->n_inputs; i++) {
		char dest[300];
		snprintf(dest, sizeof(dest), "/inputs/%s", s->inputs[i].name);
		emit_mount(g, dest, "bind", st->input_abs[i],
			   (const char *[]){"rbind", "ro", "nosuid", "nodev", NULL});
	}
	emit_mount(g, "/output", "bind", st->output_abs,
		   (const char *[]){"rbind", "rw", "nosuid", "nodev", NULL});
	yajl_gen_array_close(g);
}

static void emit_clock_shift(yajl_gen g)
{
	cap_json_str(g, "timeOffsets");
	yajl_gen_map_open(g);
	const char *clocks[] = {"monotonic", "boottime"};
	for (int i = 0; i < 2; i++) {
		cap_json_str(g, clocks[i]);
		yajl_gen_map_open(g);
		cap_json_str(g, "secs");
		yajl_gen_integer(g, CLOCK_SHIFT);
		cap_json_str(g, "nanosecs");
		yajl_gen_integer(g, 0);
		yajl_gen_map_close(g);
	}
	yajl_gen_map_close(g);
}

static void emit_resources(yajl_gen g, const struct job_settings *st)
{
	if (!st->memory && !st->cpuset_cgroup)
		return;
	cap_json_str(g, "resources");
	yajl_gen_map_open(g);
	if (st->memory) {
		cap_json_str(g, "memory");
		yajl_gen_map_open(g);
		cap_json_str(g, "limit");
		yajl_gen_integer(g, st->memory);
		yajl_gen_map_close(g);
	}
	if (st->cpuset_cgroup && st->cpu_list[0]) {
		cap_json_str(g, "cpu");
		yajl_gen_map_open(g);
		cap_json_kv_str(g, "cpus", st->cpu_list);
		yajl_gen_map_close(g);
	}
	yajl_gen_map_close(g);
}

static void emit_linux(yajl_gen g, yajl_val lx, const struct job_variation *v,
		       const struct job_settings *st, yajl_val seccomp)
{
	static const char *const skip[] = {"resources", "seccomp", "namespaces", "timeOffsets",
					   NULL};
	bool clock = v && v->clock;
	cap_json_str(g, "linux");
	yajl_gen_map_open(g);
	emit_members_except(g, lx, skip);
	const char *np[] = {"namespaces", NULL};
	yajl_val ns = yajl_tree_get(lx, np, yajl_t_array);
	cap_json_str(g, "namespaces");
	yajl_gen_array_open(g);
	for (size_t i = 0; ns && i < ns->u.array.len; i++)
		emit(g, ns->u.array.values[i]);
	if (clock) {
		yajl_gen_map_open(g);
		cap_json_kv_str(g, "type", "time");
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	if (clock)
		emit_clock_shift(g);
	emit_resources(g, st);
	if (seccomp) {
		cap_json_str(g, "seccomp");
		emit(g, seccomp);
	}
	yajl_gen_map_close(g);
}

/* createRuntime: `<capsule> job loopback-up` (job_net.c) */
static void emit_hooks(yajl_gen g, const char *self_exe)
{
	cap_json_str(g, "hooks");
	yajl_gen_map_open(g);
	cap_json_str(g, "createRuntime");
	yajl_gen_array_open(g);
	yajl_gen_map_open(g);
	cap_json_kv_str(g, "path", self_exe);
	cap_json_str_array(g, "args", (const char *const[]){"capsule", "job", "loopback-up", NULL});
	yajl_gen_map_close(g);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
}

static char *generate(yajl_val base, const struct job_spec *s, const struct job_variation *v,
		      struct job_settings *st, yajl_val seccomp, const char *self_exe)
{
	static const char *const mine[] = {"process", "root",  "hostname", "domainname",
					   "mounts",  "linux", "hooks",	   NULL};
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return NULL;
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_config(g, yajl_gen_indent_string, "\t");
	yajl_gen_map_open(g);
	emit_members_except(g, base, mine);
	const char *pp[] = {"process", NULL}, *mp[] = {"mounts", NULL}, *lp[] = {"linux", NULL};
	emit_process(g, yajl_tree_get(base, pp, yajl_t_object), st);
	cap_json_str(g, "root");
	yajl_gen_map_open(g);
	cap_json_kv_str(g, "path", "rootfs");
	cap_json_str(g, "readonly");
	yajl_gen_bool(g, 1);
	yajl_gen_map_close(g);
	cap_json_kv_str(g, "hostname", v && v->hostname ? v->hostname : JOB_HOSTNAME);
	cap_json_kv_str(g, "domainname", JOB_DOMAINNAME);
	emit_mounts(g, yajl_tree_get(base, mp, yajl_t_array), s, st);
	emit_linux(g, yajl_tree_get(base, lp, yajl_t_object), v, st, seccomp);
	if (self_exe)
		emit_hooks(g, self_exe);
	yajl_gen_map_close(g);
	const unsigned char *buf;
	size_t len;
	char *out = NULL;
	if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
		out = strndup((const char *)buf, len);
	yajl_gen_free(g);
	return out;
}

int job_config_write(const char *bundle, const struct job_spec *s, const struct job_variation *v,
		     struct job_settings *st, const struct job_env *e, char **config_sha,
		     struct cap_error **err)
{
	const char *seccomp_json = e->seccomp_json;
	cleanup_close int bfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (bfd < 0)
		return cap_fail(err, errno, "open %s", bundle);
	cleanup_free char *raw = cap_read_file_at(bfd, "config.json", NULL, err);
	if (!raw)
		return -1;
	char ebuf[256];
	yajl_val base = yajl_tree_parse(raw, ebuf, sizeof(ebuf));
	if (!base)
		return cap_fail(err, 0, "%s/config.json: %s", bundle, ebuf);
	yajl_val seccomp = seccomp_json ? yajl_tree_parse(seccomp_json, ebuf, sizeof(ebuf)) : NULL;
	cleanup_free char *json = NULL;
	if (!seccomp_json || seccomp)
		json = generate(base, s, v, st, seccomp, e->self_exe);
	yajl_tree_free(base);
	yajl_tree_free(seccomp);
	if (!json)
		return cap_fail(err, seccomp_json ? ENOMEM : 0, "%s/config.json: generate", bundle);
	char hex[JOB_HEX_LEN + 1];
	if (job_sha_buf(json, strlen(json), hex, err) < 0 ||
	    cap_write_file_atomic(bfd, "config.json", json, strlen(json), 0644, err) < 0)
		return -1;
	*config_sha = strdup(hex);
	return *config_sha ? 0 : cap_fail(err, ENOMEM, "config digest");
}
