/* cgroupfs v2 driver: where the cgroup2 hierarchy is, where the container
 * cgroup goes, creating it (with its parents and their controllers) and
 * opening it again later.
 *
 * Placement (linux.cgroupsPath), relative to the cgroup2 mount:
 *   "/a/b"  -> /a/b
 *   "a/b"   -> BASE/a/b
 *   absent  -> BASE/capsule/<id>
 * BASE is the runtime's own cgroup (from /proc/self/cgroup) when that is the
 * root, else its parent, as runc does: a non-root cgroup that holds
 * processes (capsule itself) cannot enable controllers for children ("no
 * internal processes" rule), so containers go next to the runtime's cgroup,
 * not below it.  "slice:prefix:name" without --systemd-cgroup is a plain
 * (relative) path, as in runc.
 *
 * Hybrid hosts (cgroup2 at /sys/fs/cgroup/unified beside v1 hierarchies):
 * the cgroup is made for tracking (pids, freeze, kill, device filter); only
 * controllers that a requested limit needs are ever enabled, so existing
 * host cgroups are left alone; v1 hierarchies are never touched. */
#include "../cgroups/cgroups.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "../lib/cleanup.h"

static bool is_cgroup2(const char *p)
{
	struct statfs s;
	return statfs(p, &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC;
}

int cg_find_mount(struct cgroup *cg, struct cap_error **err)
{
	const char *m = NULL;
	if (is_cgroup2("/sys/fs/cgroup"))
		m = "/sys/fs/cgroup";
	else if (is_cgroup2("/sys/fs/cgroup/unified"))
		m = "/sys/fs/cgroup/unified", cg->hybrid = true;
	else
		return cap_fail(err, 0,
				"no cgroup2 mount at /sys/fs/cgroup or /sys/fs/cgroup/unified "
				"(cgroup v1-only hosts are not supported)");
	cg->mount = strdup(m);
	return cg->mount ? 0 : cap_fail(err, ENOMEM, "cgroup mount");
}

/* The runtime's own cgroup2 path ("0::/path" in /proc/self/cgroup). */
static int own_cgroup(char **out, struct cap_error **err)
{
	cleanup_file FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return cap_fail(err, errno, "open /proc/self/cgroup");
	cleanup_free char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		/* " (deleted)" or an empty path: fall back to the root */
		char *p = line + 3;
		*out = strdup(*p == '/' && !strstr(p, " (deleted)") ? p : "/");
		return *out ? 0 : cap_fail(err, ENOMEM, "own cgroup");
	}
	return cap_fail(err, 0, "/proc/self/cgroup: no cgroup2 (\"0::\") entry");
}

/* Join a and b with one '/', refusing "." and ".." components. */
static int join_checked(const char *a, const char *b, char **out, struct cap_error **err)
{
	cleanup_free char *copy = strdup(b);
	if (!copy)
		return cap_fail(err, ENOMEM, "cgroup path");
	size_t cap = strlen(a) + strlen(b) + 2, len = 0;
	cleanup_free char *res = malloc(cap);
	if (!res)
		return cap_fail(err, ENOMEM, "cgroup path");
	res[0] = '\0';
	len = strlen(a);
	memcpy(res, a, len + 1);
	while (len > 0 && res[len - 1] == '/')
		res[--len] = '\0';
	char *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0 || strcmp(c, "..") == 0)
			return cap_fail(err, 0,
					"cgroupsPath \"%s\": \".\" and \"..\" are not allowed", b);
		len += (size_t)sprintf(res + len, "/%s", c);
	}
	if (len == 0)
		strcpy(res, "/");
	*out = steal_pointer(&res);
	return 0;
}

/* The cgroup path relative to the mount, always starting with '/'. */
static int placement(const struct cgroup_options *opt, char **rel, struct cap_error **err)
{
	const char *p = opt->cgroups_path;
	if (p && *p == '/')
		return join_checked("", p, rel, err);
	cleanup_free char *own = NULL;
	if (own_cgroup(&own, err) < 0)
		return -1;
	if (strcmp(own, "/") != 0)
		dirname(own); /* in place: "/a/b" -> "/a" */
	if (p && *p)
		return join_checked(own, p, rel, err);
	if (!opt->id || !*opt->id || strchr(opt->id, '/'))
		return cap_fail(err, 0, "cgroup: invalid container id \"%s\"",
				opt->id ? opt->id : "");
	cleanup_free char *sub = NULL;
	if (asprintf(&sub, "capsule/%s", opt->id) < 0)
		return cap_fail(err, ENOMEM, "cgroup path");
	return join_checked(own, sub, rel, err);
}

/* Enable controllers in dir's cgroup.subtree_control: every needed one, and
 * on pure v2 hosts every available one (tracking, as runc and crun do).
 * Unavailable needed controllers are reported later, with the host mode. */
