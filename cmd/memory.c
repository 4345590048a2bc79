/* capsule memory status [ID...] [--format table|json]
 * capsule memory watch [--interval S] [--psi-target PCT] [--swappiness N] [--once] [--format json]
 *
 * Flags and output only; the numbers and the controller are memory/'s, the
 * containers of --root come from runtime's container_list. */
#include "memory.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../memory/memory.h"
#include "../runtime/container.h"
#include "../oci/spec.h"
#include "simple.h"

static char *state_dir_of(const struct global_opts *g, const char *id)
{
	char *p = NULL;
	return asprintf(&p, "%s/%s", g->root, id) < 0 ? NULL : p;
}

/* "12.3M"; "-" when unavailable, "max" for no limit. */
static const char *human(struct mem_val v, char *buf, size_t len)
{
	static const char units[] = "BKMGTP";
	if (!v.set)
		return "-";
	if (v.v == MEM_MAX)
		return "max";
	double d = (double)v.v;
	size_t u = 0;
	while (d >= 1024 && u < sizeof(units) - 2)
		d /= 1024, u++;
	snprintf(buf, len, u ? "%.1f%c" : "%.0f%c", d, units[u]);
	return buf;
}
#define H(v) human((v), (char[24]){0}, 24)
#define B(x) H(((struct mem_val){true, (x)}))

static void table_containers(const struct mem_container_status *c, size_t n)
{
	printf("%-16s %8s %8s %8s %8s %8s %8s %8s %8s %7s %5s %9s %9s\n", "ID", "CURRENT", "PEAK",
	       "MAX", "HIGH", "ANON", "FILE", "SWAP", "ZSWAP", "PSI10", "OOMK", "KSM-PAGES",
	       "RECLAIMED");
	for (size_t i = 0; i < n; i++) {
		char psi[16] = "-", ksm[24] = "-", oomk[24] = "-";
		if (c[i].psi.present)
			snprintf(psi, sizeof(psi), "%.2f", c[i].psi.some.avg10);
		if (c[i].has_ksm)
			snprintf(ksm, sizeof(ksm), "%" PRIu64, c[i].ksm_merging_pages);
		if (c[i].ev_oom_kill.set)
			snprintf(oomk, sizeof(oomk), "%" PRIu64, c[i].ev_oom_kill.v);
		printf("%-16s %8s %8s %8s %8s %8s %8s %8s %8s %7s %5s %9s %9s\n", c[i].id,
		       H(c[i].current), H(c[i].peak), H(c[i].max), H(c[i].high), H(c[i].anon),
		       H(c[i].file), H(c[i].swap_current), H(c[i].zswap_current), psi, oomk, ksm,
		       B(c[i].reclaimed));
		if (c[i].n_unavailable) {
			printf("  unavailable:");
			for (size_t u = 0; u < c[i].n_unavailable; u++)
				printf(" %s", c[i].unavailable[u]);
			printf("\n");
		}
	}
}

static void table_host(const struct mem_host_status *h)
{
	printf("\nHOST\n");
	printf("ram      total %s, free %s, available %s; swap %s, free %s\n", H(h->mem_total),
	       H(h->mem_free), H(h->mem_available), H(h->swap_total), H(h->swap_free));
	for (size_t i = 0; i < h->n_swaps; i++)
		printf("swap     %s (%s) size %s, used %s, priority %d\n", h->swaps[i].name,
		       h->swaps[i].type, B(h->swaps[i].size), B(h->swaps[i].used),
		       h->swaps[i].priority);
	for (size_t i = 0; i < h->n_zram; i++) {
		const struct mem_zram_dev *z = &h->zram[i];
		printf(
		    "%-8s %s, disksize %s, data %s compressed to %s, memory used %s, ratio %.2f\n",
		    z->name, z->algorithm ? z->algorithm : "-", B(z->disksize), B(z->orig),
		    B(z->compr), B(z->mem_used),
		    z->compr ? (double)z->orig / (double)z->compr : 0.0);
	}
	char pct[24];
	snprintf(pct, sizeof(pct), "%" PRIu64 "%%", h->zswap_max_pool_percent.v);
	if (h->has_zswap)
		printf("zswap    %s, compressor %s, zpool %s, max_pool_percent %s\n",
		       h->zswap_enabled ? "enabled" : "disabled",
		       h->zswap_compressor ? h->zswap_compressor : "-",
		       h->zswap_zpool ? h->zswap_zpool : "-",
		       h->zswap_max_pool_percent.set ? pct : "-");
	if (h->has_ksm)
		printf("ksm      run %" PRIu64 ", pages_shared %" PRIu64 ", pages_sharing %" PRIu64
		       ", general_profit %" PRId64 "\n",
		       h->ksm_run, h->ksm_pages_shared, h->ksm_pages_sharing,
		       h->ksm_general_profit);
	if (h->psi.present)
		printf("psi      some avg10 %.2f avg60 %.2f avg300 %.2f total %" PRIu64
		       "; full avg10 %.2f\n",
		       h->psi.some.avg10, h->psi.some.avg60, h->psi.some.avg300, h->psi.some.total,
		       h->psi.full.avg10);
	if (h->n_unavailable) {
		printf("unavailable:");
		for (size_t u = 0; u < h->n_unavailable; u++)
			printf(" %s", h->unavailable[u]);
		printf("\n");
	}
}

