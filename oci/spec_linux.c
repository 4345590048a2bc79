/* config.json "linux" -> struct spec_linux (resources and seccomp have their
 * own files). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>

#include "../lib/ns.h"
#include "spec_internal.h"
#include "tables.h"

static int parse_namespace(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	struct spec_namespace *ns = out;
	const char *type;
	if (oci_jf_name(v, "type", p, true, &type, err) < 0)
		return -1;
	const struct cap_ns_info *info = cap_ns_by_name(type);
	if (!info)
		return oci_jf_fail(p, "type", err, "unknown namespace \"%s\"", type);
	ns->type = info->clone_flag;
	if (oci_jf_str(v, "path", p, &ns->path, err) < 0)
		return -1;
	if (ns->path && !ns->path[0]) { /* "" means "new", as in runc */
		free(ns->path);
		ns->path = NULL;
	}
	return 0;
}

static int parse_namespaces(yajl_val l, struct jpath *p, struct spec_linux *out,
			    struct cap_error **err)
{
	if (oci_jf_objects(l, "namespaces", p, sizeof(struct spec_namespace), &out->namespaces,
			   &out->n_namespaces, parse_namespace, err) < 0)
		return -1;
	for (size_t i = 1; i < out->n_namespaces; i++) {
		for (size_t j = 0; j < i; j++) {
			if (out->namespaces[i].type != out->namespaces[j].type)
				continue;
			size_t m = oci_jp_key(p, "namespaces");
			oci_jp_idx(p, i);
			oci_jp_key(p, "type");
			oci_jp_fail(p, err, "duplicate namespace \"%s\"",
				    cap_ns_by_flag(out->namespaces[i].type)->name);
			oci_jp_pop(p, m);
			return -1;
		}
	}
	return 0;
}