static int enable_in(const char *dir, const char *needed, bool hybrid, struct cap_error **err)
{
	cleanup_free char *avail = NULL, *on = NULL;
	if (cg_read_path(dir, "cgroup.controllers", &avail, err) < 0 ||
	    cg_read_path(dir, "cgroup.subtree_control", &on, err) < 0)
		return -1;
	char *save = NULL;
	for (char *c = strtok_r(avail, " \n", &save); c; c = strtok_r(NULL, " \n", &save)) {
		bool need = cg_word_in(needed, c);
		if (cg_word_in(on, c) || (hybrid && !need))
			continue;
		char buf[64];
		snprintf(buf, sizeof(buf), "+%s", c);
		struct cap_error *e = NULL;
		if (cg_write_path(dir, "cgroup.subtree_control", buf, &e) < 0) {
			if (need) {
				cg_pass_error(err, e);
				return cap_wrap(err, "enable controller \"%s\"", c);
			}
			cap_error_free(e);
		}
	}
	return 0;
}

/* mkdir -p mount+rel; controllers enabled in every ancestor on the way. */
static int make_dirs(struct cgroup *cg, const char *rel, const char *needed, struct cap_error **err)
{
	cleanup_free char *path = strdup(cg->mount);
	cleanup_free char *copy = strdup(rel);
	if (!path || !copy)
		return cap_fail(err, ENOMEM, "cgroup path");
	char *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (enable_in(path, needed, cg->hybrid, err) < 0)
			return -1;
		char *next = NULL;
		if (asprintf(&next, "%s/%s", path, c) < 0)
			return cap_fail(err, ENOMEM, "cgroup path");
		free(path);
		path = next;
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return cap_fail(err, errno, "mkdir %s", path);
	}
	cg->path = steal_pointer(&path);
	return 0;
}

struct cgroup *cg_alloc(void)
{
	struct cgroup *cg = calloc(1, sizeof(*cg));
	if (cg)
		cg->dirfd = cg->dev_prog = -1;
	return cg;
}

