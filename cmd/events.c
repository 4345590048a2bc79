/* capsule events [--stats] [--interval DURATION] ID
 *
 * One JSON object per line, in runc's shape (types/events.go, runc 1.2 with
 * PSI), since containerd and other callers decode it with those types:
 *   {"type":"stats","id":ID,"data":{cpu, cpuset, memory, pids, blkio, hugetlb,
 *                                   intel_rdt, network_interfaces}}
 *   {"type":"oom","id":ID}
 * Go's encoding rules are kept: fields tagged omitempty are left out when
 * zero, the others are always there; "max" is 18446744073709551615. */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "../cgroups/cgroups.h"
#include "../runtime/container.h"
#include "../lib/json.h"
#include "simple.h"

static void num(yajl_gen j, const char *key, uint64_t v, bool omitempty)
{
	if (omitempty && v == 0)
		return;
	char buf[32];
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	cap_json_key(j, key);
	yajl_gen_number(j, buf, strlen(buf));
}

static void dbl(yajl_gen j, const char *key, double v)
{
	char buf[48];
	snprintf(buf, sizeof(buf), "%.15g", isfinite(v) ? v : 0.0);
	cap_json_key(j, key);
	yajl_gen_number(j, buf, strlen(buf));
}

static void psi_data(yajl_gen j, const char *key, const struct cgroup_psi_line *l)
{
	cap_json_key(j, key);
	yajl_gen_map_open(j);
	dbl(j, "avg10", l->avg10);
	dbl(j, "avg60", l->avg60);
	dbl(j, "avg300", l->avg300);
	num(j, "total", l->total, false);
	yajl_gen_map_close(j);
}

static void psi(yajl_gen j, const struct cgroup_psi *p)
{
	if (!p->present)
		return;
	cap_json_key(j, "psi");
	yajl_gen_map_open(j);
	psi_data(j, "some", &p->some);
	psi_data(j, "full", &p->full);
	yajl_gen_map_close(j);
}

static void gen_cpu(yajl_gen j, const struct cgroup_stats *s)
{
	cap_json_key(j, "cpu");
	yajl_gen_map_open(j);
	cap_json_key(j, "usage");
	yajl_gen_map_open(j);
	num(j, "total", s->cpu.usage_usec * 1000, true);
	num(j, "kernel", s->cpu.system_usec * 1000, false);
	num(j, "user", s->cpu.user_usec * 1000, false);
	yajl_gen_map_close(j);
	cap_json_key(j, "throttling");
	yajl_gen_map_open(j);
	num(j, "periods", s->cpu.nr_periods, true);
	num(j, "throttledPeriods", s->cpu.nr_throttled, true);
	num(j, "throttledTime", s->cpu.throttled_usec * 1000, true);
	yajl_gen_map_close(j);
	psi(j, &s->cpu_psi);
	yajl_gen_map_close(j);
}

/* runc fills these from cgroup v1 cpuset files only: zeros on v2. */
static void gen_cpuset(yajl_gen j)
{
	static const char *const keys[] = {
	    "cpu_exclusive",   "mem_hardwall",	     "mem_exclusive",
	    "memory_migrate",  "memory_spread_page", "memory_spread_slab",
	    "memory_pressure", "sched_load_balance", "sched_relax_domain_level",
	};
	cap_json_key(j, "cpuset");
	yajl_gen_map_open(j);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		num(j, keys[i], 0, false);
	yajl_gen_map_close(j);
}

