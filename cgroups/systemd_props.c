/* systemd driver, pure part: OCI resources -> transient unit properties, as
 * runc's systemd v2 driver maps them (genV2ResourcesProperties,
 * unifiedResToSystemdProps), and the property list itself. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cleanup.h"

#define DEFAULT_CPU_PERIOD 100000

static void prop_clear(struct cg_sd_prop *p)
{
	free(p->s);
	for (size_t i = 0; i < p->n_strv; i++)
		free(p->strv[i]);
	free(p->strv);
	free(p->bytes);
	memset(p, 0, sizeof(*p));
}

void cg_sd_props_free(struct cg_sd_props *p)
{
	for (size_t i = 0; i < p->n; i++)
		prop_clear(&p->v[i]);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

static ssize_t find(const struct cg_sd_props *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->v[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

const struct cg_sd_prop *cg_sd_props_get(const struct cg_sd_props *p, const char *name)
{
	ssize_t i = find(p, name);
	return i < 0 ? NULL : &p->v[i];
}

struct cg_sd_prop *cg_sd_props_set(struct cg_sd_props *p, const char *name, const char *sig)
{
	ssize_t i = find(p, name);
	struct cg_sd_prop *e;
	if (i >= 0) {
		e = &p->v[i];
		prop_clear(e);
	} else {
		if (p->n == p->cap) {
			size_t cap = p->cap ? p->cap * 2 : 16;
			struct cg_sd_prop *v = realloc(p->v, cap * sizeof(*v));
			if (!v)
				return NULL;
			p->v = v, p->cap = cap;
		}
		e = &p->v[p->n++];
		memset(e, 0, sizeof(*e));
	}
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->sig, sizeof(e->sig), "%s", sig);
	return e;
}

static char **cap_strv_dup(char *const *v, size_t n)
{
	char **out = calloc(n + 1, sizeof(*out));
	for (size_t i = 0; out && i < n; i++)
		if (!(out[i] = strdup(v[i]))) {
			while (i--)
				free(out[i]);
			free(out);
			return NULL;
		}
	return out;
}

int cg_sd_prop_copy(struct cg_sd_prop *dst, const struct cg_sd_prop *src)
{
	*dst = *src;
	dst->s = NULL, dst->strv = NULL, dst->bytes = NULL;
	if (src->s && !(dst->s = strdup(src->s)))
		return -1;
	if (src->strv && !(dst->strv = cap_strv_dup(src->strv, src->n_strv)))
		return -1;
	if (src->bytes) {
		if (!(dst->bytes = malloc(src->n_bytes ? src->n_bytes : 1)))
			return -1;
		memcpy(dst->bytes, src->bytes, src->n_bytes);
	}
	return 0;
}

bool cg_sd_props_remove(struct cg_sd_props *p, const char *name)
{
	ssize_t i = find(p, name);
	if (i < 0)
		return false;
	prop_clear(&p->v[i]);
	memmove(&p->v[i], &p->v[i + 1], (p->n - (size_t)i - 1) * sizeof(p->v[0]));
	p->n--;
	return true;
}

int cg_sd_props_u64(struct cg_sd_props *p, const char *name, uint64_t v, struct cap_error **err)
{
	struct cg_sd_prop *e = cg_sd_props_set(p, name, "t");
	if (!e)
		return cap_fail(err, ENOMEM, "unit property %s", name);
	e->u = v;
	return 0;
}

int cg_sd_props_bool(struct cg_sd_props *p, const char *name, bool v, struct cap_error **err)
{
	struct cg_sd_prop *e = cg_sd_props_set(p, name, "b");
	if (!e)
		return cap_fail(err, ENOMEM, "unit property %s", name);
	e->u = v;
	return 0;
}

int cg_sd_props_str(struct cg_sd_props *p, const char *name, const char *v, struct cap_error **err)
{
	struct cg_sd_prop *e = cg_sd_props_set(p, name, "s");
	if (!e || !(e->s = strdup(v)))
		return cap_fail(err, ENOMEM, "unit property %s", name);
	return 0;
}

int cg_sd_cpuset_bits(const char *list, uint8_t **out, size_t *n, struct cap_error **err)
{
	*out = NULL;
	*n = 0;
	size_t cap = 0;
	const char *s = list;
	while (*s) {
		char *end;
		errno = 0;
		unsigned long a = strtoul(s, &end, 10), b = a;
		if (end == s || errno)
			return cap_fail(err, EINVAL, "cpuset \"%.200s\": bad number", list);
		if (*end == '-') {
			s = end + 1;
			b = strtoul(s, &end, 10);
			if (end == s || b < a)
				return cap_fail(err, EINVAL, "cpuset \"%.200s\": bad range", list);
		}
		if (b >= 8192)
			return cap_fail(err, EINVAL, "cpuset \"%.200s\": %lu is too large", list,
					b);
		if (b / 8 + 1 > cap) {
			uint8_t *v = realloc(*out, b / 8 + 1);
			if (!v)
				return cap_fail(err, ENOMEM, "cpuset");
			memset(v + cap, 0, b / 8 + 1 - cap);
			*out = v, cap = b / 8 + 1;
		}
		for (unsigned long c = a; c <= b; c++)
			(*out)[c / 8] |= (uint8_t)(1u << (c % 8));
		s = end;
		if (*s == ',')
			s++;
		else if (*s && !isspace((unsigned char)*s))
			return cap_fail(err, EINVAL, "cpuset \"%.200s\": unexpected '%c'", list,
					*s);
		while (isspace((unsigned char)*s))
			s++;
	}
	*n = cap;
	return 0;
}

uint64_t cg_sd_quota_per_sec(int64_t quota, uint64_t period)
{
	if (quota <= 0)
		return UINT64_MAX;
	if (!period)
		period = DEFAULT_CPU_PERIOD;
	/* systemd keeps CPUQuota in percent: round up to the next 10 ms so the
	 * kernel's cpu.max is never below what was asked */
	uint64_t v = (uint64_t)quota * 1000000 / period;
	if (v % 10000)
		v = (v / 10000 + 1) * 10000;
	return v;
}

