/* linux.resources -> cgroup v2 files.  Each limit needs its controller in
 * the cgroup's cgroup.controllers; a missing one is an error that names the
 * controller and why it is missing, never a silently ignored limit. */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/cleanup.h"

static bool mem_wanted(const struct spec_resources *r)
{
	return (r->memory.limit.set && r->memory.limit.v != 0) ||
	       (r->memory.reservation.set && r->memory.reservation.v != 0) ||
	       (r->memory.swap.set && r->memory.swap.v != 0);
}

static bool cpu_wanted(const struct spec_resources *r)
{
	return (r->cpu.shares.set && r->cpu.shares.v) || (r->cpu.quota.set && r->cpu.quota.v) ||
	       (r->cpu.period.set && r->cpu.period.v) || r->cpu.burst.set || r->cpu.idle.set;
}

static bool io_wanted(const struct spec_resources *r)
{
	return (r->block_io.weight.set && r->block_io.weight.v) || r->block_io.n_weight_devices ||
	       r->block_io.n_read_bps || r->block_io.n_write_bps || r->block_io.n_read_iops ||
	       r->block_io.n_write_iops;
}

static void add(char *buf, size_t len, const char *c)
{
	if (cg_word_in(buf, c))
		return;
	size_t n = strlen(buf);
	snprintf(buf + n, len - n, "%s%s", n ? " " : "", c);
}

void cg_needed_controllers(const struct spec_resources *r, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!r)
		return;
	if (mem_wanted(r))
		add(buf, len, "memory");
	if (cpu_wanted(r))
		add(buf, len, "cpu");
	if ((r->cpu.cpus && *r->cpu.cpus) || (r->cpu.mems && *r->cpu.mems))
		add(buf, len, "cpuset");
	if (r->pids.set)
		add(buf, len, "pids");
	if (io_wanted(r))
		add(buf, len, "io");
	if (r->n_hugepage_limits)
		add(buf, len, "hugetlb");
	for (size_t i = 0; i < r->n_unified; i++) {
		char c[64];
		if (cg_unified_key(r->unified[i].key, c, sizeof(c), NULL) == 0 &&
		    strcmp(c, "cgroup") != 0)
			add(buf, len, c);
	}
}

bool cg_has_limits(const struct spec_resources *r)
{
	char buf[256];
	cg_needed_controllers(r, buf, sizeof(buf));
	return buf[0] != '\0' || (r && r->n_unified);
}

static const char *what(const char *ctrl)
{
	static const char *const names[][2] = {
	    {"memory", "memory limit"}, {"cpu", "cpu limit"},	 {"cpuset", "cpuset (cpus/mems)"},
	    {"pids", "pids limit"},	{"io", "blockIO limit"}, {"hugetlb", "hugepage limit"},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i][0], ctrl) == 0)
			return names[i][1];
	return "linux.resources.unified key";
}

int cg_check_controllers(const struct cgroup *cg, const char *needed, struct cap_error **err)
{
	if (!needed || !*needed)
		return 0;
	cleanup_free char *have = NULL;
	if (cg_read(cg, "cgroup.controllers", &have, err) < 0)
		return -1;
	cleanup_free char *copy = strdup(needed);
	if (!copy)
		return cap_fail(err, ENOMEM, "controllers");
	char *save = NULL;
	for (char *c = strtok_r(copy, " ", &save); c; c = strtok_r(NULL, " ", &save)) {
		if (cg_word_in(have, c))
			continue;
		if (cg->hybrid)
			return cap_fail(err, 0,
					"%s requested but the cgroup v2 controller \"%s\" is not "
					"available (hybrid cgroup host: v1 controllers own it)",
					what(c), c);
		return cap_fail(err, 0,
				"%s requested but the cgroup v2 controller \"%s\" is not available "
				"in %s (cgroup v2 host: not enabled in the parent's "
				"cgroup.subtree_control, or not delegated)",
				what(c), c, cg->path);
	}
	return 0;
}

static int check_below_usage(struct cgroup *cg, int64_t limit, struct cap_error **err)
{
	cleanup_free char *cur = NULL;
	if (limit <= 0 || cg_read(cg, "memory.current", &cur, err) < 0)
		return limit <= 0 ? 0 : -1;
	uint64_t usage = strtoull(cur, NULL, 10);
	if ((uint64_t)limit < usage)
		return cap_fail(err, 0,
				"memory.limit %" PRId64 " is below the current usage %" PRIu64
				" (%s/memory.current) and checkBeforeUpdate is set",
				limit, usage, cg->path);
	return 0;
}

