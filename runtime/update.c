/* `capsule update`: new resource limits for a live container, applied to its
 * cgroup and saved, as runc rewrites its saved config.
 *
 * Saving: <root>/<id>/config.json (the state dir's copy of the bundle config)
 * is rewritten in place.  The update becomes a JSON patch
 * {"linux":{"resources":{...}}} holding only the fields it sets, and the new
 * file is the deep merge of the saved tree and that patch: objects merge key
 * by key, scalars and arrays are replaced.  Everything else in the saved
 * config is kept as it was (numbers keep their original text), so readers
 * of config.json need no knowledge of updates.
 *
 * Paired values: OCI swap is memory+swap, so memory.swap.max depends on both
 * values, and cpu.max holds quota and period.  Like runc (which applies its
 * merged config), a swap or a cpu period given alone is applied together with
 * the saved memory limit or quota.  A memory limit alone leaves
 * memory.swap.max as it is (runc), and a quota alone leaves the period. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "../cgroups/cgroups.h"
#include "../lib/cleanup.h"
#include "container.h"
#include "../lib/file.h"
#include "../lib/json.h"
#include "state.h"

/* ---- the patch: the fields an update sets, as OCI JSON ---- */

static void gen_num(yajl_gen g, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void gen_num(yajl_gen g, const char *key, const char *fmt, ...)
{
	char buf[32];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (key)
		cap_json_key(g, key);
	yajl_gen_number(g, buf, strlen(buf));
}

static void gen_i64(yajl_gen g, const char *key, struct spec_opt_i64 o)
{
	if (o.set)
		gen_num(g, key, "%lld", (long long)o.v);
}

static void gen_u64(yajl_gen g, const char *key, struct spec_opt_u64 o)
{
	if (o.set)
		gen_num(g, key, "%llu", (unsigned long long)o.v);
}

static void gen_bool(yajl_gen g, const char *key, bool has, bool v)
{
	if (has) {
		cap_json_key(g, key);
		yajl_gen_bool(g, v);
	}
}

static void gen_memory(yajl_gen g, const struct spec_resources *r)
{
	cap_json_key(g, "memory");
	yajl_gen_map_open(g);
	gen_i64(g, "limit", r->memory.limit);
	gen_i64(g, "reservation", r->memory.reservation);
	gen_i64(g, "swap", r->memory.swap);
	gen_i64(g, "kernel", r->memory.kernel);
	gen_i64(g, "kernelTCP", r->memory.kernel_tcp);
	gen_u64(g, "swappiness", r->memory.swappiness);
	gen_bool(g, "disableOOMKiller", r->memory.has_disable_oom_killer,
		 r->memory.disable_oom_killer);
	gen_bool(g, "useHierarchy", r->memory.has_use_hierarchy, r->memory.use_hierarchy);
	gen_bool(g, "checkBeforeUpdate", r->memory.has_check_before_update,
		 r->memory.check_before_update);
	yajl_gen_map_close(g);
}

static void gen_cpu(yajl_gen g, const struct spec_resources *r)
{
	cap_json_key(g, "cpu");
	yajl_gen_map_open(g);
	gen_u64(g, "shares", r->cpu.shares);
	gen_i64(g, "quota", r->cpu.quota);
	gen_u64(g, "burst", r->cpu.burst);
	gen_u64(g, "period", r->cpu.period);
	gen_i64(g, "realtimeRuntime", r->cpu.realtime_runtime);
	gen_u64(g, "realtimePeriod", r->cpu.realtime_period);
	gen_i64(g, "idle", r->cpu.idle);
	if (r->cpu.cpus)
		cap_json_kv_str(g, "cpus", r->cpu.cpus);
	if (r->cpu.mems)
		cap_json_kv_str(g, "mems", r->cpu.mems);
	yajl_gen_map_close(g);
}

static void gen_devices(yajl_gen g, const struct spec_resources *r)
{
	cap_json_key(g, "devices");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < r->n_devices; i++) {
		const struct spec_device_cgroup *d = &r->devices[i];
		char type[2] = {d->type ? d->type : 'a', '\0'};
		yajl_gen_map_open(g);
		gen_bool(g, "allow", true, d->allow);
		cap_json_kv_str(g, "type", type);
		if (d->has_major)
			gen_num(g, "major", "%lld", (long long)d->major);
		if (d->has_minor)
			gen_num(g, "minor", "%lld", (long long)d->minor);
		if (d->access)
			cap_json_kv_str(g, "access", d->access);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

static void gen_throttle(yajl_gen g, const char *key, const struct spec_throttle_device *d,
			 size_t n)
{
	if (!n)
		return;
	cap_json_key(g, key);
	yajl_gen_array_open(g);
	for (size_t i = 0; i < n; i++) {
		yajl_gen_map_open(g);
		gen_num(g, "major", "%lld", (long long)d[i].major);
		gen_num(g, "minor", "%lld", (long long)d[i].minor);
		gen_num(g, "rate", "%llu", (unsigned long long)d[i].rate);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

static void gen_block_io(yajl_gen g, const struct spec_resources *r)
{
	const typeof(r->block_io) *b = &r->block_io;
	cap_json_key(g, "blockIO");
	yajl_gen_map_open(g);
	gen_u64(g, "weight", b->weight);
	gen_u64(g, "leafWeight", b->leaf_weight);
	if (b->n_weight_devices) {
		cap_json_key(g, "weightDevice");
		yajl_gen_array_open(g);
		for (size_t i = 0; i < b->n_weight_devices; i++) {
			const struct spec_weight_device *d = &b->weight_devices[i];
			yajl_gen_map_open(g);
			gen_num(g, "major", "%lld", (long long)d->major);
			gen_num(g, "minor", "%lld", (long long)d->minor);
			if (d->has_weight)
				gen_num(g, "weight", "%u", d->weight);
			if (d->has_leaf_weight)
				gen_num(g, "leafWeight", "%u", d->leaf_weight);
			yajl_gen_map_close(g);
		}
		yajl_gen_array_close(g);
	}
	gen_throttle(g, "throttleReadBpsDevice", b->read_bps, b->n_read_bps);
	gen_throttle(g, "throttleWriteBpsDevice", b->write_bps, b->n_write_bps);
	gen_throttle(g, "throttleReadIOPSDevice", b->read_iops, b->n_read_iops);
	gen_throttle(g, "throttleWriteIOPSDevice", b->write_iops, b->n_write_iops);
	yajl_gen_map_close(g);
}

static void gen_hugetlb_unified(yajl_gen g, const struct spec_resources *r)
{
	if (r->n_hugepage_limits) {
		cap_json_key(g, "hugepageLimits");
		yajl_gen_array_open(g);
		for (size_t i = 0; i < r->n_hugepage_limits; i++) {
			yajl_gen_map_open(g);
			cap_json_kv_str(g, "pageSize", r->hugepage_limits[i].page_size);
			gen_num(g, "limit", "%llu",
				(unsigned long long)r->hugepage_limits[i].limit);
			yajl_gen_map_close(g);
		}
		yajl_gen_array_close(g);
	}
	if (r->n_unified) {
		cap_json_key(g, "unified");
		yajl_gen_map_open(g);
		for (size_t i = 0; i < r->n_unified; i++)
			cap_json_kv_str(g, r->unified[i].key, r->unified[i].value);
		yajl_gen_map_close(g);
	}
}

/* Network classID/priorities have no cgroup v2 files and are not saved. */
static char *patch_json(const struct spec_resources *r)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return NULL;
	yajl_gen_map_open(g);
	cap_json_key(g, "linux");
	yajl_gen_map_open(g);
	cap_json_key(g, "resources");
	yajl_gen_map_open(g);
	if (r->n_devices)
		gen_devices(g, r);
	gen_memory(g, r);
	gen_cpu(g, r);
	if (r->pids.set) {
		cap_json_key(g, "pids");
		yajl_gen_map_open(g);
		gen_num(g, "limit", "%lld", (long long)r->pids.limit);
		yajl_gen_map_close(g);
	}
	gen_block_io(g, r);
	gen_hugetlb_unified(g, r);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	char *out = cap_json_finish(g);
	yajl_gen_free(g);
	return out;
}

/* ---- deep merge of two yajl trees, straight into a generator ---- */

static void gen_tree(yajl_gen g, yajl_val v)
{
	if (YAJL_IS_STRING(v)) {
		cap_json_str(g, v->u.string);
	} else if (YAJL_IS_NUMBER(v)) {
		yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
	} else if (YAJL_IS_OBJECT(v)) {
		yajl_gen_map_open(g);
		for (size_t i = 0; i < v->u.object.len; i++) {
			cap_json_key(g, v->u.object.keys[i]);
			gen_tree(g, v->u.object.values[i]);
		}
		yajl_gen_map_close(g);
	} else if (YAJL_IS_ARRAY(v)) {
		yajl_gen_array_open(g);
		for (size_t i = 0; i < v->u.array.len; i++)
			gen_tree(g, v->u.array.values[i]);
		yajl_gen_array_close(g);
	} else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
		yajl_gen_bool(g, YAJL_IS_TRUE(v));
	} else {
		yajl_gen_null(g);
	}
}

static yajl_val obj_get(yajl_val o, const char *key)
{
	for (size_t i = 0; YAJL_IS_OBJECT(o) && i < o->u.object.len; i++)
		if (strcmp(o->u.object.keys[i], key) == 0)
			return o->u.object.values[i];
	return NULL;
}

static void gen_merged(yajl_gen g, yajl_val base, yajl_val patch)
{
	if (!patch || !YAJL_IS_OBJECT(base) || !YAJL_IS_OBJECT(patch)) {
		gen_tree(g, patch ? patch : base);
		return;
	}
	yajl_gen_map_open(g);
	for (size_t i = 0; i < base->u.object.len; i++) {
		cap_json_key(g, base->u.object.keys[i]);
		gen_merged(g, base->u.object.values[i], obj_get(patch, base->u.object.keys[i]));
	}
	for (size_t i = 0; i < patch->u.object.len; i++) {
		if (obj_get(base, patch->u.object.keys[i]))
			continue;
		cap_json_key(g, patch->u.object.keys[i]);
		gen_tree(g, patch->u.object.values[i]);
	}
	yajl_gen_map_close(g);
}

static void free_tree(yajl_val *v)
{
	yajl_tree_free(*v);
}

static int save_config(const struct state_dir *sd, const char *raw, const struct spec_resources *r,
		       struct cap_error **err)
{
	char errbuf[256] = "";
	__attribute__((cleanup(free_tree))) yajl_val base =
	    yajl_tree_parse(raw, errbuf, sizeof(errbuf));
	if (!base)
		return cap_fail(err, 0, "parse %s/config.json: %s", sd->path, errbuf);
	cleanup_free char *pj = patch_json(r);
	__attribute__((cleanup(free_tree))) yajl_val patch =
	    pj ? yajl_tree_parse(pj, errbuf, sizeof(errbuf)) : NULL;
	if (!patch)
		return cap_fail(err, 0, "update: build the saved resources: %s", errbuf);
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return cap_fail(err, ENOMEM, "update");
	gen_merged(g, base, patch);
	cleanup_free char *out = cap_json_finish(g);
	yajl_gen_free(g);
	if (!out)
		return cap_fail(err, ENOMEM, "update");
	return cap_write_file_atomic(sd->fd, "config.json", out, strlen(out), 0600, err);
}

/* ---- apply ---- */

/* The update as applied: r, plus the saved half of the memory/swap pair. */
static struct spec_resources applied_resources(const struct spec_resources *r,
					       const struct spec *saved)
{
	struct spec_resources a = *r; /* shallow: borrowed pointers, never freed */
	static const struct spec_resources none;
	const struct spec_resources *s = saved ? &saved->linux_.resources : &none;
	if (a.memory.swap.set && !a.memory.limit.set && s->memory.limit.set)
		a.memory.limit = s->memory.limit;
	/* runc update: unlimited memory without a swap value means unlimited swap */
	if (a.memory.limit.set && a.memory.limit.v == -1 && !a.memory.swap.set)
		a.memory.swap = (struct spec_opt_i64){true, -1};
	/* cpu.max holds both: a period alone would reset the quota to "max" */
	if (a.cpu.period.set && a.cpu.period.v && !a.cpu.quota.set && s->cpu.quota.set)
		a.cpu.quota = s->cpu.quota;
	return a;
}

/* runc writes a memory limit given alone to memory.max and leaves
 * memory.swap.max as it is.  The saved OCI swap (memory+swap) then moves with
 * the limit, so that the saved config still says what the cgroup holds. */
static struct spec_resources saved_resources(const struct spec_resources *a,
					     const struct spec *saved)
{
	struct spec_resources v = *a; /* shallow, as applied_resources */
	if (!saved || !a->memory.limit.set || a->memory.limit.v <= 0 || a->memory.swap.set)
		return v;
	const struct spec_resources *s = &saved->linux_.resources;
	if (s->memory.limit.set && s->memory.limit.v > 0 && s->memory.swap.set &&
	    s->memory.swap.v >= s->memory.limit.v)
		v.memory.swap = (struct spec_opt_i64){
		    true, a->memory.limit.v + (s->memory.swap.v - s->memory.limit.v)};
	return v;
}

static int update_locked(const struct state_dir *sd, const struct container_state *st,
			 const struct spec_resources *res, struct cap_error **err)
{
	size_t len = 0;
	cleanup_free char *raw = cap_read_file_at(sd->fd, "config.json", &len, err);
	if (!raw)
		return -1;
	struct spec *saved = spec_parse(raw, len, NULL); /* NULL: nothing to merge from */
	struct spec_resources a = applied_resources(res, saved);
	struct cgroup *cg = NULL;
	/* --systemd-cgroup: the unit's properties change too */
	int rc = cgroup_open_driver(st->cgroup_path, st->systemd_cgroup, geteuid() != 0, &cg, err);
	if (rc == 0)
		rc = cgroup_update(cg, &a, err);
	struct spec_resources to_save = saved_resources(&a, saved);
	if (rc == 0)
		rc = save_config(sd, raw, &to_save, err);
	cgroup_free(cg);
	spec_free(saved);
	return rc;
}

int container_update(const char *root, const char *id, const struct spec_resources *res,
		     struct cap_error **err)
{
	struct state_dir sd = {.fd = -1};
	struct container_state st;
	memset(&st, 0, sizeof(st));
	if (state_dir_open(root, id, &sd, err) < 0)
		return -1;
	int rc = -1;
	if (state_load(&sd, &st, err) < 0)
		; /* err says why: absent or corrupt */
	else if (state_status(&sd, &st) == STATUS_STOPPED)
		cap_fail(err, 0, "container %s is stopped: cannot update its resources", id);
	else if (!st.cgroup_path)
		cap_fail(err, 0, "container %s has no cgroup: cannot update its resources", id);
	else
		rc = update_locked(&sd, &st, res, err);
	state_free(&st);
	state_dir_close(&sd);
	return rc;
}
