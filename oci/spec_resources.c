/* LinuxResources (linux.resources, or `update --resources`) -> struct
 * spec_resources.  Only shapes and ranges are checked here; what a value
 * means for cgroup v2 is cgroups/'s business. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spec_internal.h"

static int opt_i64(yajl_val v, const char *key, struct jpath *p, int64_t min,
		   struct spec_opt_i64 *o, struct cap_error **err)
{
	int rc = oci_jf_i64(v, key, p, min, INT64_MAX, &o->v, err);
	o->set = rc > 0;
	return rc;
}

static int opt_u64(yajl_val v, const char *key, struct jpath *p, uint64_t max,
		   struct spec_opt_u64 *o, struct cap_error **err)
{
	int rc = oci_jf_u64(v, key, p, max, &o->v, err);
	o->set = rc > 0;
	return rc;
}

static int opt_bool(yajl_val v, const char *key, struct jpath *p, bool *has, bool *val,
		    struct cap_error **err)
{
	int rc = oci_jf_bool(v, key, p, val, err);
	*has = rc > 0;
	return rc;
}

static int parse_device_rule(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	struct spec_device_cgroup *d = out;
	int rc = oci_jf_bool(v, "allow", p, &d->allow, err);
	if (rc <= 0)
		return rc < 0 ? -1 : oci_jp_required(p, "allow", err);
	const char *type;
	if ((rc = oci_jf_name(v, "type", p, false, &type, err)) < 0)
		return -1;
	d->type = 'a';
	if (rc > 0) {
		if (strlen(type) != 1 || !strchr("acb", type[0]))
			return oci_jf_fail(p, "type", err, "unknown device type \"%s\"", type);
		d->type = type[0];
	}
	d->major = d->minor = -1;
	if ((rc = oci_jf_i64(v, "major", p, -1, INT64_MAX, &d->major, err)) < 0)
		return -1;
	d->has_major = rc > 0;
	if ((rc = oci_jf_i64(v, "minor", p, -1, INT64_MAX, &d->minor, err)) < 0)
		return -1;
	d->has_minor = rc > 0;
	if (oci_jf_str(v, "access", p, &d->access, err) < 0)
		return -1;
	if (d->access && d->access[strspn(d->access, "rwm")] != '\0')
		return oci_jf_fail(p, "access", err,
				   "invalid access \"%s\" (expected letters of \"rwm\")",
				   d->access);
	return 0;
}

static int parse_memory(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	struct spec_resources *r = out;
	/* -1 means "unlimited" for the byte counts. */
	if (opt_i64(v, "limit", p, -1, &r->memory.limit, err) < 0 ||
	    opt_i64(v, "reservation", p, -1, &r->memory.reservation, err) < 0 ||
	    opt_i64(v, "swap", p, -1, &r->memory.swap, err) < 0 ||
	    opt_i64(v, "kernel", p, -1, &r->memory.kernel, err) < 0 ||
	    opt_i64(v, "kernelTCP", p, -1, &r->memory.kernel_tcp, err) < 0 ||
	    opt_u64(v, "swappiness", p, 100, &r->memory.swappiness, err) < 0 ||
	    opt_bool(v, "disableOOMKiller", p, &r->memory.has_disable_oom_killer,
		     &r->memory.disable_oom_killer, err) < 0 ||
	    opt_bool(v, "useHierarchy", p, &r->memory.has_use_hierarchy, &r->memory.use_hierarchy,
		     err) < 0 ||
	    opt_bool(v, "checkBeforeUpdate", p, &r->memory.has_check_before_update,
		     &r->memory.check_before_update, err) < 0)
		return -1;
	return 0;
}

static int parse_cpu(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	struct spec_resources *r = out;
	if (opt_u64(v, "shares", p, UINT64_MAX, &r->cpu.shares, err) < 0 ||
	    opt_i64(v, "quota", p, -1, &r->cpu.quota, err) < 0 ||
	    opt_u64(v, "burst", p, UINT64_MAX, &r->cpu.burst, err) < 0 ||
	    opt_u64(v, "period", p, UINT64_MAX, &r->cpu.period, err) < 0 ||
	    opt_i64(v, "realtimeRuntime", p, -1, &r->cpu.realtime_runtime, err) < 0 ||
	    opt_u64(v, "realtimePeriod", p, UINT64_MAX, &r->cpu.realtime_period, err) < 0 ||
	    oci_jf_str(v, "cpus", p, &r->cpu.cpus, err) < 0 ||
	    oci_jf_str(v, "mems", p, &r->cpu.mems, err) < 0 ||
	    opt_i64(v, "idle", p, INT64_MIN, &r->cpu.idle, err) < 0)
		return -1;
	return 0;
}

static int parse_pids(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	struct spec_resources *r = out;
	/* <= 0 means "no limit" (runc); the value is otherwise a count. */
	int rc = oci_jf_i64(v, "limit", p, INT64_MIN, INT64_MAX, &r->pids.limit, err);
	r->pids.set = rc > 0;
	return rc < 0 ? -1 : 0;
}