int cg_open_dir(struct cgroup *cg, struct cap_error **err)
{
	cg->dirfd = open(cg->path, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	return cg->dirfd < 0 ? cap_fail(err, errno, "open %s", cg->path) : 0;
}

static void note(const struct cgroup_options *opt, const char *fmt, const char *a, const char *b)
{
	if (!opt->debug)
		return;
	char msg[1024];
	snprintf(msg, sizeof(msg), fmt, a, b);
	opt->debug(msg);
}

int cg_create_apply(struct cgroup *cg, const struct cgroup_options *opt, const char *needed,
		    struct cap_error **err)
{
	if (cg_open_dir(cg, err) < 0 || cg_check_controllers(cg, needed, err) < 0)
		return -1;
	if (opt->resources && cg_apply(cg, opt->resources, false, err) < 0)
		return -1;
	if (opt->rootless) {
		if (opt->resources && opt->resources->n_devices)
			note(opt, "cgroup %s: rootless, linux.resources.devices not applied%s",
			     cg->path, "");
		return 0;
	}
	return cg_build_devices(opt->resources, &cg->dev_insns, &cg->n_dev_insns, err);
}

/* On a hybrid host, settings that only restate the default (no pids limit,
 * unlimited memory or swap, the default cpu.shares) ask nothing of a
 * controller that v1 owns: drop them with a debug note instead of failing.
 * containerd always sends cpu.shares 1024, podman pids.limit 0. */
static void drop_default_requests(struct spec_resources *r, const struct cgroup_options *opt)
{
	const char *fmt = "cgroup: hybrid host, %s is the default; not applied%s";
	if (r->pids.set && r->pids.limit <= 0) {
		r->pids.set = false;
		note(opt, fmt, "pids.limit <= 0", "");
	}
	if (r->cpu.shares.set && r->cpu.shares.v == 1024) {
		r->cpu.shares.set = false;
		note(opt, fmt, "cpu.shares 1024", "");
	}
	if (r->memory.limit.set && r->memory.limit.v < 0) {
		r->memory.limit.set = false;
		note(opt, fmt, "memory.limit -1", "");
	}
	if (r->memory.swap.set && r->memory.swap.v < 0) {
		r->memory.swap.set = false;
		note(opt, fmt, "memory.swap -1", "");
	}
}

int cgroup_create(const struct cgroup_options *opt_in, struct cgroup **out, struct cap_error **err)
{
	struct cgroup_options copy = *opt_in;
	struct spec_resources eff;
	const struct cgroup_options *opt = &copy;
	*out = NULL;
	if (opt->systemd)
		return cg_sd_create(opt, out, err);
	struct cgroup *cg = cg_alloc();
	if (!cg)
		return cap_fail(err, ENOMEM, "cgroup");
	cg->rootless = opt->rootless;
	cleanup_free char *rel = NULL;
	char needed[256];
	if (cg_find_mount(cg, err) < 0 || placement(opt, &rel, err) < 0) {
		cgroup_free(cg);
		return -1;
	}
	if (cg->hybrid && opt_in->resources) {
		eff = *opt_in->resources;
		drop_default_requests(&eff, opt);
		copy.resources = &eff;
	}
	cg_needed_controllers(opt->resources, needed, sizeof(needed));
	struct cap_error *e = NULL;
	if (make_dirs(cg, rel, needed, &e) < 0) {
		bool denied =
		    e && (e->errnum == EACCES || e->errnum == EPERM || e->errnum == EROFS);
		cgroup_free(cg);
		if (!opt->rootless || !denied)
			return cg_pass_error(err, e);
		if (cg_has_limits(opt->resources)) {
			cg_pass_error(err, e);
			return cap_wrap(err, "rootless: resource limits need a delegated cgroup");
		}
		note(opt,
		     "cgroup: cannot create %s (%s); rootless and no limits requested, "
		     "running without a cgroup",
		     rel, e->msg ? e->msg : "");
		cap_error_free(e);
		return 0;
	}
	if (cg_create_apply(cg, opt, needed, err) < 0) {
		cgroup_destroy(cg, NULL);
		cgroup_free(cg);
		return -1;
	}
	*out = cg;
	return 0;
}

int cgroup_open_driver(const char *path, bool systemd, bool rootless, struct cgroup **out,
		       struct cap_error **err)
{
	*out = NULL;
	struct cgroup *cg = cg_alloc();
	if (!cg)
		return cap_fail(err, ENOMEM, "cgroup");
	cg->systemd = systemd;
	cg->rootless = rootless;
	/* the unit is the last component: .../system.slice/capsule-ID.scope */
	const char *base = strrchr(path, '/');
	struct cap_error *e = NULL;
	if (cg_find_mount(cg, err) < 0 || !(cg->path = strdup(path)) ||
	    (systemd && !(cg->unit = strdup(base ? base + 1 : path)))) {
		cgroup_free(cg);
		return err && *err ? -1 : cap_fail(err, ENOMEM, "cgroup");
	}
	/* systemd removes an empty scope's cgroup by itself: the unit may
	 * still need a stop (or be gone, which stop tolerates) */
	if (cg_open_dir(cg, &e) < 0 && !(systemd && e->errnum == ENOENT)) {
		cgroup_free(cg);
		return cg_pass_error(err, e);
	}
	cap_error_free(e);
	*out = cg;
	return 0;
}

int cgroup_open(const char *path, struct cgroup **out, struct cap_error **err)
{
	return cgroup_open_driver(path, false, false, out, err);
}

const char *cgroup_path(const struct cgroup *cg)
{
	return cg->path;
}

int cgroup_dirfd(const struct cgroup *cg)
{
	return cg->dirfd;
}

bool cgroup_is_hybrid(const struct cgroup *cg)
{
	return cg->hybrid;
}

bool cgroup_needs_pid(const struct cgroup *cg)
{
	return cg && cg->systemd && !cg->path;
}

int cgroup_enter(struct cgroup *cg, pid_t pid, struct cap_error **err)
{
	if (cgroup_needs_pid(cg))
		return cg_sd_enter(cg, pid, err);
	char buf[32];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	return cg_write(cg, "cgroup.procs", buf, err);
}

int cgroup_update(struct cgroup *cg, const struct spec_resources *res, struct cap_error **err)
{
	if (!res)
		return 0;
	if (cg->systemd && cg_sd_update(cg, res, err) < 0)
		return -1;
	char needed[256];
	cg_needed_controllers(res, needed, sizeof(needed));
	if (cg_check_controllers(cg, needed, err) < 0 || cg_apply(cg, res, true, err) < 0)
		return -1;
	/* runc update does not touch devices; replace the filter only when
	 * rules are given (plus the default allow list) */
	if (res->n_devices && !cg->rootless)
		return cg_apply_devices(cg, res, err);
	return 0;
}

int cgroup_load_device_filter(struct cgroup *cg, struct cap_error **err)
{
	if (!cg || !cg->dev_insns)
		return 0;
	cg->dev_prog = cg_bpf_load_device_filter(cg->dev_insns, cg->n_dev_insns, cg->path, err);
	free(cg->dev_insns);
	cg->dev_insns = NULL;
	return cg->dev_prog < 0 ? -1 : 0;
}

int cgroup_attach_device_filter(struct cgroup *cg, struct cap_error **err)
{
	if (!cg)
		return 0;
	if (cgroup_load_device_filter(cg, err) < 0)
		return -1;
	if (cg->dev_prog < 0)
		return 0;
	int rc = cg_bpf_attach_device_filter(cg->dirfd, cg->path, cg->dev_prog, err);
	close(cg->dev_prog);
	cg->dev_prog = -1;
	return rc;
}

void cgroup_free(struct cgroup *cg)
{
	if (!cg)
		return;
	if (cg->dirfd >= 0)
		close(cg->dirfd);
	if (cg->dev_prog >= 0)
		close(cg->dev_prog);
	free(cg->dev_insns);
	if (cg->sd_props)
		cg_sd_props_free(cg->sd_props);
	free(cg->sd_props);
	free(cg->unit);
	free(cg->slice);
	free(cg->mount);
	free(cg->path);
	free(cg);
}
