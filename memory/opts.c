/* The per-container controls: org.capsule.memory.* annotations (so podman
 * --annotation and containerd pass them), swap/zswap limits from the OCI
 * config, and the kernel features they need.  All checked at create, before
 * anything exists; a requested feature the kernel lacks is an error. */
#include "memory.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE 67
#define PR_GET_MEMORY_MERGE 68
#endif

/* At most ~200 bytes of a bad value go into a message. */
#define QUOTE_MAX 200

static int bad_value(struct cap_error **err, const char *key, const char *v, const char *want)
{
	return cap_fail(err, 0, "annotation %s: invalid value \"%.*s\" (want %s)", key, QUOTE_MAX,
			v ? v : "", want);
}

static int parse_pct(const char *v, double *out)
{
	char *end;
	errno = 0;
	double d = v && *v ? strtod(v, &end) : NAN;
	if (!v || !*v || errno || *end || !isfinite(d) || d <= 0 || d > 100)
		return -1;
	*out = d;
	return 0;
}

static int one_annotation(const struct spec_kv *kv, struct mem_opts *o, struct cap_error **err)
{
	const char *k = kv->key, *v = kv->value ? kv->value : "";
	if (strcmp(k, MEM_ANNOTATION_KSM) == 0) {
		if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
			return bad_value(err, k, v, "true or false");
		o->ksm = strcmp(v, "true") == 0;
	} else if (strcmp(k, MEM_ANNOTATION_RECLAIM) == 0) {
		if (strcmp(v, "auto") != 0 && strcmp(v, "off") != 0)
			return bad_value(err, k, v, "auto or off");
		o->reclaim_auto = strcmp(v, "auto") == 0;
	} else if (strcmp(k, MEM_ANNOTATION_PSI_TARGET) == 0) {
		if (parse_pct(v, &o->psi_target) < 0)
			return bad_value(err, k, v,
					 "a percentage above 0 and at most 100, like 1 or 0.5");
		o->has_psi_target = true;
	} else {
		return cap_fail(err, 0,
				"annotation %.*s: unknown (want " MEM_ANNOTATION_KSM
				", " MEM_ANNOTATION_RECLAIM " or " MEM_ANNOTATION_PSI_TARGET ")",
				QUOTE_MAX, k);
	}
	return 0;
}

int mem_opts_from_annotations(const struct spec_kv *a, size_t n, struct mem_opts *o,
			      struct cap_error **err)
{
	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < n; i++) {
		if (strncmp(a[i].key, MEM_ANNOTATION_PREFIX, strlen(MEM_ANNOTATION_PREFIX)) != 0)
			continue;
		if (one_annotation(&a[i], o, err) < 0)
			return -1;
	}
	if (o->has_psi_target && !o->reclaim_auto)
		return cap_fail(err, 0,
				"annotation " MEM_ANNOTATION_PSI_TARGET
				": needs " MEM_ANNOTATION_RECLAIM "=auto");
	return 0;
}

int mem_opts_check_kernel(const struct mem_opts *o, struct cap_error **err)
{
	if (o->ksm && prctl(PR_GET_MEMORY_MERGE, 0, 0, 0, 0) < 0)
		return cap_fail(err, errno,
				"annotation " MEM_ANNOTATION_KSM
				"=true: the kernel has no per-process KSM (PR_GET_MEMORY_MERGE, "
				"Linux 6.4 with CONFIG_KSM)");
	if (o->reclaim_auto && access("/proc/pressure/memory", R_OK) < 0)
		return cap_fail(err, errno,
				"annotation " MEM_ANNOTATION_RECLAIM
				"=auto: no memory pressure information (/proc/pressure/memory; "
				"CONFIG_PSI, psi=1)");
	return 0;
}

int mem_opts_check_cgroup(const struct mem_opts *o, const char *cgroup_path, struct cap_error **err)
{
	if (!o->reclaim_auto)
		return 0;
	if (!cgroup_path)
		return cap_fail(err, 0,
				"annotation " MEM_ANNOTATION_RECLAIM
				"=auto: the container has no cgroup");
	static const char *const need[] = {"memory.reclaim", "memory.pressure"};
	for (size_t i = 0; i < 2; i++) {
		char p[4096];
		snprintf(p, sizeof(p), "%s/%s", cgroup_path, need[i]);
		if (access(p, W_OK) < 0)
			return cap_fail(err, errno,
					"annotation " MEM_ANNOTATION_RECLAIM
					"=auto: %s: the cgroup2 memory controller is not available "
					"(a hybrid host, or a kernel before 5.19)",
					p);
	}
	return 0;
}

static int check_zswap_max(const char *v, struct cap_error **err)
{
	uint64_t x;
	if (mem_parse_u64_or_max(v, &x) < 0)
		return cap_fail(err, 0,
				"linux.resources.unified[\"memory.zswap.max\"]: invalid value "
				"\"%.*s\" (want bytes or \"max\")",
				QUOTE_MAX, v);
	return 0;
}

static int check_zswap_writeback(const char *v, struct cap_error **err)
{
	if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
		return cap_fail(err, 0,
				"linux.resources.unified[\"memory.zswap.writeback\"]: invalid "
				"value \"%.*s\" (want 0 or 1)",
				QUOTE_MAX, v);
	return 0;
}

int mem_validate_resources(const struct spec_resources *r, struct cap_error **err)
{
	if (!r)
		return 0;
	if (r->memory.swap.set) {
		int64_t s = r->memory.swap.v, l = r->memory.limit.set ? r->memory.limit.v : -1;
		if (s < -1)
			return cap_fail(err, 0,
					"linux.resources.memory.swap: invalid value %" PRId64
					" (want -1 or bytes of memory+swap)",
					s);
		if (s > 0 && l > 0 && s < l)
			return cap_fail(err, 0,
					"linux.resources.memory.swap: %" PRId64
					" is below memory.limit %" PRId64
					" (OCI swap is memory+swap)",
					s, l);
	}
	for (size_t i = 0; i < r->n_unified; i++) {
		const char *k = r->unified[i].key,
			   *v = r->unified[i].value ? r->unified[i].value : "";
		if (strcmp(k, "memory.zswap.max") == 0 && check_zswap_max(v, err) < 0)
			return -1;
		if (strcmp(k, "memory.zswap.writeback") == 0 && check_zswap_writeback(v, err) < 0)
			return -1;
	}
	return 0;
}

int mem_enable_merge(struct cap_error **err)
{
	if (prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0) < 0)
		return cap_fail(err, errno, "prctl PR_SET_MEMORY_MERGE (" MEM_ANNOTATION_KSM ")");
	return 0;
}