static int apply_memory(struct cgroup *cg, const struct spec_resources *r, bool update,
			struct cap_error **err)
{
	if (r->memory.has_disable_oom_killer && r->memory.disable_oom_killer)
		return cap_fail(err, 0,
				"linux.resources.memory.disableOOMKiller is not supported "
				"on cgroup v2");
	if (r->memory.swappiness.set && r->memory.swappiness.v != UINT64_MAX)
		return cap_fail(err, 0,
				"linux.resources.memory.swappiness is not supported on "
				"cgroup v2 (per-cgroup swappiness exists only in v1)");
	if (!mem_wanted(r))
		return 0;
	if (update && r->memory.has_check_before_update && r->memory.check_before_update &&
	    r->memory.limit.set && check_below_usage(cg, r->memory.limit.v, err) < 0)
		return -1;
	char v[32];
	if (cg_swap_max(r->memory.limit.set, r->memory.limit.v, r->memory.swap.set,
			r->memory.swap.v, v, sizeof(v), err) < 0)
		return -1;
	if (*v) {
		struct cap_error *e = NULL;
		/* no memory.swap.max without swap accounting: fine for "max" */
		if (cg_write(cg, "memory.swap.max", v, &e) < 0) {
			if (e->errnum != ENOENT || strcmp(v, "max") != 0) {
				return cg_pass_error(err, e);
			}
			cap_error_free(e);
		}
	}
	if (r->memory.limit.set && r->memory.limit.v != 0 &&
	    (cg_memory_value(r->memory.limit.v, v, sizeof(v), err) < 0 ||
	     cg_write(cg, "memory.max", v, err) < 0))
		return -1;
	if (r->memory.reservation.set && r->memory.reservation.v != 0 &&
	    (cg_memory_value(r->memory.reservation.v, v, sizeof(v), err) < 0 ||
	     cg_write(cg, "memory.low", v, err) < 0))
		return -1;
	return 0;
}

static int apply_cpu(struct cgroup *cg, const struct spec_resources *r, struct cap_error **err)
{
	char v[64];
	if ((r->cpu.realtime_period.set && r->cpu.realtime_period.v) ||
	    (r->cpu.realtime_runtime.set && r->cpu.realtime_runtime.v))
		return cap_fail(err, 0,
				"linux.resources.cpu.realtimePeriod/realtimeRuntime are not "
				"supported on cgroup v2");
	if (r->cpu.shares.set && r->cpu.shares.v) {
		snprintf(v, sizeof(v), "%" PRIu64, cg_shares_to_weight(r->cpu.shares.v));
		if (cg_write(cg, "cpu.weight", v, err) < 0)
			return -1;
	}
	cg_cpu_max(r->cpu.quota.set, r->cpu.quota.v, r->cpu.period.set, r->cpu.period.v, v,
		   sizeof(v));
	if (*v && cg_write(cg, "cpu.max", v, err) < 0)
		return -1;
	if (r->cpu.burst.set) {
		snprintf(v, sizeof(v), "%" PRIu64, r->cpu.burst.v);
		if (cg_write(cg, "cpu.max.burst", v, err) < 0)
			return -1;
	}
	if (r->cpu.idle.set) {
		snprintf(v, sizeof(v), "%" PRId64, r->cpu.idle.v);
		if (cg_write(cg, "cpu.idle", v, err) < 0)
			return -1;
	}
	if (r->cpu.cpus && *r->cpu.cpus && cg_write(cg, "cpuset.cpus", r->cpu.cpus, err) < 0)
		return -1;
	if (r->cpu.mems && *r->cpu.mems && cg_write(cg, "cpuset.mems", r->cpu.mems, err) < 0)
		return -1;
	return 0;
}

static int write_throttle(struct cgroup *cg, const struct spec_throttle_device *d, size_t n,
			  const char *key, struct cap_error **err)
{
	for (size_t i = 0; i < n; i++) {
		char rate[32], v[96];
		cg_io_rate(d[i].rate, rate, sizeof(rate));
		snprintf(v, sizeof(v), "%" PRId64 ":%" PRId64 " %s=%s", d[i].major, d[i].minor, key,
			 rate);
		if (cg_write(cg, "io.max", v, err) < 0)
			return -1;
	}
	return 0;
}

/* io.bfq.weight takes the v1 range (1..1000) as is; io.weight needs the
 * conversion to 1..10000 (runc does the same). */
static int write_weight(struct cgroup *cg, const char *dev, uint64_t w, struct cap_error **err)
{
	char v[64];
	bool bfq = faccessat(cg->dirfd, "io.bfq.weight", W_OK, 0) == 0;
	uint64_t val = bfq ? w : cg_blkio_to_io_weight(w);
	snprintf(v, sizeof(v), "%s%s%" PRIu64, dev ? dev : "", dev ? " " : "", val);
	return cg_write(cg, bfq ? "io.bfq.weight" : "io.weight", v, err);
}