static int parse_weight_device(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	struct spec_weight_device *d = out;
	int rc;
	if ((rc = oci_jf_i64(v, "major", p, 0, INT64_MAX, &d->major, err)) <= 0)
		return rc < 0 ? -1 : oci_jp_required(p, "major", err);
	if ((rc = oci_jf_i64(v, "minor", p, 0, INT64_MAX, &d->minor, err)) <= 0)
		return rc < 0 ? -1 : oci_jp_required(p, "minor", err);
	if ((rc = oci_jf_u16(v, "weight", p, &d->weight, err)) < 0)
		return -1;
	d->has_weight = rc > 0;
	if ((rc = oci_jf_u16(v, "leafWeight", p, &d->leaf_weight, err)) < 0)
		return -1;
	d->has_leaf_weight = rc > 0;
	return 0;
}

static int parse_throttle_device(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	struct spec_throttle_device *d = out;
	int rc;
	if ((rc = oci_jf_i64(v, "major", p, 0, INT64_MAX, &d->major, err)) <= 0)
		return rc < 0 ? -1 : oci_jp_required(p, "major", err);
	if ((rc = oci_jf_i64(v, "minor", p, 0, INT64_MAX, &d->minor, err)) <= 0)
		return rc < 0 ? -1 : oci_jp_required(p, "minor", err);
	if ((rc = oci_jf_u64(v, "rate", p, UINT64_MAX, &d->rate, err)) <= 0)
		return rc < 0 ? -1 : oci_jp_required(p, "rate", err);
	return 0;
}

static int parse_block_io(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	struct spec_resources *r = out;
	const size_t tsz = sizeof(struct spec_throttle_device);
	if (opt_u64(v, "weight", p, UINT16_MAX, &r->block_io.weight, err) < 0 ||
	    opt_u64(v, "leafWeight", p, UINT16_MAX, &r->block_io.leaf_weight, err) < 0 ||
	    oci_jf_objects(v, "weightDevice", p, sizeof(struct spec_weight_device),
			   &r->block_io.weight_devices, &r->block_io.n_weight_devices,
			   parse_weight_device, err) < 0 ||
	    oci_jf_objects(v, "throttleReadBpsDevice", p, tsz, &r->block_io.read_bps,
			   &r->block_io.n_read_bps, parse_throttle_device, err) < 0 ||
	    oci_jf_objects(v, "throttleWriteBpsDevice", p, tsz, &r->block_io.write_bps,
			   &r->block_io.n_write_bps, parse_throttle_device, err) < 0 ||
	    oci_jf_objects(v, "throttleReadIOPSDevice", p, tsz, &r->block_io.read_iops,
			   &r->block_io.n_read_iops, parse_throttle_device, err) < 0 ||
	    oci_jf_objects(v, "throttleWriteIOPSDevice", p, tsz, &r->block_io.write_iops,
			   &r->block_io.n_write_iops, parse_throttle_device, err) < 0)
		return -1;
	return 0;
}

static int parse_hugepage_limit(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	struct spec_hugepage_limit *h = out;
	int rc;
	if ((rc = oci_jf_str(v, "pageSize", p, &h->page_size, err)) <= 0)
		return rc < 0 ? -1 : oci_jp_required(p, "pageSize", err);
	if ((rc = oci_jf_u64(v, "limit", p, UINT64_MAX, &h->limit, err)) <= 0)
		return rc < 0 ? -1 : oci_jp_required(p, "limit", err);
	return 0;
}

static int parse_priority(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	const char *name;
	uint32_t prio;
	int rc;
	if (oci_jf_name(v, "name", p, true, &name, err) < 0)
		return -1;
	if ((rc = oci_jf_u32(v, "priority", p, &prio, err)) <= 0)
		return rc < 0 ? -1 : oci_jp_required(p, "priority", err);
	return 0;
}

static int parse_network(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	struct spec_resources *r = out;
	int rc = oci_jf_u32(v, "classID", p, &r->network.class_id, err);
	if (rc < 0)
		return -1;
	r->network.has_class_id = rc > 0;
	/* The model keeps only the count (net_prio is cgroup v1 only); the
	 * entries are still checked so a typo is an error, not a no-op. */
	char *prios = NULL;
	rc = oci_jf_objects(v, "priorities", p, 1, &prios, &r->network.n_priorities, parse_priority,
			    err);
	free(prios);
	return rc < 0 ? -1 : 0;
}

int spec_resources_from_json(yajl_val v, struct jpath *p, struct spec_resources *r,
			     struct cap_error **err)
{
	if (oci_jv_obj(v, p, err) < 0)
		return -1;
	r->present = true;
	if (oci_jf_objects(v, "devices", p, sizeof(struct spec_device_cgroup), &r->devices,
			   &r->n_devices, parse_device_rule, err) < 0 ||
	    oci_jf_sub(v, "memory", p, parse_memory, r, err) < 0 ||
	    oci_jf_sub(v, "cpu", p, parse_cpu, r, err) < 0 ||
	    oci_jf_sub(v, "pids", p, parse_pids, r, err) < 0 ||
	    oci_jf_sub(v, "blockIO", p, parse_block_io, r, err) < 0 ||
	    oci_jf_objects(v, "hugepageLimits", p, sizeof(struct spec_hugepage_limit),
			   &r->hugepage_limits, &r->n_hugepage_limits, parse_hugepage_limit,
			   err) < 0 ||
	    oci_jf_sub(v, "network", p, parse_network, r, err) < 0 ||
	    oci_jf_kv(v, "unified", p, &r->unified, &r->n_unified, err) < 0)
		return -1;
	return 0;
}
