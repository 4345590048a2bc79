/* config.json "process" -> struct spec_process. */
#include <ctype.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "spec_internal.h"
#include "tables.h"

/* Not all of these are in glibc's <sched.h>; values from <linux/sched.h>,
 * which clashes with glibc's header when both are included. */
#ifndef SCHED_BATCH
#define SCHED_BATCH 3
#endif
#define CAPSULE_SCHED_ISO 4 /* reserved by the kernel; sched_setattr refuses it */
#ifndef SCHED_IDLE
#define SCHED_IDLE 5
#endif
#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

struct named {
	const char *name;
	int value;
};

static const struct named sched_policies[] = {
    {"SCHED_OTHER", SCHED_OTHER},
    {"SCHED_FIFO", SCHED_FIFO},
    {"SCHED_RR", SCHED_RR},
    {"SCHED_BATCH", SCHED_BATCH},
    {"SCHED_ISO", CAPSULE_SCHED_ISO},
    {"SCHED_IDLE", SCHED_IDLE},
    {"SCHED_DEADLINE", SCHED_DEADLINE},
};

static const struct named sched_flags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},	 {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},	 {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},	 {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};

static const struct named ioprio_classes[] = {
    {"IOPRIO_CLASS_RT", 1},
    {"IOPRIO_CLASS_BE", 2},
    {"IOPRIO_CLASS_IDLE", 3},
};

static int lookup(const struct named *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return t[i].value;
	return -1;
}

/* A required string field looked up in a table; `what` names the kind in the
 * error ("unknown scheduler policy \"X\""). */
static int table_field(yajl_val obj, const char *key, struct jpath *p, const struct named *t,
		       size_t n, const char *what, int *out, struct cap_error **err)
{
	yajl_val v = cap_json_member(obj, key);
	if (!v)
		return oci_jp_required(p, key, err);
	size_t m = oci_jp_key(p, key);
	const char *s = NULL;
	int rc = oci_jv_str(v, p, &s, err);
	if (rc == 0 && (*out = lookup(t, n, s)) < 0)
		rc = oci_jp_fail(p, err, "unknown %s \"%s\"", what, s);
	oci_jp_pop(p, m);
	return rc;
}

static int parse_user(yajl_val u, struct jpath *p, struct spec_user *out, struct cap_error **err)
{
	uint32_t id;
	if (oci_jf_id(u, "uid", p, &id, err) < 0)
		return -1;
	out->uid = cap_json_member(u, "uid") ? id : 0;
	if (oci_jf_id(u, "gid", p, &id, err) < 0)
		return -1;
	out->gid = cap_json_member(u, "gid") ? id : 0;
	uint64_t umask;
	int rc = oci_jf_u64(u, "umask", p, 07777, &umask, err);
	if (rc < 0)
		return -1;
	out->has_umask = rc > 0;
	out->umask = rc > 0 ? (mode_t)umask : 0;
	yajl_val gids;
	if (oci_jf_arr(u, "additionalGids", p, &gids, err) < 0)
		return -1;
	if (gids && gids->u.array.len) {
		size_t n = gids->u.array.len;
		if (!(out->additional_gids = calloc(n, sizeof(gid_t))))
			return cap_fail(err, ENOMEM, "process.user.additionalGids");
		out->n_additional_gids = n;
		size_t m = oci_jp_key(p, "additionalGids");
		for (size_t i = 0; i < n; i++) {
			size_t mi = oci_jp_idx(p, i);
			uint64_t g;
			int r = oci_jv_u64(gids->u.array.values[i], p, UINT32_MAX - 1, &g, err);
			oci_jp_pop(p, mi);
			if (r < 0)
				return oci_jp_pop(p, m), -1;
			out->additional_gids[i] = (gid_t)g;
		}
		oci_jp_pop(p, m);
	}
	return oci_jf_str(u, "username", p, &out->username, err) < 0 ? -1 : 0;
}

/* One capability set: names -> bitmask.  Names must be spelled like the spec
 * ("CAP_SYS_ADMIN"); libcap alone would also take "sys_admin" or "21". */