static int cpu_quota(struct cg_sd_props *p, bool quota_set, int64_t quota, uint64_t period,
		     struct cap_error **err)
{
	if (period && cg_sd_props_u64(p, "CPUQuotaPeriodUSec", period, err) < 0)
		return -1;
	if ((quota_set && quota != 0) || period)
		return cg_sd_props_u64(p, "CPUQuotaPerSecUSec",
				       cg_sd_quota_per_sec(quota_set ? quota : -1, period), err);
	return 0;
}

static int cpuset(struct cg_sd_props *p, const char *name, const char *list, struct cap_error **err)
{
	if (!list || !*list)
		return 0;
	struct cg_sd_prop *e = cg_sd_props_set(p, name, "ay");
	if (!e)
		return cap_fail(err, ENOMEM, "unit property %s", name);
	return cg_sd_cpuset_bits(list, &e->bytes, &e->n_bytes, err);
}

/* "max" -> UINT64_MAX, else a decimal number. */
static int parse_max(const char *key, const char *v, uint64_t *out, struct cap_error **err)
{
	char *end;
	if (strcmp(v, "max") == 0) {
		*out = UINT64_MAX;
		return 0;
	}
	errno = 0;
	*out = strtoull(v, &end, 10);
	if (errno || end == v || (*end && *end != '\n') || *v == '-')
		return cap_fail(err, EINVAL,
				"linux.resources.unified[\"%s\"]: bad value \"%.200s\"", key, v);
	return 0;
}

/* cpu.max "QUOTA|max [PERIOD]" */
static int unified_cpu_max(struct cg_sd_props *p, const char *v, struct cap_error **err)
{
	char q[32] = "";
	uint64_t period = 0;
	if (sscanf(v, "%31s %" SCNu64, q, &period) < 1)
		return cap_fail(err, EINVAL, "linux.resources.unified[\"cpu.max\"]: bad value");
	int64_t quota = -1;
	if (strcmp(q, "max") != 0) {
		char *end;
		quota = strtoll(q, &end, 10);
		if (*end || quota <= 0)
			return cap_fail(err, EINVAL,
					"linux.resources.unified[\"cpu.max\"]: bad quota \"%s\"",
					q);
	}
	return cpu_quota(p, true, quota, period, err);
}

