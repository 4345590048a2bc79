/* One container's memory numbers, from its cgroup, its processes'
 * /proc/<pid>/ksm_stat and the counter `watch` keeps in its state dir.  A group
 * whose files are missing (no memory controller in a hybrid host's cgroup2, no
 * swap accounting, an older kernel) is left unset and named in unavailable. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cgroups/cgroups.h"
#include "../lib/cleanup.h"

#define UNAVAILABLE(st, what) mem_unavailable((st)->unavailable, &(st)->n_unavailable, what)

static void read_limits(int dfd, struct mem_container_status *st)
{
	if (!mem_read_val(dfd, "memory.current", &st->current)) {
		UNAVAILABLE(st, "memory");
		return;
	}
	mem_read_val(dfd, "memory.peak", &st->peak);
	mem_read_val(dfd, "memory.max", &st->max);
	mem_read_val(dfd, "memory.high", &st->high);
	mem_read_val(dfd, "memory.low", &st->low);
	mem_read_val(dfd, "memory.min", &st->min);
	cleanup_free char *stat = mem_read_at(dfd, "memory.stat");
	if (!stat) {
		UNAVAILABLE(st, "memory.stat");
		return;
	}
	st->anon.set = mem_parse_keyed(stat, "anon", &st->anon.v);
	st->file.set = mem_parse_keyed(stat, "file", &st->file.v);
	st->shmem.set = mem_parse_keyed(stat, "shmem", &st->shmem.v);
}

static void read_swap(int dfd, struct mem_container_status *st)
{
	if (!mem_read_val(dfd, "memory.swap.current", &st->swap_current))
		UNAVAILABLE(st, "swap");
	else
		mem_read_val(dfd, "memory.swap.max", &st->swap_max);
	if (!mem_read_val(dfd, "memory.zswap.current", &st->zswap_current))
		UNAVAILABLE(st, "zswap");
	else
		mem_read_val(dfd, "memory.zswap.max", &st->zswap_max);
}

static void read_events(int dfd, struct mem_container_status *st)
{
	cleanup_free char *ev = mem_read_at(dfd, "memory.events");
	if (!ev) {
		UNAVAILABLE(st, "events");
		return;
	}
	st->ev_low.set = mem_parse_keyed(ev, "low", &st->ev_low.v);
	st->ev_high.set = mem_parse_keyed(ev, "high", &st->ev_high.v);
	st->ev_max.set = mem_parse_keyed(ev, "max", &st->ev_max.v);
	st->ev_oom.set = mem_parse_keyed(ev, "oom", &st->ev_oom.v);
	st->ev_oom_kill.set = mem_parse_keyed(ev, "oom_kill", &st->ev_oom_kill.v);
}

static void read_psi(int dfd, struct mem_container_status *st)
{
	cleanup_free char *t = mem_read_at(dfd, "memory.pressure");
	if (mem_parse_psi(t, &st->psi) < 0)
		UNAVAILABLE(st, "psi");
}

/* Sum of ksm_stat over the cgroup's processes; a process that exits
 * meanwhile simply drops out. */
static void read_ksm(const char *cgroup_path, struct mem_container_status *st)
{
	if (access("/proc/self/ksm_stat", R_OK) < 0) {
		UNAVAILABLE(st, "ksm");
		return;
	}
	st->has_ksm = true;
	struct cgroup *cg = NULL;
	pid_t *pids = NULL;
	size_t n = 0;
	struct cap_error *e = NULL;
	if (cgroup_open(cgroup_path, &cg, &e) < 0 || cgroup_pids(cg, &pids, &n, &e) < 0) {
		cap_error_free(e);
		cgroup_free(cg);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char p[64];
		snprintf(p, sizeof(p), "/proc/%d/ksm_stat", pids[i]);
		cleanup_free char *t = mem_read_at(AT_FDCWD, p);
		uint64_t pages = 0;
		int64_t profit = 0;
		if (t && mem_parse_keyed(t, "ksm_merging_pages", &pages))
			st->ksm_merging_pages += pages;
		if (t && mem_parse_keyed_i64(t, "ksm_process_profit", &profit))
			st->ksm_profit += profit;
	}
	free(pids);
	cgroup_free(cg);
}

static void read_reclaimed(const char *state_dir, struct mem_container_status *st)
{
	if (!state_dir)
		return;
	char p[4096];
	snprintf(p, sizeof(p), "%s/%s", state_dir, MEM_RECLAIMED_FILE);
	cleanup_free char *t = mem_read_at(AT_FDCWD, p);
	uint64_t v;
	if (t && mem_parse_u64_or_max(t, &v) == 0 && v != MEM_MAX)
		st->reclaimed = v;
}

int mem_container_status(const char *id, const char *cgroup_path, const char *state_dir,
			 const struct mem_opts *opts, struct mem_container_status *st,
			 struct cap_error **err)
{
	memset(st, 0, sizeof(*st));
	st->id = id;
	if (opts)
		st->opts = *opts;
	read_reclaimed(state_dir, st);
	cleanup_close int dfd =
	    cgroup_path ? open(cgroup_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (dfd < 0) {
		static const char *const all[] = {"cgroup", "memory", "swap", "zswap",
						  "events", "psi",    "ksm"};
		for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			UNAVAILABLE(st, all[i]);
		return 0;
	}
	read_limits(dfd, st);
	read_swap(dfd, st);
	read_events(dfd, st);
	read_psi(dfd, st);
	read_ksm(cgroup_path, st);
	return 0;
}
