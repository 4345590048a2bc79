/* JSON of `memory status` (tests/integration/memory.bats pins the keys):
 *
 *   {"containers":[{"id", "memory":{current,peak,max,high,low,min},
 *                   "stat":{anon,file,shmem}, "swap":{current,max},
 *                   "zswap":{current,max}, "events":{low,high,max,oom,oom_kill},
 *                   "psi":{"some":{avg10,avg60,avg300,total},"full":{...}},
 *                   "ksm":{enabled,merging_pages,profit},
 *                   "reclaim":{auto,psi_target,reclaimed}, "unavailable":[...]}],
 *    "host":{"ram":{total,free,available,swap_total,swap_free}, "swaps":[...],
 *            "zram":[...], "zswap":{...}, "ksm":{...}, "psi":{...},
 *            "unavailable":[...]}}
 *
 * Sizes are bytes; a limit of "max" is the string "max"; what could not be
 * read is null and its group is named in "unavailable". */
#include "../lib/json.h"
#include "internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

static void str(yajl_gen j, const char *k, const char *v)
{
	cap_json_key(j, k);
	if (v)
		yajl_gen_string(j, (const unsigned char *)v, strlen(v));
	else
		yajl_gen_null(j);
}

static void u64(yajl_gen j, const char *k, uint64_t v)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "%" PRIu64, v);
	cap_json_key(j, k);
	yajl_gen_number(j, b, (size_t)n);
}

static void i64(yajl_gen j, const char *k, int64_t v)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "%" PRId64, v);
	cap_json_key(j, k);
	yajl_gen_number(j, b, (size_t)n);
}

static void val(yajl_gen j, const char *k, struct mem_val v)
{
	if (!v.set) {
		cap_json_key(j, k);
		yajl_gen_null(j);
	} else if (v.v == MEM_MAX) {
		str(j, k, "max");
	} else {
		u64(j, k, v.v);
	}
}

static void dbl(yajl_gen j, const char *k, double v)
{
	char b[48];
	int n = snprintf(b, sizeof(b), "%.2f", isfinite(v) ? v : 0.0);
	cap_json_key(j, k);
	yajl_gen_number(j, b, (size_t)n);
}

static void psi_line(yajl_gen j, const char *k, const struct mem_psi_line *l, bool set)
{
	cap_json_key(j, k);
	if (!set) {
		yajl_gen_null(j);
		return;
	}
	yajl_gen_map_open(j);
	dbl(j, "avg10", l->avg10);
	dbl(j, "avg60", l->avg60);
	dbl(j, "avg300", l->avg300);
	u64(j, "total", l->total);
	yajl_gen_map_close(j);
}

static void psi(yajl_gen j, const struct mem_psi *p)
{
	cap_json_key(j, "psi");
	if (!p->present) {
		yajl_gen_null(j);
		return;
	}
	yajl_gen_map_open(j);
	psi_line(j, "some", &p->some, true);
	psi_line(j, "full", &p->full, p->has_full);
	yajl_gen_map_close(j);
}

static void unavailable(yajl_gen j, const char *const *list, size_t n)
{
	cap_json_key(j, "unavailable");
	yajl_gen_array_open(j);
	for (size_t i = 0; i < n; i++)
		yajl_gen_string(j, (const unsigned char *)list[i], strlen(list[i]));
	yajl_gen_array_close(j);
}

/* k: {names[0]: v[0], ...} */
static void group(yajl_gen j, const char *k, const char *const *names, const struct mem_val *v,
		  size_t n)
{
	cap_json_key(j, k);
	yajl_gen_map_open(j);
	for (size_t i = 0; i < n; i++)
		val(j, names[i], v[i]);
	yajl_gen_map_close(j);
}
#define GROUP(j, k, names, ...)                                                                    \
	group(j, k, names, (const struct mem_val[]){__VA_ARGS__}, sizeof(names) / sizeof(names[0]))

static void pair(yajl_gen j, const char *k, struct mem_val a, struct mem_val b)
{
	static const char *const names[] = {"current", "max"};
	GROUP(j, k, names, a, b);
}

static void container_ksm_reclaim(yajl_gen j, const struct mem_container_status *c)
{
	cap_json_key(j, "ksm");
	yajl_gen_map_open(j);
	cap_json_key(j, "enabled");
	yajl_gen_bool(j, c->opts.ksm);
	val(j, "merging_pages", (struct mem_val){c->has_ksm, c->ksm_merging_pages});
	if (c->has_ksm)
		i64(j, "profit", c->ksm_profit);
	else
		str(j, "profit", NULL);
	yajl_gen_map_close(j);
	cap_json_key(j, "reclaim");
	yajl_gen_map_open(j);
	cap_json_key(j, "auto");
	yajl_gen_bool(j, c->opts.reclaim_auto);
	if (c->opts.has_psi_target)
		dbl(j, "psi_target", c->opts.psi_target);
	else
		str(j, "psi_target", NULL);
	u64(j, "reclaimed", c->reclaimed);
	yajl_gen_map_close(j);
}