static int parse_cap_set(yajl_val caps, const char *key, struct jpath *p, uint64_t *mask, bool *has,
			 struct cap_error **err)
{
	yajl_val arr;
	int rc = oci_jf_arr(caps, key, p, &arr, err);
	if (rc <= 0)
		return rc;
	*has = true;
	size_t m = oci_jp_key(p, key);
	for (size_t i = 0; i < arr->u.array.len; i++) {
		size_t mi = oci_jp_idx(p, i);
		const char *name = NULL;
		cap_value_t cap;
		if (oci_jv_str(arr->u.array.values[i], p, &name, err) < 0)
			return oci_jp_pop(p, m), -1;
		if (strncmp(name, "CAP_", 4) != 0 || cap_from_name(name, &cap) < 0 || cap < 0 ||
		    cap > 63) {
			oci_jp_fail(p, err, "unknown capability \"%s\"", name);
			return oci_jp_pop(p, m), -1;
		}
		*mask |= UINT64_C(1) << cap;
		oci_jp_pop(p, mi);
	}
	oci_jp_pop(p, m);
	return 1;
}

static int parse_caps(yajl_val c, struct jpath *p, struct spec_capabilities *caps,
		      struct cap_error **err)
{
	if (parse_cap_set(c, "bounding", p, &caps->bounding, &caps->has_bounding, err) < 0 ||
	    parse_cap_set(c, "effective", p, &caps->effective, &caps->has_effective, err) < 0 ||
	    parse_cap_set(c, "inheritable", p, &caps->inheritable, &caps->has_inheritable, err) <
		0 ||
	    parse_cap_set(c, "permitted", p, &caps->permitted, &caps->has_permitted, err) < 0 ||
	    parse_cap_set(c, "ambient", p, &caps->ambient, &caps->has_ambient, err) < 0)
		return -1;
	return 0;
}

static int parse_rlimit(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	struct spec_rlimit *rl = out;
	yajl_val t = cap_json_member(v, "type");
	if (!t)
		return oci_jp_required(p, "type", err);
	size_t m = oci_jp_key(p, "type");
	const char *name = NULL;
	int rc = oci_jv_str(t, p, &name, err);
	if (rc == 0 && (rl->resource = oci_rlimit_from_name(name)) < 0)
		rc = oci_jp_fail(p, err, "unknown rlimit \"%s\"", name);
	oci_jp_pop(p, m);
	if (rc < 0)
		return -1;
	if (!cap_json_member(v, "soft"))
		return oci_jp_required(p, "soft", err);
	if (!cap_json_member(v, "hard"))
		return oci_jp_required(p, "hard", err);
	if (oci_jf_u64(v, "soft", p, UINT64_MAX, &rl->soft, err) < 0 ||
	    oci_jf_u64(v, "hard", p, UINT64_MAX, &rl->hard, err) < 0)
		return -1;
	return 0;
}

/* The spec forbids two entries of one type: setrlimit would silently keep
 * the last, which is never what the author meant. */
static int check_rlimit_dups(const struct spec_process *pr, struct jpath *p, struct cap_error **err)
{
	for (size_t i = 1; i < pr->n_rlimits; i++) {
		for (size_t j = 0; j < i; j++) {
			if (pr->rlimits[i].resource != pr->rlimits[j].resource)
				continue;
			size_t m = oci_jp_key(p, "rlimits");
			oci_jp_idx(p, i);
			oci_jp_key(p, "type");
			for (size_t k = 0; k < oci_rlimit_table_len; k++)
				if (oci_rlimit_table[k].value == pr->rlimits[i].resource)
					oci_jp_fail(p, err, "duplicate rlimit \"%s\"",
						    oci_rlimit_table[k].name);
			oci_jp_pop(p, m);
			return -1;
		}
	}
	return 0;
}