static bool wanted(const struct container_info *ci, char **ids, int n)
{
	if (n == 0)
		return true;
	for (int i = 0; i < n; i++)
		if (strcmp(ids[i], ci->id) == 0)
			return true;
	return false;
}

/* Every ID asked for must exist. */
static int check_ids(struct global_opts *g, const struct container_info *l, size_t n, char **ids,
		     int nids)
{
	for (int i = 0; i < nids; i++) {
		size_t k = 0;
		while (k < n && strcmp(l[k].id, ids[i]) != 0)
			k++;
		if (k == n)
			return cmd_errorf(g, "container \"%s\" does not exist", ids[i]);
	}
	return 0;
}

static int collect(struct global_opts *g, const struct container_info *l, size_t n, char **ids,
		   int nids, struct mem_container_status *out, size_t *nout)
{
	*nout = 0;
	for (size_t i = 0; i < n; i++) {
		if (!wanted(&l[i], ids, nids))
			continue;
		struct mem_opts o;
		struct cap_error *err = NULL;
		if (mem_opts_from_annotations(l[i].annotations, l[i].n_annotations, &o, &err) < 0) {
			cap_error_free(err);
			memset(&o, 0, sizeof(o));
		}
		char *sd = state_dir_of(g, l[i].id);
		int rc = mem_container_status(l[i].id, l[i].cgroup_path, sd, &o, &out[*nout], &err);
		free(sd);
		if (rc < 0)
			return finish_cmd(g, -1, &err);
		(*nout)++;
	}
	return 0;
}

static int status(struct global_opts *g, int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, 0, 'f'}, {0, 0, 0, 0}};
	bool json = false;
	int c;
	while ((c = getopt_long_only(argc, argv, "f:", opts, NULL)) != -1) {
		if (c == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "table") == 0))
			json = strcmp(optarg, "json") == 0;
		else if (c == 'f')
			return cmd_errorf(g, "invalid --format \"%s\" (want table or json)",
					  optarg);
		else
			return 1;
	}
	struct container_info *l;
	size_t n, nst = 0;
	struct cap_error *err = NULL;
	if (container_list(g->root, &l, &n, &err) < 0)
		return finish_cmd(g, -1, &err);
	struct mem_container_status *st = calloc(n + 1, sizeof(*st));
	struct mem_host_status h;
	int rc =
	    st ? check_ids(g, l, n, argv + optind, argc - optind) : cmd_errorf(g, "out of memory");
	if (rc == 0)
		rc = collect(g, l, n, argv + optind, argc - optind, st, &nst);
	if (rc == 0 && mem_host_status("", &h, &err) < 0)
		rc = finish_cmd(g, -1, &err);
	if (rc == 0 && json) {
		char *out = mem_status_json(st, nst, &h);
		printf("%s\n", out ? out : "{}");
		free(out);
	} else if (rc == 0) {
		table_containers(st, nst);
		table_host(&h);
	}
	if (rc == 0)
		mem_host_status_free(&h);
	free(st);
	container_list_free(l, n);
	return rc;
}

/* ---- watch ---- */

struct watch_ctx {
	struct global_opts *g;
	struct container_info *l; /* backs the targets' strings */
	size_t n;
};

