/* Statistics for `events --stats` and OOM counting.  Files that are absent
 * (controller not enabled, hybrid host, old kernel) leave their group
 * unset rather than failing: stats are best effort, the cgroup itself must
 * exist. */
#include "../cgroups/cgroups.h"
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cleanup.h"

/* Read file, or NULL when it is not there. */
static char *slurp(struct cgroup *cg, const char *file)
{
	char *t = NULL;
	struct cap_error *e = NULL;
	if (cg_read(cg, file, &t, &e) < 0) {
		cap_error_free(e);
		return NULL;
	}
	return t;
}

static bool read_u64(struct cgroup *cg, const char *file, uint64_t *out)
{
	cleanup_free char *t = slurp(cg, file);
	if (!t)
		return false;
	*out = strncmp(t, "max", 3) == 0 ? UINT64_MAX : strtoull(t, NULL, 10);
	return true;
}

static void psi_line(const char *l, struct cgroup_psi_line *o)
{
	const char *p;
	if ((p = strstr(l, "avg10=")))
		o->avg10 = strtod(p + 6, NULL);
	if ((p = strstr(l, "avg60=")))
		o->avg60 = strtod(p + 6, NULL);
	if ((p = strstr(l, "avg300=")))
		o->avg300 = strtod(p + 7, NULL);
	if ((p = strstr(l, "total=")))
		o->total = strtoull(p + 6, NULL, 10);
}

static void read_psi(struct cgroup *cg, const char *file, struct cgroup_psi *o)
{
	cleanup_free char *t = slurp(cg, file);
	if (!t)
		return;
	o->present = true;
	for (char *l = t; l && *l;) {
		char *nl = strchr(l, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(l, "some ", 5) == 0)
			psi_line(l, &o->some);
		else if (strncmp(l, "full ", 5) == 0) {
			o->has_full = true;
			psi_line(l, &o->full);
		}
		l = nl ? nl + 1 : NULL;
	}
}

static void read_cpu(struct cgroup *cg, struct cgroup_stats *st)
{
	cleanup_free char *t = slurp(cg, "cpu.stat");
	if (!t)
		return;
	st->cpu.present = true;
	cg_keyed_u64(t, "usage_usec", &st->cpu.usage_usec);
	cg_keyed_u64(t, "user_usec", &st->cpu.user_usec);
	cg_keyed_u64(t, "system_usec", &st->cpu.system_usec);
	cg_keyed_u64(t, "nr_periods", &st->cpu.nr_periods);
	cg_keyed_u64(t, "nr_throttled", &st->cpu.nr_throttled);
	cg_keyed_u64(t, "throttled_usec", &st->cpu.throttled_usec);
}