static void mem_entry(yajl_gen j, const char *key, uint64_t limit, uint64_t usage, uint64_t max,
		      uint64_t failcnt)
{
	cap_json_key(j, key);
	yajl_gen_map_open(j);
	num(j, "limit", limit, false);
	num(j, "usage", usage, true);
	num(j, "max", max, true);
	num(j, "failcnt", failcnt, false);
	yajl_gen_map_close(j);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static void gen_memory(yajl_gen j, const struct cgroup_stats *s)
{
	const typeof(s->memory) *m = &s->memory;
	cap_json_key(j, "memory");
	yajl_gen_map_open(j);
	for (size_t i = 0; i < m->n_stat; i++) /* runc: cache = memory.stat "file" */
		if (strcmp(m->stat[i].key, "file") == 0)
			num(j, "cache", m->stat[i].value, true);
	mem_entry(j, "usage", m->max, m->current, m->peak, m->max_events);
	/* v1 reported swap as memory+swap; runc keeps that meaning on v2 */
	if (m->has_swap)
		mem_entry(j, "swap",
			  m->swap_max == UINT64_MAX ? UINT64_MAX : sat_add(m->swap_max, m->max),
			  sat_add(m->swap_current, m->current), 0, 0);
	else
		mem_entry(j, "swap", 0, 0, 0, 0);
	mem_entry(j, "kernel", 0, 0, 0, 0);
	mem_entry(j, "kernelTCP", 0, 0, 0, 0);
	if (m->n_stat) {
		cap_json_key(j, "raw");
		yajl_gen_map_open(j);
		for (size_t i = 0; i < m->n_stat; i++)
			num(j, m->stat[i].key, m->stat[i].value, false);
		yajl_gen_map_close(j);
	}
	psi(j, &s->memory_psi);
	yajl_gen_map_close(j);
}

static void blkio_list(yajl_gen j, const char *key, const struct cgroup_stats *s, bool bytes)
{
	if (!s->n_io)
		return;
	cap_json_key(j, key);
	yajl_gen_array_open(j);
	for (size_t i = 0; i < s->n_io; i++) {
		const struct cgroup_io_dev *d = &s->io[i];
		for (int w = 0; w < 2; w++) {
			yajl_gen_map_open(j);
			num(j, "major", d->major, true);
			num(j, "minor", d->minor, true);
			cap_json_kv_str(j, "op", w ? "Write" : "Read");
			num(j, "value",
			    bytes ? (w ? d->wbytes : d->rbytes) : (w ? d->wios : d->rios), true);
			yajl_gen_map_close(j);
		}
	}
	yajl_gen_array_close(j);
}

static void gen_blkio_hugetlb(yajl_gen j, const struct cgroup_stats *s)
{
	cap_json_key(j, "blkio");
	yajl_gen_map_open(j);
	blkio_list(j, "ioServiceBytesRecursive", s, true);
	blkio_list(j, "ioServicedRecursive", s, false);
	psi(j, &s->io_psi);
	yajl_gen_map_close(j);
	/* types.Hugetlb.max is the peak usage, which v2 does not keep */
	cap_json_key(j, "hugetlb");
	yajl_gen_map_open(j);
	for (size_t i = 0; i < s->n_hugetlb; i++) {
		cap_json_key(j, s->hugetlb[i].page_size);
		yajl_gen_map_open(j);
		num(j, "usage", s->hugetlb[i].current, true);
		num(j, "failcnt", s->hugetlb[i].failcnt, false);
		yajl_gen_map_close(j);
	}
	yajl_gen_map_close(j);
}

struct out {
	const char *id;
};

static void print_event(const char *type, const char *id, const struct cgroup_stats *s)
{
	yajl_gen j = yajl_gen_alloc(NULL);
	if (!j)
		return;
	yajl_gen_map_open(j);
	cap_json_kv_str(j, "type", type);
	cap_json_kv_str(j, "id", id);
	if (s) {
		cap_json_key(j, "data");
		yajl_gen_map_open(j);
		gen_cpu(j, s);
		gen_cpuset(j);
		gen_memory(j, s);
		cap_json_key(j, "pids");
		yajl_gen_map_open(j);
		num(j, "current", s->pids.current, true);
		num(j, "limit", s->pids.max, true);
		yajl_gen_map_close(j);
		gen_blkio_hugetlb(j, s);
		cap_json_key(j, "intel_rdt");
		yajl_gen_map_open(j);
		yajl_gen_map_close(j);
		cap_json_key(j, "network_interfaces");
		yajl_gen_null(j);
		yajl_gen_map_close(j);
	}
	yajl_gen_map_close(j);
	char *txt = cap_json_finish(j);
	yajl_gen_free(j);
	if (txt) {
		printf("%s\n", txt);
		fflush(stdout);
	}
	free(txt);
}

static void on_stats(void *arg, const struct cgroup_stats *st)
{
	print_event("stats", ((struct out *)arg)->id, st);
}

static void on_oom(void *arg)
{
	print_event("oom", ((struct out *)arg)->id, NULL);
}

/* A Go time.Duration string ("5s", "500ms", "1m30s", "1.5s"), in ms. */
static int parse_duration(const char *s, unsigned *ms)
{
	static const struct {
		const char *unit;
		double ms;
	} units[] = {{"ns", 1e-6}, {"us", 1e-3}, {"µs", 1e-3},	{"ms", 1},
		     {"s", 1000},  {"m", 60000}, {"h", 3600000}};
	double total = 0;
	if (strcmp(s, "0") == 0 || !*s)
		return -1;
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		if (end == s || v < 0)
			return -1;
		s = end;
		size_t best = 0, bl = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].unit);
			if (strncmp(s, units[i].unit, l) == 0 && l > bl)
				best = i, bl = l;
		}
		if (!bl)
			return -1;
		total += v * units[best].ms;
		s += bl;
	}
	if (total < 1 || total > 86400000.0 * 24)
		return -1;
	*ms = (unsigned)total;
	return 0;
}

CMD(events)
{
	static const struct option opts[] = {
	    {"stats", no_argument, 0, 's'},
	    {"interval", required_argument, 0, 'i'},
	    {0, 0, 0, 0},
	};
	bool once = false;
	unsigned interval = 5000;
	int c;
	while ((c = getopt_long_only(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 's')
			once = true;
		else if (c == 'i' && parse_duration(optarg, &interval) == 0)
			continue;
		else if (c == 'i')
			return cmd_errorf(g,
					  "invalid --interval \"%s\": want a duration "
					  "greater than 0 like 5s or 500ms",
					  optarg);
		else
			return 1;
	}
	if (cmd_require_args(g, argv[0], argc - optind, 1) < 0)
		return 1;
	struct out o = {argv[optind]};
	struct container_events_ops ops = {on_stats, on_oom};
	struct cap_error *err = NULL;
	int rc = container_events(g->root, o.id, interval, once, &ops, &o, &err);
	return finish_cmd(g, rc, &err);
}