static int parse_sched_flags(yajl_val s, struct jpath *p, uint64_t *flags, struct cap_error **err)
{
	yajl_val arr;
	int rc = oci_jf_arr(s, "flags", p, &arr, err);
	if (rc <= 0)
		return rc;
	size_t m = oci_jp_key(p, "flags");
	for (size_t i = 0; i < arr->u.array.len; i++) {
		size_t mi = oci_jp_idx(p, i);
		const char *name = NULL;
		int f;
		if (oci_jv_str(arr->u.array.values[i], p, &name, err) < 0)
			return oci_jp_pop(p, m), -1;
		if ((f = lookup(sched_flags, LEN(sched_flags), name)) < 0) {
			oci_jp_fail(p, err, "unknown scheduler flag \"%s\"", name);
			return oci_jp_pop(p, m), -1;
		}
		*flags |= (uint64_t)f;
		oci_jp_pop(p, mi);
	}
	oci_jp_pop(p, m);
	return 0;
}

static int parse_scheduler(yajl_val s, struct jpath *p, struct spec_scheduler *out,
			   struct cap_error **err)
{
	out->present = true;
	if (table_field(s, "policy", p, sched_policies, LEN(sched_policies), "scheduler policy",
			&out->policy, err) < 0 ||
	    oci_jf_int(s, "nice", p, -20, 19, &out->nice, err) < 0 ||
	    oci_jf_int(s, "priority", p, INT32_MIN, INT32_MAX, &out->priority, err) < 0 ||
	    parse_sched_flags(s, p, &out->flags, err) < 0 ||
	    oci_jf_u64(s, "runtime", p, UINT64_MAX, &out->runtime, err) < 0 ||
	    oci_jf_u64(s, "deadline", p, UINT64_MAX, &out->deadline, err) < 0 ||
	    oci_jf_u64(s, "period", p, UINT64_MAX, &out->period, err) < 0)
		return -1;
	return 0;
}

static int parse_io_priority(yajl_val s, struct jpath *p, struct spec_io_priority *out,
			     struct cap_error **err)
{
	out->present = true;
	if (table_field(s, "class", p, ioprio_classes, LEN(ioprio_classes), "I/O priority class",
			&out->class, err) < 0 ||
	    oci_jf_int(s, "priority", p, 0, 7, &out->priority, err) < 0)
		return -1;
	return 0;
}

/* "0-3,7": what the kernel's cpulist parser takes (no stride syntax). */
static bool valid_cpu_list(const char *s)
{
	if (!*s)
		return false;
	for (;;) {
		if (!isdigit((unsigned char)*s))
			return false;
		char *end;
		unsigned long a = strtoul(s, &end, 10);
		s = end;
		if (*s == '-') {
			if (!isdigit((unsigned char)*++s))
				return false;
			unsigned long b = strtoul(s, &end, 10);
			if (b < a)
				return false;
			s = end;
		}
		if (!*s)
			return true;
		if (*s++ != ',')
			return false;
	}
}

static int cpu_list_field(yajl_val a, const char *key, struct jpath *p, char **out,
			  struct cap_error **err)
{
	int rc = oci_jf_str(a, key, p, out, err);
	if (rc <= 0 || valid_cpu_list(*out))
		return rc;
	size_t m = oci_jp_key(p, key);
	oci_jp_fail(p, err, "invalid CPU list \"%s\"", *out);
	oci_jp_pop(p, m);
	return -1;
}

static int user_fn(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	return parse_user(v, p, out, err);
}
static int caps_fn(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	return parse_caps(v, p, out, err);
}
static int sched_fn(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	return parse_scheduler(v, p, out, err);
}
static int ioprio_fn(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	return parse_io_priority(v, p, out, err);
}
static int console_fn(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	struct spec_process *pr = out;
	uint32_t h = 0, w = 0;
	if (oci_jf_u32(v, "height", p, &h, err) < 0 || oci_jf_u32(v, "width", p, &w, err) < 0)
		return -1;
	pr->console_height = h;
	pr->console_width = w;
	return 0;
}
static int affinity_fn(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	struct spec_cpu_affinity *a = out;
	if (cpu_list_field(v, "initial", p, &a->initial, err) < 0 ||
	    cpu_list_field(v, "final", p, &a->final, err) < 0)
		return -1;
	return 0;
}