static void container(yajl_gen j, const struct mem_container_status *c)
{
	yajl_gen_map_open(j);
	static const char *const mem[] = {"current", "peak", "max", "high", "low", "min"};
	static const char *const stat[] = {"anon", "file", "shmem"};
	static const char *const ev[] = {"low", "high", "max", "oom", "oom_kill"};
	str(j, "id", c->id);
	GROUP(j, "memory", mem, c->current, c->peak, c->max, c->high, c->low, c->min);
	GROUP(j, "stat", stat, c->anon, c->file, c->shmem);
	pair(j, "swap", c->swap_current, c->swap_max);
	pair(j, "zswap", c->zswap_current, c->zswap_max);
	GROUP(j, "events", ev, c->ev_low, c->ev_high, c->ev_max, c->ev_oom, c->ev_oom_kill);
	psi(j, &c->psi);
	container_ksm_reclaim(j, c);
	unavailable(j, c->unavailable, c->n_unavailable);
	yajl_gen_map_close(j);
}

static void host_ram(yajl_gen j, const struct mem_host_status *h)
{
	static const char *const ram[] = {"total", "free", "available", "swap_total", "swap_free"};
	GROUP(j, "ram", ram, h->mem_total, h->mem_free, h->mem_available, h->swap_total,
	      h->swap_free);
	cap_json_key(j, "swaps");
	yajl_gen_array_open(j);
	for (size_t i = 0; i < h->n_swaps; i++) {
		yajl_gen_map_open(j);
		str(j, "name", h->swaps[i].name);
		str(j, "type", h->swaps[i].type);
		u64(j, "size", h->swaps[i].size);
		u64(j, "used", h->swaps[i].used);
		i64(j, "priority", h->swaps[i].priority);
		yajl_gen_map_close(j);
	}
	yajl_gen_array_close(j);
}

static void host_zram(yajl_gen j, const struct mem_host_status *h)
{
	cap_json_key(j, "zram");
	yajl_gen_array_open(j);
	for (size_t i = 0; i < h->n_zram; i++) {
		const struct mem_zram_dev *z = &h->zram[i];
		yajl_gen_map_open(j);
		str(j, "name", z->name);
		str(j, "algorithm", z->algorithm);
		u64(j, "disksize", z->disksize);
		u64(j, "orig_data_size", z->orig);
		u64(j, "compr_data_size", z->compr);
		u64(j, "mem_used_total", z->mem_used);
		dbl(j, "ratio", z->compr ? (double)z->orig / (double)z->compr : 0.0);
		yajl_gen_map_close(j);
	}
	yajl_gen_array_close(j);
}

static void host_zswap_ksm(yajl_gen j, const struct mem_host_status *h)
{
	cap_json_key(j, "zswap");
	if (!h->has_zswap) {
		yajl_gen_null(j);
	} else {
		yajl_gen_map_open(j);
		cap_json_key(j, "enabled");
		yajl_gen_bool(j, h->zswap_enabled);
		str(j, "compressor", h->zswap_compressor);
		str(j, "zpool", h->zswap_zpool);
		val(j, "max_pool_percent", h->zswap_max_pool_percent);
		yajl_gen_map_close(j);
	}
	cap_json_key(j, "ksm");
	if (!h->has_ksm) {
		yajl_gen_null(j);
		return;
	}
	yajl_gen_map_open(j);
	u64(j, "run", h->ksm_run);
	u64(j, "pages_shared", h->ksm_pages_shared);
	u64(j, "pages_sharing", h->ksm_pages_sharing);
	if (h->has_ksm_profit)
		i64(j, "general_profit", h->ksm_general_profit);
	else
		str(j, "general_profit", NULL);
	yajl_gen_map_close(j);
}

static void host(yajl_gen j, const struct mem_host_status *h)
{
	cap_json_key(j, "host");
	yajl_gen_map_open(j);
	host_ram(j, h);
	host_zram(j, h);
	host_zswap_ksm(j, h);
	psi(j, &h->psi);
	unavailable(j, h->unavailable, h->n_unavailable);
	yajl_gen_map_close(j);
}

static char *finish(yajl_gen j)
{
	const unsigned char *buf;
	size_t len;
	char *out = NULL;
	if (yajl_gen_get_buf(j, &buf, &len) == yajl_gen_status_ok)
		out = strndup((const char *)buf, len);
	yajl_gen_free(j);
	return out;
}

char *mem_json_object(const struct mem_jfield *f, size_t n)
{
	yajl_gen j = yajl_gen_alloc(NULL);
	if (!j)
		return NULL;
	yajl_gen_map_open(j);
	for (size_t i = 0; i < n; i++) {
		if (f[i].kind == MEM_J_U64)
			u64(j, f[i].key, f[i].u);
		else if (f[i].kind == MEM_J_DBL)
			dbl(j, f[i].key, f[i].d);
		else
			str(j, f[i].key, f[i].s);
	}
	yajl_gen_map_close(j);
	return finish(j);
}

char *mem_status_json(const struct mem_container_status *c, size_t n,
		      const struct mem_host_status *h)
{
	yajl_gen j = yajl_gen_alloc(NULL);
	if (!j)
		return NULL;
	yajl_gen_map_open(j);
	cap_json_key(j, "containers");
	yajl_gen_array_open(j);
	for (size_t i = 0; i < n; i++)
		container(j, &c[i]);
	yajl_gen_array_close(j);
	if (h)
		host(j, h);
	yajl_gen_map_close(j);
	return finish(j);
}