static int read_memory_stat(struct cgroup *cg, struct cgroup_stats *st, struct cap_error **err)
{
	cleanup_free char *t = slurp(cg, "memory.stat");
	if (!t)
		return 0;
	size_t cap = 1;
	for (char *p = t; *p; p++)
		cap += *p == '\n';
	st->memory.stat = calloc(cap, sizeof(*st->memory.stat));
	if (!st->memory.stat)
		return cap_fail(err, ENOMEM, "memory.stat");
	char *save = NULL;
	for (char *l = strtok_r(t, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(l, ' ');
		if (!sp || st->memory.n_stat >= cap)
			continue;
		*sp = '\0';
		struct cgroup_kv_u64 *kv = &st->memory.stat[st->memory.n_stat];
		if (!(kv->key = strdup(l)))
			return cap_fail(err, ENOMEM, "memory.stat");
		kv->value = strtoull(sp + 1, NULL, 10);
		st->memory.n_stat++;
	}
	return 0;
}

static int read_memory(struct cgroup *cg, struct cgroup_stats *st, struct cap_error **err)
{
	if (!read_u64(cg, "memory.current", &st->memory.current))
		return 0;
	st->memory.present = true;
	read_u64(cg, "memory.max", &st->memory.max);
	read_u64(cg, "memory.peak", &st->memory.peak);
	st->memory.has_swap = read_u64(cg, "memory.swap.current", &st->memory.swap_current);
	read_u64(cg, "memory.swap.max", &st->memory.swap_max);
	cleanup_free char *ev = slurp(cg, "memory.events");
	if (ev) {
		cg_keyed_u64(ev, "low", &st->memory.low);
		cg_keyed_u64(ev, "high", &st->memory.high);
		cg_keyed_u64(ev, "max", &st->memory.max_events);
		cg_keyed_u64(ev, "oom", &st->memory.oom);
		cg_keyed_u64(ev, "oom_kill", &st->memory.oom_kill);
	}
	return read_memory_stat(cg, st, err);
}

static uint64_t field(const char *line, const char *key)
{
	char k[24];
	snprintf(k, sizeof(k), " %s=", key);
	const char *p = strstr(line, k);
	return p ? strtoull(p + strlen(k), NULL, 10) : 0;
}

static int read_io(struct cgroup *cg, struct cgroup_stats *st, struct cap_error **err)
{
	cleanup_free char *t = slurp(cg, "io.stat");
	if (!t)
		return 0;
	size_t cap = 1;
	for (char *p = t; *p; p++)
		cap += *p == '\n';
	if (!(st->io = calloc(cap, sizeof(*st->io))))
		return cap_fail(err, ENOMEM, "io.stat");
	char *save = NULL;
	for (char *l = strtok_r(t, "\n", &save); l && st->n_io < cap;
	     l = strtok_r(NULL, "\n", &save)) {
		struct cgroup_io_dev *d = &st->io[st->n_io];
		if (sscanf(l, "%u:%u", &d->major, &d->minor) != 2)
			continue;
		d->rbytes = field(l, "rbytes");
		d->wbytes = field(l, "wbytes");
		d->rios = field(l, "rios");
		d->wios = field(l, "wios");
		d->dbytes = field(l, "dbytes");
		d->dios = field(l, "dios");
		st->n_io++;
	}
	return 0;
}

static int add_hugetlb(struct cgroup *cg, struct cgroup_stats *st, const char *name, size_t *cap,
		       struct cap_error **err)
{
	/* name: "hugetlb.<size>.current" */
	const char *size = name + strlen("hugetlb.");
	size_t sl = strlen(size) - strlen(".current");
	if (st->n_hugetlb == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		struct cgroup_hugetlb *v = realloc(st->hugetlb, nc * sizeof(*v));
		if (!v)
			return cap_fail(err, ENOMEM, "hugetlb stats");
		st->hugetlb = v;
		*cap = nc;
	}
	struct cgroup_hugetlb *h = &st->hugetlb[st->n_hugetlb];
	memset(h, 0, sizeof(*h));
	if (!(h->page_size = strndup(size, sl)))
		return cap_fail(err, ENOMEM, "hugetlb stats");
	st->n_hugetlb++;
	char f[96];
	read_u64(cg, name, &h->current);
	snprintf(f, sizeof(f), "hugetlb.%s.max", h->page_size);
	read_u64(cg, f, &h->max);
	snprintf(f, sizeof(f), "hugetlb.%s.events", h->page_size);
	cleanup_free char *ev = slurp(cg, f);
	if (ev)
		cg_keyed_u64(ev, "max", &h->failcnt);
	return 0;
}

static int read_hugetlb(struct cgroup *cg, struct cgroup_stats *st, struct cap_error **err)
{
	cleanup_dir DIR *d = opendir(cg->path);
	if (!d)
		return cap_fail(err, errno, "opendir %s", cg->path);
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (strncmp(de->d_name, "hugetlb.", 8) != 0 || l < 17 ||
		    strcmp(de->d_name + l - 8, ".current") != 0 || strstr(de->d_name, ".rsvd."))
			continue;
		if (add_hugetlb(cg, st, de->d_name, &cap, err) < 0)
			return -1;
	}
	return 0;
}

int cgroup_stats(struct cgroup *cg, struct cgroup_stats *st, struct cap_error **err)
{
	memset(st, 0, sizeof(*st));
	read_cpu(cg, st);
	if (read_u64(cg, "pids.current", &st->pids.current)) {
		st->pids.present = true;
		read_u64(cg, "pids.max", &st->pids.max);
	}
	read_psi(cg, "cpu.pressure", &st->cpu_psi);
	read_psi(cg, "memory.pressure", &st->memory_psi);
	read_psi(cg, "io.pressure", &st->io_psi);
	if (read_memory(cg, st, err) < 0 || read_io(cg, st, err) < 0 ||
	    read_hugetlb(cg, st, err) < 0) {
		cgroup_stats_free(st);
		return -1;
	}
	return 0;
}

void cgroup_stats_free(struct cgroup_stats *st)
{
	for (size_t i = 0; i < st->memory.n_stat; i++)
		free(st->memory.stat[i].key);
	free(st->memory.stat);
	free(st->io);
	for (size_t i = 0; i < st->n_hugetlb; i++)
		free(st->hugetlb[i].page_size);
	free(st->hugetlb);
	memset(st, 0, sizeof(*st));
}

int cgroup_oom_events(struct cgroup *cg, uint64_t *oom_kill, struct cap_error **err)
{
	*oom_kill = 0;
	cleanup_free char *t = NULL;
	struct cap_error *e = NULL;
	if (cg_read(cg, "memory.events", &t, &e) < 0) {
		if (e->errnum == ENOENT) {
			cap_error_free(e);
			return 0;
		}
		return cg_pass_error(err, e);
	}
	cg_keyed_u64(t, "oom_kill", oom_kill);
	return 0;
}