static int list_targets(void *arg, struct mem_target **t, size_t *n, struct cap_error **err)
{
	struct watch_ctx *w = arg;
	*t = NULL;
	*n = 0;
	if (container_list(w->g->root, &w->l, &w->n, err) < 0)
		return -1;
	if (!(*t = calloc(w->n + 1, sizeof(**t))))
		return cap_fail(err, ENOMEM, "memory watch");
	for (size_t i = 0; i < w->n; i++) {
		struct mem_target *x = &(*t)[*n];
		struct cap_error *e = NULL;
		if (strcmp(w->l[i].status, "stopped") == 0 ||
		    mem_opts_from_annotations(w->l[i].annotations, w->l[i].n_annotations, &x->opts,
					      &e) < 0) {
			cap_error_free(e);
			continue;
		}
		x->id = w->l[i].id;
		x->cgroup_path = w->l[i].cgroup_path;
		x->state_dir = state_dir_of(w->g, w->l[i].id);
		(*n)++;
	}
	return 0;
}

static void free_targets(void *arg, struct mem_target *t, size_t n)
{
	struct watch_ctx *w = arg;
	for (size_t i = 0; i < n; i++)
		free((char *)t[i].state_dir);
	free(t);
	container_list_free(w->l, w->n);
	w->l = NULL;
	w->n = 0;
}

static void print_event(void *arg, const char *line)
{
	printf("%s\n", line);
	fflush(stdout);
}

static int parse_number(const char *s, double lo, double hi, double *out)
{
	char *end;
	double d = strtod(s, &end);
	if (!*s || *end || !isfinite(d) || d <= lo || d > hi)
		return -1;
	*out = d;
	return 0;
}

static int watch(struct global_opts *g, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"interval", required_argument, 0, 'i'}, {"psi-target", required_argument, 0, 'p'},
	    {"once", no_argument, 0, 'o'},	     {"swappiness", required_argument, 0, 's'},
	    {"format", required_argument, 0, 'f'},   {0, 0, 0, 0}};
	struct watch_ctx ctx = {g, NULL, 0};
	struct mem_watch_opts o = {.interval_ms = 1000,
				   .psi_target = MEM_DEFAULT_PSI_TARGET,
				   .swappiness = -1,
				   .root = g->root,
				   .list = list_targets,
				   .list_free = free_targets,
				   .event = print_event,
				   .debug = cmd_debug_callback(g),
				   .arg = &ctx};
	double d;
	int c;
	while ((c = getopt_long_only(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'i' && parse_number(optarg, 0.05, 3600, &d) == 0)
			o.interval_ms = (unsigned)(d * 1000);
		else if (c == 'i')
			return cmd_errorf(
			    g, "invalid --interval \"%.200s\" (want seconds, 0.1 to 3600)", optarg);
		else if (c == 'p' && parse_number(optarg, 0, 100, &o.psi_target) < 0)
			return cmd_errorf(
			    g,
			    "invalid --psi-target \"%.200s\" (want a percentage above "
			    "0 and at most 100)",
			    optarg);
		else if (c == 'o')
			o.once = true;
		else if (c == 's' && parse_number(optarg, -1, 200, &d) == 0 && d == (int)d)
			o.swappiness = (int)d;
		else if (c == 's')
			return cmd_errorf(
			    g, "invalid --swappiness \"%.200s\" (want an integer, 0 to 200)",
			    optarg);
		else if (c == 'f' && strcmp(optarg, "json") != 0)
			return cmd_errorf(
			    g, "invalid --format \"%.200s\" (watch prints JSON lines)", optarg);
		else if (c == '?')
			return 1;
	}
	if (optind < argc)
		return cmd_errorf(g, "memory watch: unexpected argument \"%.200s\"", argv[optind]);
	struct cap_error *err = NULL;
	return finish_cmd(g, mem_watch(&o, &err), &err);
}

int cmd_memory(struct global_opts *g, int argc, char **argv)
{
	if (argc < 2)
		return cmd_errorf(g, "memory: want a subcommand: status or watch");
	if (strcmp(argv[1], "status") == 0)
		return status(g, argc - 1, argv + 1);
	if (strcmp(argv[1], "watch") == 0)
		return watch(g, argc - 1, argv + 1);
	return cmd_errorf(g, "memory: unknown subcommand \"%.200s\" (want status or watch)",
			  argv[1]);
}
