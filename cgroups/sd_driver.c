/* The systemd cgroup driver (--systemd-cgroup), behind cgroups.h.
 *
 * create: parse linux.cgroupsPath into slice + unit, turn the resources and
 *   the org.systemd.property.* annotations into unit properties; nothing is
 *   started yet (systemd needs a pid to put into a scope).
 * enter:  StartTransientUnit with the container pid (systemd.c), then the
 *   resources are written to the unit's cgroup through cgroupfs as well and
 *   the device filter is compiled, as runc's systemd driver does.
 * update: SetUnitProperties, then cgroupfs.
 * destroy (ops.c): StopUnit. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/cleanup.h"

#define ANNOTATION_PREFIX "org.systemd.property."

static int annotation_props(const struct cgroup_options *opt, struct cg_sd_props *p,
			    struct cap_error **err)
{
	size_t plen = strlen(ANNOTATION_PREFIX);
	for (size_t i = 0; i < opt->n_annotations; i++) {
		const struct spec_kv *a = &opt->annotations[i];
		if (strncmp(a->key, ANNOTATION_PREFIX, plen) == 0 &&
		    cg_sd_annotation_prop(a->key + plen, a->value, p, err) < 0)
			return -1;
	}
	return 0;
}

static int build_props(const struct cgroup_options *opt, struct cg_sd_props *p,
		       struct cap_error **err)
{
	if (cg_sd_resource_props(opt->resources, p, err) < 0)
		return -1;
	/* rootless: no device filter, and systemd's would need privileges too */
	if (!opt->rootless && cg_sd_device_props(opt->resources, p, err) < 0)
		return -1;
	return annotation_props(opt, p, err);
}

int cg_sd_create(const struct cgroup_options *opt, struct cgroup **out, struct cap_error **err)
{
	*out = NULL;
	struct cg_sd_unit u;
	if (cg_sd_parse_path(opt->cgroups_path, opt->id, opt->rootless, &u, err) < 0 ||
	    cg_sd_check_running(err) < 0)
		return -1;
	struct cgroup *cg = cg_alloc();
	if (!cg)
		return cap_fail(err, ENOMEM, "cgroup");
	cg->systemd = true;
	cg->rootless = opt->rootless;
	cg->pending = *opt;
	cg->unit = strdup(u.unit);
	cg->slice = strdup(u.slice);
	cg->sd_props = calloc(1, sizeof(*cg->sd_props));
	if (!cg->unit || !cg->slice || !cg->sd_props) {
		cgroup_free(cg);
		return cap_fail(err, ENOMEM, "cgroup");
	}
	if (cg_find_mount(cg, err) < 0 || build_props(opt, cg->sd_props, err) < 0) {
		cgroup_free(cg);
		return -1;
	}
	if (cg->hybrid) {
		cgroup_free(cg);
		return cap_fail(
		    err, ENOTSUP,
		    "--systemd-cgroup: this host mounts cgroup v1 hierarchies (hybrid); "
		    "the systemd driver needs a pure cgroup v2 host");
	}
	*out = cg;
	return 0;
}

/* The unit's cgroup under the mount; then the cgroupfs part of create. */
static int finish_enter(struct cgroup *cg, const char *rel, pid_t pid, struct cap_error **err)
{
	if (asprintf(&cg->path, "%s%s", cg->mount, rel) < 0) {
		cg->path = NULL;
		return cap_fail(err, ENOMEM, "cgroup path");
	}
	if (cg_open_dir(cg, err) < 0)
		return -1;
	/* a slice unit has no PIDs property: join through cgroup.procs */
	if (strstr(cg->unit, ".slice")) {
		char buf[32];
		snprintf(buf, sizeof(buf), "%d", (int)pid);
		if (cg_write(cg, "cgroup.procs", buf, err) < 0)
			return -1;
	}
	char needed[256];
	cg_needed_controllers(cg->pending.resources, needed, sizeof(needed));
	return cg_create_apply(cg, &cg->pending, needed, err);
}

int cg_sd_enter(struct cgroup *cg, pid_t pid, struct cap_error **err)
{
	cleanup_free char *rel = NULL;
	if (cg_sd_start(cg, pid, cg->pending.debug, &rel, err) < 0)
		return cap_wrap(err, "--systemd-cgroup");
	if (finish_enter(cg, rel, pid, err) < 0) {
		cgroup_destroy(cg, NULL);
		return -1;
	}
	/* the options borrowed the spec; they are not needed after this */
	memset(&cg->pending, 0, sizeof(cg->pending));
	return 0;
}

int cg_sd_update(struct cgroup *cg, const struct spec_resources *res, struct cap_error **err)
{
	struct cg_sd_props p = {0};
	int rc = cg_sd_resource_props(res, &p, err);
	if (rc == 0 && res->n_devices && !cg->rootless)
		rc = cg_sd_device_props(res, &p, err);
	if (rc == 0)
		rc = cg_sd_set(cg, &p, err);
	cg_sd_props_free(&p);
	return rc;
}