static int apply_io(struct cgroup *cg, const struct spec_resources *r, struct cap_error **err)
{
	const typeof(r->block_io) *b = &r->block_io;
	if (b->weight.set && b->weight.v) {
		if (b->weight.v < 10 || b->weight.v > 1000)
			return cap_fail(err, 0,
					"linux.resources.blockIO.weight %" PRIu64
					" out of range 10..1000",
					b->weight.v);
		if (write_weight(cg, NULL, b->weight.v, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < b->n_weight_devices; i++) {
		const struct spec_weight_device *d = &b->weight_devices[i];
		if (!d->has_weight || !d->weight)
			continue;
		char dev[48];
		snprintf(dev, sizeof(dev), "%" PRId64 ":%" PRId64, d->major, d->minor);
		if (write_weight(cg, dev, d->weight, err) < 0)
			return -1;
	}
	return write_throttle(cg, b->read_bps, b->n_read_bps, "rbps", err) < 0 ||
		       write_throttle(cg, b->write_bps, b->n_write_bps, "wbps", err) < 0 ||
		       write_throttle(cg, b->read_iops, b->n_read_iops, "riops", err) < 0 ||
		       write_throttle(cg, b->write_iops, b->n_write_iops, "wiops", err) < 0
		   ? -1
		   : 0;
}

static int apply_hugetlb_unified(struct cgroup *cg, const struct spec_resources *r,
				 struct cap_error **err)
{
	for (size_t i = 0; i < r->n_hugepage_limits; i++) {
		const struct spec_hugepage_limit *h = &r->hugepage_limits[i];
		if (!cg_valid_page_size(h->page_size))
			return cap_fail(err, 0,
					"linux.resources.hugepageLimits[%zu]: invalid "
					"pageSize \"%s\"",
					i, h->page_size ? h->page_size : "");
		char file[64], v[32];
		snprintf(file, sizeof(file), "hugetlb.%s.max", h->page_size);
		snprintf(v, sizeof(v), "%" PRIu64, h->limit);
		if (cg_write(cg, file, v, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < r->n_unified; i++) {
		char c[64];
		if (cg_unified_key(r->unified[i].key, c, sizeof(c), err) < 0 ||
		    cg_write(cg, r->unified[i].key, r->unified[i].value ? r->unified[i].value : "",
			     err) < 0)
			return -1;
	}
	return 0;
}

int cg_apply(struct cgroup *cg, const struct spec_resources *r, bool update, struct cap_error **err)
{
	char v[32];
	if (apply_memory(cg, r, update, err) < 0 || apply_cpu(cg, r, err) < 0)
		return -1;
	if (r->pids.set) {
		cg_pids_max(r->pids.limit, v, sizeof(v));
		if (cg_write(cg, "pids.max", v, err) < 0)
			return -1;
	}
	/* kernel/kernelTCP memory and network classID/priorities have no v2
	 * files; runc ignores them on v2 too */
	return apply_io(cg, r, err) < 0 || apply_hugetlb_unified(cg, r, err) < 0 ? -1 : 0;
}

static int to_rule(const struct spec_device_cgroup *d, struct cg_dev_rule *out,
		   struct cap_error **err)
{
	out->allow = d->allow;
	out->type = d->type ? d->type : 'a';
	out->major = d->has_major ? d->major : -1;
	out->minor = d->has_minor ? d->minor : -1;
	return cg_dev_access(d->access, &out->access, err);
}

int cg_collect_dev_rules(const struct spec_resources *r, struct cg_dev_rule **out, size_t *n_out,
			 struct cap_error **err)
{
	size_t n_res = r ? r->n_devices : 0;
	size_t cap = n_res + cg_n_default_dev_rules;
	cleanup_free struct cg_dev_rule *rules = calloc(cap + 1, sizeof(*rules));
	if (!rules)
		return cap_fail(err, ENOMEM, "device rules");
	size_t n = 0;
	/* spec rules, then runc's default allow list.  Not linux.devices: a
	 * node there is only created; access is what these rules grant (a
	 * config denying all must not let /dev/kmsg through). */
	for (size_t i = 0; i < n_res; i++)
		if (to_rule(&r->devices[i], &rules[n++], err) < 0)
			return cap_wrap(err, "linux.resources.devices[%zu]", i);
	for (size_t i = 0; i < cg_n_default_dev_rules; i++)
		rules[n++] = cg_default_dev_rules[i];
	*out = steal_pointer(&rules);
	*n_out = n;
	return 0;
}

int cg_build_devices(const struct spec_resources *r, struct bpf_insn **insns, size_t *n_insns,
		     struct cap_error **err)
{
	cleanup_free struct cg_dev_rule *rules = NULL;
	size_t n = 0;
	if (cg_collect_dev_rules(r, &rules, &n, err) < 0)
		return -1;
	return cg_dev_compile(rules, n, insns, n_insns, err);
}

int cg_apply_devices(struct cgroup *cg, const struct spec_resources *r, struct cap_error **err)
{
	cleanup_free struct bpf_insn *insns = NULL;
	size_t n_insns = 0;
	if (cg_build_devices(r, &insns, &n_insns, err) < 0)
		return -1;
	return cg_bpf_replace_device_filter(cg->dirfd, cg->path, insns, n_insns, err);
}