static int parse_args(yajl_val v, struct jpath *p, struct spec_process *pr, struct cap_error **err)
{
	if (cap_json_member(v, "commandLine")) {
		size_t m = oci_jp_key(p, "commandLine");
		oci_jp_fail(p, err, "not supported on Linux");
		oci_jp_pop(p, m);
		return -1;
	}
	int rc = oci_jf_strv(v, "args", p, &pr->args, &pr->n_args, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return oci_jp_required(p, "args", err);
	if (pr->n_args == 0) {
		size_t m = oci_jp_key(p, "args");
		oci_jp_fail(p, err, "must contain at least one entry");
		oci_jp_pop(p, m);
		return -1;
	}
	return 0;
}

static int parse_cwd(yajl_val v, struct jpath *p, struct spec_process *pr, struct cap_error **err)
{
	int rc = oci_jf_str(v, "cwd", p, &pr->cwd, err);
	if (rc <= 0 || pr->cwd[0] == '/')
		return rc;
	size_t m = oci_jp_key(p, "cwd");
	oci_jp_fail(p, err, "must be an absolute path, got \"%s\"", pr->cwd);
	oci_jp_pop(p, m);
	return -1;
}

/* runtime-spec: env entries are KEY=VALUE; one without "=" would reach execve as is and
 * mean nothing to the program (runc refuses it too). */
static int check_env(const struct spec_process *pr, struct jpath *p, struct cap_error **err)
{
	for (size_t i = 0; i < pr->n_env; i++) {
		const char *eq = strchr(pr->env[i], '=');
		if (eq && eq != pr->env[i])
			continue;
		size_t m = oci_jp_key(p, "env");
		oci_jp_idx(p, i);
		oci_jp_fail(p, err, "\"%s\" is not KEY=VALUE", pr->env[i]);
		oci_jp_pop(p, m);
		return -1;
	}
	return 0;
}

int spec_process_from_json(yajl_val v, struct jpath *p, struct spec_process *pr,
			   struct cap_error **err)
{
	if (oci_jv_obj(v, p, err) < 0 || oci_jf_bool(v, "terminal", p, &pr->terminal, err) < 0)
		return -1;
	int rc = oci_jf_sub(v, "consoleSize", p, console_fn, pr, err);
	if (rc < 0)
		return -1;
	pr->has_console_size = rc > 0;
	if (oci_jf_sub(v, "user", p, user_fn, &pr->user, err) < 0 ||
	    parse_args(v, p, pr, err) < 0 ||
	    oci_jf_strv(v, "env", p, &pr->env, &pr->n_env, err) < 0 || check_env(pr, p, err) < 0 ||
	    parse_cwd(v, p, pr, err) < 0)
		return -1;
	if ((rc = oci_jf_sub(v, "capabilities", p, caps_fn, &pr->caps, err)) < 0)
		return -1;
	pr->has_capabilities = rc > 0;
	if (oci_jf_objects(v, "rlimits", p, sizeof(struct spec_rlimit), &pr->rlimits,
			   &pr->n_rlimits, parse_rlimit, err) < 0 ||
	    check_rlimit_dups(pr, p, err) < 0)
		return -1;
	if (oci_jf_bool(v, "noNewPrivileges", p, &pr->no_new_privileges, err) < 0)
		return -1;
	if ((rc = oci_jf_int(v, "oomScoreAdj", p, -1000, 1000, &pr->oom_score_adj, err)) < 0)
		return -1;
	pr->has_oom_score_adj = rc > 0;
	if (oci_jf_str(v, "apparmorProfile", p, &pr->apparmor_profile, err) < 0 ||
	    oci_jf_str(v, "selinuxLabel", p, &pr->selinux_label, err) < 0 ||
	    oci_jf_sub(v, "scheduler", p, sched_fn, &pr->scheduler, err) < 0 ||
	    oci_jf_sub(v, "ioPriority", p, ioprio_fn, &pr->io_priority, err) < 0 ||
	    oci_jf_sub(v, "execCPUAffinity", p, affinity_fn, &pr->exec_cpu_affinity, err) < 0)
		return -1;
	return 0;
}