static int parse_id_mapping(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	struct cap_id_mapping *m = out;
	static const char *const keys[] = {"containerID", "hostID", "size"};
	uint32_t *vals[] = {&m->container_id, &m->host_id, &m->size};
	for (size_t i = 0; i < 3; i++) {
		int rc = oci_jf_u32(v, keys[i], p, vals[i], err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return oci_jp_required(p, keys[i], err);
	}
	return 0;
}

int spec_id_mappings_from_json(yajl_val obj, const char *key, struct jpath *p,
			       struct cap_id_mapping **out, size_t *n, struct cap_error **err)
{
	return oci_jf_objects(obj, key, p, sizeof(**out), out, n, parse_id_mapping, err);
}

static int parse_time_offsets(yajl_val l, struct jpath *p, struct spec_linux *out,
			      struct cap_error **err)
{
	yajl_val t;
	int rc = oci_jf_obj(l, "timeOffsets", p, &t, err);
	if (rc <= 0)
		return rc;
	size_t m = oci_jp_key(p, "timeOffsets");
	for (size_t i = 0; i < t->u.object.len; i++) {
		const char *clock = t->u.object.keys[i];
		struct spec_time_offset *o = strcmp(clock, "monotonic") == 0  ? &out->time_monotonic
					     : strcmp(clock, "boottime") == 0 ? &out->time_boottime
									      : NULL;
		if (!o) {
			oci_jp_fail(p, err, "unknown clock \"%s\"", clock);
			return oci_jp_pop(p, m), -1;
		}
		yajl_val v;
		uint32_t ns = 0;
		if (oci_jf_obj(t, clock, p, &v, err) < 0)
			return oci_jp_pop(p, m), -1;
		if (!v)
			continue;
		size_t mc = oci_jp_key(p, clock);
		rc = oci_jf_i64(v, "secs", p, INT64_MIN, INT64_MAX, &o->secs, err) < 0 ||
			     oci_jf_u32(v, "nanosecs", p, &ns, err) < 0
			 ? -1
			 : 0;
		if (rc == 0 && ns >= 1000000000u) {
			oci_jp_key(p, "nanosecs");
			rc = oci_jp_fail(p, err, "%u is out of range (0 to 999999999)", ns);
		}
		oci_jp_pop(p, mc);
		if (rc < 0)
			return oci_jp_pop(p, m), -1;
		o->nanosecs = ns;
		o->present = true;
	}
	oci_jp_pop(p, m);
	return 1;
}

static int parse_device(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	struct spec_device *d = out;
	const char *type;
	if (oci_jf_name(v, "type", p, true, &type, err) < 0)
		return -1;
	if (strlen(type) != 1 || !strchr("cbup", type[0]))
		return oci_jf_fail(p, "type", err, "unknown device type \"%s\"", type);
	d->type = type[0];
	if (oci_jf_abspath(v, "path", p, &d->path, err) < 0)
		return -1;
	/* The node is made at rootfs + path: "/dev/../../x" would land
	 * outside /dev (and a 0666 node anywhere is an escape). */
	if (strncmp(d->path, "/dev/", 5) != 0 || !spec_path_is_clean(d->path))
		return oci_jf_fail(p, "path", err,
				   "must be a clean path under /dev, got \"%.200s\"", d->path);
	/* Only a FIFO goes without numbers. */
	int rc_major = oci_jf_i64(v, "major", p, 0, INT64_MAX, &d->major, err);
	if (rc_major < 0)
		return -1;
	int rc_minor = oci_jf_i64(v, "minor", p, 0, INT64_MAX, &d->minor, err);
	if (rc_minor < 0)
		return -1;
	if (d->type != 'p' && !rc_major)
		return oci_jp_required(p, "major", err);
	if (d->type != 'p' && !rc_minor)
		return oci_jp_required(p, "minor", err);
	uint32_t mode = 0, uid = 0, gid = 0;
	int rc = oci_jf_u32(v, "fileMode", p, &mode, err);
	if (rc < 0)
		return -1;
	d->has_file_mode = rc > 0;
	d->file_mode = mode;
	if ((rc = oci_jf_id(v, "uid", p, &uid, err)) < 0)
		return -1;
	d->has_uid = rc > 0;
	d->uid = uid;
	if ((rc = oci_jf_id(v, "gid", p, &gid, err)) < 0)
		return -1;
	d->has_gid = rc > 0;
	d->gid = gid;
	return 0;
}

/* maskedPaths / readonlyPaths: absolute (a relative one has no meaning). */
static int parse_abs_paths(yajl_val l, const char *key, struct jpath *p, char ***out, size_t *n,
			   struct cap_error **err)
{
	if (oci_jf_strv(l, key, p, out, n, err) < 0)
		return -1;
	for (size_t i = 0; i < *n; i++) {
		if ((*out)[i][0] == '/')
			continue;
		size_t m = oci_jp_key(p, key);
		oci_jp_idx(p, i);
		oci_jp_fail(p, err, "must be an absolute path, got \"%.200s\"", (*out)[i]);
		oci_jp_pop(p, m);
		return -1;
	}
	return 0;
}

static int parse_propagation(yajl_val l, struct jpath *p, struct spec_linux *out,
			     struct cap_error **err)
{
	const char *name;
	int rc = oci_jf_name(l, "rootfsPropagation", p, false, &name, err);
	if (rc <= 0 || !name[0]) /* "" means unset, as in runc */
		return rc;
	if (!(out->rootfs_propagation = oci_propagation_from_name(name)))
		return oci_jf_fail(p, "rootfsPropagation", err, "unknown propagation \"%s\"", name);
	return 0;
}

static int parse_personality(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	struct spec_personality *pers = out;
	const char *domain;
	if (oci_jf_name(v, "domain", p, true, &domain, err) < 0)
		return -1;
	if (strcmp(domain, "LINUX") == 0)
		pers->domain = PER_LINUX;
	else if (strcmp(domain, "LINUX32") == 0)
		pers->domain = PER_LINUX32;
	else
		return oci_jf_fail(p, "domain", err, "unknown personality domain \"%s\"", domain);
	/* No flags are defined yet; only check the shape. */
	char **flags = NULL;
	size_t n = 0;
	int rc = oci_jf_strv(v, "flags", p, &flags, &n, err);
	spec_strv_free(flags);
	if (rc < 0)
		return -1;
	pers->present = true;
	return 0;
}

static int parse_intel_rdt(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	struct spec_intel_rdt *rdt = out;
	rdt->present = true;
	if (oci_jf_str(v, "closID", p, &rdt->clos_id, err) < 0 ||
	    oci_jf_str(v, "l3CacheSchema", p, &rdt->l3_cache_schema, err) < 0 ||
	    oci_jf_str(v, "memBwSchema", p, &rdt->mem_bw_schema, err) < 0 ||
	    oci_jf_strv(v, "schemata", p, &rdt->schemata, &rdt->n_schemata, err) < 0 ||
	    oci_jf_bool(v, "enableMonitoring", p, &rdt->enable_monitoring, err) < 0)
		return -1;
	/* The group is a directory under the resctrl root: one plain name. */
	const char *id = rdt->clos_id;
	if (id && (!id[0] || strchr(id, '/') || strcmp(id, ".") == 0 || strcmp(id, "..") == 0 ||
		   strlen(id) > 255))
		return oci_jf_fail(p, "closID", err,
				   "\"%.200s\" is not a valid group name (one path component)", id);
	/* Each schemata line is written as one line of the schemata file. */
	for (size_t i = 0; i < rdt->n_schemata; i++) {
		if (!strchr(rdt->schemata[i], '\n'))
			continue;
		size_t m = oci_jp_key(p, "schemata");
		oci_jp_idx(p, i);
		oci_jp_fail(p, err, "%s", "one line per entry (no newline)");
		return oci_jp_pop(p, m), -1;
	}
	return 0;
}

static int resources_fn(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	return spec_resources_from_json(v, p, out, err);
}

static int seccomp_fn(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	struct spec_seccomp **sc = out;
	if (!(*sc = calloc(1, sizeof(**sc))))
		return cap_fail(err, ENOMEM, "linux.seccomp");
	return spec_seccomp_from_json(v, p, *sc, err);
}

int spec_linux_from_json(yajl_val l, struct jpath *p, struct spec_linux *out,
			 struct cap_error **err)
{
	if (parse_namespaces(l, p, out, err) < 0 ||
	    spec_net_devices_from_json(l, p, out, err) < 0 ||
	    spec_id_mappings_from_json(l, "uidMappings", p, &out->uid_mappings,
				       &out->n_uid_mappings, err) < 0 ||
	    spec_id_mappings_from_json(l, "gidMappings", p, &out->gid_mappings,
				       &out->n_gid_mappings, err) < 0 ||
	    parse_time_offsets(l, p, out, err) < 0 ||
	    oci_jf_objects(l, "devices", p, sizeof(struct spec_device), &out->devices,
			   &out->n_devices, parse_device, err) < 0 ||
	    oci_jf_str(l, "cgroupsPath", p, &out->cgroups_path, err) < 0 ||
	    oci_jf_sub(l, "resources", p, resources_fn, &out->resources, err) < 0 ||
	    parse_propagation(l, p, out, err) < 0 ||
	    oci_jf_sub(l, "seccomp", p, seccomp_fn, &out->seccomp, err) < 0 ||
	    oci_jf_kv(l, "sysctl", p, &out->sysctl, &out->n_sysctl, err) < 0 ||
	    parse_abs_paths(l, "maskedPaths", p, &out->masked_paths, &out->n_masked_paths, err) <
		0 ||
	    parse_abs_paths(l, "readonlyPaths", p, &out->readonly_paths, &out->n_readonly_paths,
			    err) < 0 ||
	    oci_jf_str(l, "mountLabel", p, &out->mount_label, err) < 0 ||
	    oci_jf_sub(l, "personality", p, parse_personality, &out->personality, err) < 0 ||
	    oci_jf_sub(l, "intelRdt", p, parse_intel_rdt, &out->intel_rdt, err) < 0 ||
	    oci_jf_sub(l, "memoryPolicy", p, spec_mempolicy_from_json, &out->mem_policy, err) < 0)
		return -1;
	return 0;
}
