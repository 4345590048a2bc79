/* Pure conversions from OCI resource values (cgroup v1 units) to cgroup v2
 * file values.  The formulas are the ones runc and crun use, so a container
 * gets the same limits whichever runtime starts it. */
#include "internal.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

uint64_t cg_shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0;
	/* clamp to the v1 range first: below 2 the formula underflows */
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t cg_blkio_to_io_weight(uint64_t weight)
{
	if (weight == 0)
		return 0;
	if (weight < 10)
		weight = 10;
	if (weight > 1000)
		weight = 1000;
	return 1 + ((weight - 10) * 9999) / 990;
}

int cg_memory_value(int64_t v, char *out, size_t outlen, struct cap_error **err)
{
	if (v == -1) {
		snprintf(out, outlen, "max");
		return 0;
	}
	if (v < 0)
		return cap_fail(err, 0, "invalid memory value %" PRId64, v);
	snprintf(out, outlen, "%" PRId64, v);
	return 0;
}

/* Mirrors runc's ConvertMemorySwapToCgroupV2Value. */
int cg_swap_max(bool limit_set, int64_t limit, bool swap_set, int64_t swap, char *out,
		size_t outlen, struct cap_error **err)
{
	int64_t memory = limit_set ? limit : 0;
	out[0] = '\0';
	if (!swap_set || swap == 0) {
		/* v1 compatibility: unlimited memory with no swap given means
		 * unlimited swap too */
		if (memory == -1)
			snprintf(out, outlen, "max");
		return 0;
	}
	if (swap == -1) {
		snprintf(out, outlen, "max");
		return 0;
	}
	if (swap < -1)
		return cap_fail(err, 0, "invalid memory.swap value %" PRId64, swap);
	if (memory == 0 || memory == -1)
		return cap_fail(err, 0, "memory.swap %" PRId64 " requires a memory.limit", swap);
	if (memory < 0)
		return cap_fail(err, 0, "invalid memory.limit value %" PRId64, memory);
	if (swap < memory)
		return cap_fail(err, 0,
				"memory.swap %" PRId64 " is below memory.limit %" PRId64
				" (OCI swap is memory+swap)",
				swap, memory);
	snprintf(out, outlen, "%" PRId64, swap - memory);
	return 0;
}

/* runc: quota > 0 gives a number, anything else "max"; the period is only
 * written when given (the kernel keeps the current one otherwise). */
void cg_cpu_max(bool quota_set, int64_t quota, bool period_set, uint64_t period, char *out,
		size_t outlen)
{
	out[0] = '\0';
	if (period_set && period == 0)
		period_set = false;
	if (quota_set && quota == 0)
		quota_set = false;
	if (!quota_set && !period_set)
		return;
	int n;
	if (quota_set && quota > 0)
		n = snprintf(out, outlen, "%" PRId64, quota);
	else
		n = snprintf(out, outlen, "max");
	if (period_set && n > 0 && (size_t)n < outlen)
		snprintf(out + n, outlen - n, " %" PRIu64, period);
}

void cg_pids_max(int64_t limit, char *out, size_t outlen)
{
	if (limit <= 0)
		snprintf(out, outlen, "max");
	else
		snprintf(out, outlen, "%" PRId64, limit);
}

void cg_io_rate(uint64_t rate, char *out, size_t outlen)
{
	if (rate == 0)
		snprintf(out, outlen, "max");
	else
		snprintf(out, outlen, "%" PRIu64, rate);
}

int cg_unified_key(const char *key, char *ctrl, size_t ctrllen, struct cap_error **err)
{
	const char *dot = key ? strchr(key, '.') : NULL;
	if (!key || !*key || strchr(key, '/') || !dot || dot == key || !dot[1] ||
	    strcmp(key, ".") == 0 || strcmp(key, "..") == 0)
		return cap_fail(err, 0,
				"linux.resources.unified: invalid key \"%s\" (want one cgroup file "
				"name like \"memory.high\")",
				key ? key : "");
	size_t n = (size_t)(dot - key);
	if (n >= ctrllen)
		return cap_fail(err, 0, "linux.resources.unified: key \"%s\" too long", key);
	memcpy(ctrl, key, n);
	ctrl[n] = '\0';
	return 0;
}

bool cg_valid_page_size(const char *s)
{
	if (!s || !isdigit((unsigned char)*s))
		return false;
	while (isdigit((unsigned char)*s))
		s++;
	if (!isalpha((unsigned char)*s))
		return false;
	while (isalpha((unsigned char)*s))
		s++;
	return *s == '\0';
}