static int unified_prop(struct cg_sd_props *p, const char *k, const char *v, struct cap_error **err)
{
	static const struct {
		const char *key, *prop;
	} u64s[] = {{"memory.high", "MemoryHigh"},	  {"memory.low", "MemoryLow"},
		    {"memory.max", "MemoryMax"},	  {"memory.min", "MemoryMin"},
		    {"memory.swap.max", "MemorySwapMax"}, {"pids.max", "TasksMax"},
		    {"cpu.weight", "CPUWeight"}};
	for (size_t i = 0; i < sizeof(u64s) / sizeof(u64s[0]); i++) {
		if (strcmp(k, u64s[i].key) != 0)
			continue;
		uint64_t n;
		if (parse_max(k, v, &n, err) < 0)
			return -1;
		return cg_sd_props_u64(p, u64s[i].prop, n, err);
	}
	if (strcmp(k, "cpu.max") == 0)
		return unified_cpu_max(p, v, err);
	if (strcmp(k, "cpuset.cpus") == 0)
		return cpuset(p, "AllowedCPUs", v, err);
	if (strcmp(k, "cpuset.mems") == 0)
		return cpuset(p, "AllowedMemoryNodes", v, err);
	return 0; /* the rest goes to cgroupfs only */
}

static int memory_props(const struct spec_resources *r, struct cg_sd_props *p,
			struct cap_error **err)
{
	if (r->memory.limit.set && r->memory.limit.v != 0 &&
	    cg_sd_props_u64(p, "MemoryMax", (uint64_t)r->memory.limit.v, err) < 0)
		return -1;
	if (r->memory.reservation.set && r->memory.reservation.v != 0 &&
	    cg_sd_props_u64(p, "MemoryLow", (uint64_t)r->memory.reservation.v, err) < 0)
		return -1;
	char swap[32];
	if (cg_swap_max(r->memory.limit.set, r->memory.limit.v, r->memory.swap.set,
			r->memory.swap.v, swap, sizeof(swap), err) < 0)
		return -1;
	if (!*swap)
		return 0;
	return cg_sd_props_u64(p, "MemorySwapMax",
			       strcmp(swap, "max") == 0 ? UINT64_MAX : strtoull(swap, NULL, 10),
			       err);
}

static int cpu_props(const struct spec_resources *r, struct cg_sd_props *p, struct cap_error **err)
{
	if (r->cpu.shares.set && r->cpu.shares.v &&
	    cg_sd_props_u64(p, "CPUWeight", cg_shares_to_weight(r->cpu.shares.v), err) < 0)
		return -1;
	if (cpu_quota(p, r->cpu.quota.set, r->cpu.quota.v, r->cpu.period.set ? r->cpu.period.v : 0,
		      err) < 0)
		return -1;
	return cpuset(p, "AllowedCPUs", r->cpu.cpus, err) < 0 ||
		       cpuset(p, "AllowedMemoryNodes", r->cpu.mems, err) < 0
		   ? -1
		   : 0;
}

int cg_sd_resource_props(const struct spec_resources *r, struct cg_sd_props *p,
			 struct cap_error **err)
{
	if (!r)
		return 0;
	if (memory_props(r, p, err) < 0 || cpu_props(r, p, err) < 0)
		return -1;
	if (r->pids.set && (r->pids.limit > 0 || r->pids.limit == -1) &&
	    cg_sd_props_u64(p, "TasksMax", (uint64_t)r->pids.limit, err) < 0)
		return -1;
	if (r->block_io.weight.set && r->block_io.weight.v &&
	    cg_sd_props_u64(p, "IOWeight", cg_blkio_to_io_weight(r->block_io.weight.v), err) < 0)
		return -1;
	/* unified last: it overrides the mapped values, as in runc */
	for (size_t i = 0; i < r->n_unified; i++)
		if (unified_prop(p, r->unified[i].key,
				 r->unified[i].value ? r->unified[i].value : "", err) < 0)
			return -1;
	return 0;
}
