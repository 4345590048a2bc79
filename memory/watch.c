/* `memory watch`: the reclaim controller over the opted-in containers of a
 * state root.
 *
 * Every interval: list the containers (new ones are picked up, vanished ones
 * dropped with one debug line), then per container measure the memory
 * pressure over the interval (delta of memory.pressure's "some total", which
 * reacts faster than avg10) and take one step of mem_reclaim_step().  Between
 * rounds it sleeps in poll() on a PSI trigger per container ("some <target>
 * of 1s"), so rising pressure is seen at once and the next step backs off;
 * without triggers it falls back to the plain timer.  Before a probe it
 * measures the container's idle memory (idle.c), which bounds the probe.
 * SIGINT/SIGTERM end it. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../lib/cleanup.h"

#define PSI_WINDOW_US 1000000

/* Read every round, through fds kept open: an open+close costs more than the
 * read under TCG (0.11-0.34 ms against 0.01-0.13 ms per file). */
enum { F_CURRENT, F_PRESSURE, F_STAT, F_EVENTS, F_LOW, F_MIN, NFILES };
static const char *const files[NFILES] = {"memory.current", "memory.pressure", "memory.stat",
					  "memory.events",  "memory.low",      "memory.min"};

struct watched {
	char *id, *cgroup_path, *state_dir;
	struct mem_opts opts;
	int dfd;       /* cgroup directory */
	int trig;      /* memory.pressure with a trigger, or -1 */
	int f[NFILES]; /* the files each round reads, kept open (or -1) */
	bool seen, triggered, has_sample, has_events;
	struct mem_ctl ctl;
	uint64_t last_total; /* PSI some total at the last round, us */
	uint64_t last_ns;
	uint64_t oom, oom_kill;
	uint64_t last_refault; /* pages, workingset_refault_anon + _file */
	uint64_t reclaimed;    /* the persisted counter */
	bool ksm_wait;	       /* KSM opted in: ksmd has not scanned it enough yet */
	unsigned skipped;      /* rounds not sampled while settled */
	uint64_t ksm_from;     /* ksm full_scans when first seen (UINT64_MAX: not yet) */
};

struct watch {
	const struct mem_watch_opts *o;
	struct watched *w;
	size_t n;
	int swappiness; /* -1: the kernel's own balance */
	uint64_t root_mtime, changed_ns, listed_ns;
	bool ksm_on;	    /* ksmd running */
	uint64_t ksm_scans; /* its full_scans */
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void debugf(const struct watch *wa, const char *fmt, const char *a, const char *b)
{
	if (!wa->o->debug)
		return;
	char msg[512];
	snprintf(msg, sizeof(msg), fmt, a, b);
	wa->o->debug(msg);
}

static void emit(const struct watch *wa, const struct mem_jfield *f, size_t n)
{
	char *line = mem_json_object(f, n);
	if (line)
		wa->o->event(wa->o->arg, line);
	free(line);
}

static double target_of(const struct watch *wa, const struct watched *w)
{
	return w->opts.has_psi_target ? w->opts.psi_target : wa->o->psi_target;
}

static void drop(struct watched *w)
{
	if (w->dfd >= 0)
		close(w->dfd);
	if (w->trig >= 0)
		close(w->trig);
	for (int i = 0; i < NFILES; i++)
		if (w->f[i] >= 0)
			close(w->f[i]);
	free(w->id);
	free(w->cgroup_path);
	free(w->state_dir);
}

/* A trigger fires when "some" stall time passes the target within 1 s. */
static int open_trigger(int dfd, double target)
{
	int fd = openat(dfd, "memory.pressure", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	unsigned long thr = (unsigned long)(target / 100.0 * PSI_WINDOW_US);
	if (thr < 1000)
		thr = 1000;
	char t[64];
	int n = snprintf(t, sizeof(t), "some %lu %d", thr, PSI_WINDOW_US);
	if (write(fd, t, (size_t)n + 1) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static uint64_t read_counter(const char *state_dir)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s/%s", state_dir, MEM_RECLAIMED_FILE);
	cleanup_free char *t = mem_read_at(AT_FDCWD, p);
	uint64_t v = 0;
	return t && mem_parse_u64_or_max(t, &v) == 0 && v != MEM_MAX ? v : 0;
}

static int add(struct watch *wa, const struct mem_target *t)
{
	int dfd = open(t->cgroup_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		debugf(wa, "memory watch: %s: cgroup %s not there, skipped", t->id, t->cgroup_path);
		return 0;
	}
	struct watched *v = realloc(wa->w, (wa->n + 1) * sizeof(*v));
	if (!v) {
		close(dfd);
		return -1;
	}
	wa->w = v;
	struct watched *w = &wa->w[wa->n];
	memset(w, 0, sizeof(*w));
	w->dfd = dfd;
	for (int i = 0; i < NFILES; i++)
		w->f[i] = openat(dfd, files[i], O_RDONLY | O_CLOEXEC);
	w->opts = t->opts;
	w->id = strdup(t->id);
	w->cgroup_path = strdup(t->cgroup_path);
	w->state_dir = strdup(t->state_dir ? t->state_dir : "");
	w->seen = true;
	if (!w->id || !w->cgroup_path || !w->state_dir) {
		w->trig = -1;
		drop(w);
		return -1;
	}
	w->reclaimed = read_counter(w->state_dir);
	w->ksm_wait = w->opts.ksm;
	w->ksm_from = UINT64_MAX;
	w->trig = open_trigger(dfd, target_of(wa, w));
	/* --once has no window to measure over: its one step is ungated.  The
	 * first step clears the bits (idle_clear), or ungates where it cannot. */
	if (!wa->o->once)
		mem_ctl_gate(&w->ctl);
	wa->n++;
	debugf(wa, "memory watch: %s: watching %s", w->id, w->cgroup_path);
	if (w->trig < 0)
		debugf(wa, "memory watch: %s: %s: no PSI trigger, polling", w->id,
		       "memory.pressure");
	return 0;
}

static struct watched *find(struct watch *wa, const struct mem_target *t)
{
	for (size_t i = 0; i < wa->n; i++)
		if (strcmp(wa->w[i].id, t->id) == 0 &&
		    strcmp(wa->w[i].cgroup_path, t->cgroup_path) == 0)
			return &wa->w[i];
	return NULL;
}

static void remove_at(struct watch *wa, size_t i, const char *why)
{
	debugf(wa, "memory watch: %s: %s, dropped", wa->w[i].id, why);
	drop(&wa->w[i]);
	wa->w[i] = wa->w[--wa->n];
}

/* Listing the containers reads and parses every state file: in the TCG VM,
 * 8 idle containers at one round a second, the watch took 31% of a CPU
 * listing them every round, 2.8% without.  So list when the root's entries
 * changed (its mtime) and for LIST_SETTLE_NS after (a new container's state
 * completes a moment after its directory appears), and every LIST_EVERY_NS
 * anyway (a missed change; a container that stops loses its cgroup, which
 * the round sees at once). */
#define LIST_SETTLE_NS (5 * 1000000000ull)
#define LIST_EVERY_NS  (60 * 1000000000ull)

static bool list_due(struct watch *wa, uint64_t now)
{
	struct stat st;
	if (!wa->o->root || stat(wa->o->root, &st) < 0)
		return true;
	uint64_t m = (uint64_t)st.st_mtim.tv_sec * 1000000000ull + (uint64_t)st.st_mtim.tv_nsec;
	if (m != wa->root_mtime || !wa->listed_ns) {
		wa->root_mtime = m;
		wa->changed_ns = now;
	}
	return now - wa->changed_ns < LIST_SETTLE_NS || now - wa->listed_ns >= LIST_EVERY_NS;
}

/* Bring the watched set in line with the containers of --root now. */
static int refresh(struct watch *wa, struct cap_error **err)
{
	struct mem_target *t = NULL;
	size_t n = 0;
	uint64_t now = now_ns();
	if (!list_due(wa, now))
		return 0;
	wa->listed_ns = now;
	if (wa->o->list(wa->o->arg, &t, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < wa->n; i++)
		wa->w[i].seen = false;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (!t[i].opts.reclaim_auto || !t[i].cgroup_path)
			continue;
		struct watched *w = find(wa, &t[i]);
		if (w)
			w->seen = true;
		else if (add(wa, &t[i]) < 0)
			rc = cap_fail(err, ENOMEM, "memory watch");
	}
	wa->o->list_free(wa->o->arg, t, n);
	for (size_t i = wa->n; i-- > 0;)
		if (!wa->w[i].seen)
			remove_at(wa, i, "container gone");
	return rc;
}

struct sample {
	uint64_t current, floor, ns, refault;
	struct mem_psi psi;
};

/* -1: the cgroup is gone (or no longer has a memory controller). */
static bool reread_val(const struct watched *w, int f, struct mem_val *out)
{
	cleanup_free char *t = mem_reread(w->f[f]);
	out->set = t && mem_parse_u64_or_max(t, &out->v) == 0;
	return out->set;
}

static int sample(struct watched *w, struct sample *s)
{
	struct mem_val cur, low, min;
	cleanup_free char *p = mem_reread(w->f[F_PRESSURE]);
	if (!reread_val(w, F_CURRENT, &cur) || mem_parse_psi(p, &s->psi) < 0)
		return -1;
	cleanup_free char *stat = mem_reread(w->f[F_STAT]);
	uint64_t ra = 0, rf = 0;
	mem_parse_keyed(stat, "workingset_refault_anon", &ra);
	mem_parse_keyed(stat, "workingset_refault_file", &rf);
	s->refault = ra + rf;
	reread_val(w, F_LOW, &low);
	reread_val(w, F_MIN, &min);
	s->current = cur.v;
	s->floor = 0;
	/* Never below what the container was promised. */
	if (low.set && low.v != MEM_MAX && low.v > s->floor)
		s->floor = low.v;
	if (min.set && min.v != MEM_MAX && min.v > s->floor)
		s->floor = min.v;
	if ((low.set && low.v == MEM_MAX) || (min.set && min.v == MEM_MAX))
		s->floor = s->current;
	s->ns = now_ns();
	return 0;
}

/* Pressure in percent over the last interval (avg10 for the first sample);
 * *refault: bytes that came back meanwhile. */
static double pressure(struct watched *w, const struct sample *s, uint64_t *refault)
{
	double p = s->psi.some.avg10;
	*refault = w->has_sample && s->refault > w->last_refault
		       ? (s->refault - w->last_refault) * (uint64_t)sysconf(_SC_PAGESIZE)
		       : 0;
	w->last_refault = s->refault;
	if (w->has_sample && s->ns > w->last_ns && s->psi.some.total >= w->last_total)
		p = (double)(s->psi.some.total - w->last_total) * 1000.0 * 100.0 /
		    (double)(s->ns - w->last_ns);
	w->last_total = s->psi.some.total;
	w->last_ns = s->ns;
	w->has_sample = true;
	return p;
}

static void report_oom(const struct watch *wa, struct watched *w)
{
	cleanup_free char *ev = mem_reread(w->f[F_EVENTS]);
	uint64_t oom = 0, kill = 0;
	if (!ev)
		return;
	mem_parse_keyed(ev, "oom", &oom);
	mem_parse_keyed(ev, "oom_kill", &kill);
	if (w->has_events && (oom > w->oom || kill > w->oom_kill)) {
		struct mem_jfield f[] = {
		    {"type", MEM_J_STR, 0, 0, "oom"},
		    {"id", MEM_J_STR, 0, 0, w->id},
		    {"oom", MEM_J_U64, oom - w->oom, 0, NULL},
		    {"oom_kill", MEM_J_U64, kill > w->oom_kill ? kill - w->oom_kill : 0, 0, NULL},
		};
		emit(wa, f, sizeof(f) / sizeof(f[0]));
	}
	w->oom = oom, w->oom_kill = kill, w->has_events = true;
}

/* Persist the counter for `memory status`; skipped (and retried next time)
 * while another command holds the state dir, which may be deleting it. */
static void save_counter(const struct watched *w)
{
	cleanup_close int dfd = open(w->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || flock(dfd, LOCK_EX | LOCK_NB) < 0)
		return;
	char b[32];
	int n = snprintf(b, sizeof(b), "%llu\n", (unsigned long long)w->reclaimed);
	cleanup_close int fd =
	    openat(dfd, MEM_RECLAIMED_FILE ".tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, b, (size_t)n) == n)
		renameat(dfd, MEM_RECLAIMED_FILE ".tmp", dfd, MEM_RECLAIMED_FILE);
	else
		unlinkat(dfd, MEM_RECLAIMED_FILE ".tmp", 0);
}

static void report_backoff(const struct watch *wa, const struct watched *w, double p,
			   enum mem_ctl_why why, uint64_t refault, uint64_t current)
{
	struct mem_jfield f[] = {
	    {"type", MEM_J_STR, 0, 0, why == MEM_WHY_PSI ? "backoff" : "settled"},
	    {"id", MEM_J_STR, 0, 0, w->id},
	    {"reason", MEM_J_STR, 0, 0, mem_ctl_why_name(why)},
	    {"refault", MEM_J_U64, refault, 0, NULL},
	    {"current", MEM_J_U64, current, 0, NULL},
	    {"psi", MEM_J_DBL, 0, p, NULL},
	    {"psi_target", MEM_J_DBL, 0, target_of(wa, w), NULL},
	    {"hold_s", MEM_J_DBL, 0, why == MEM_WHY_PSI ? MEM_PSI_HOLD_S : w->ctl.hold_ns / 1e9,
	     NULL},
	};
	emit(wa, f, sizeof(f) / sizeof(f[0]));
}

/* Write memory.reclaim: 1 when the kernel reclaimed less than asked, -1 on an
 * error.  A kernel without swappiness= (before 6.9) gets the plain form from
 * then on. */
static int reclaim(struct watch *wa, struct watched *w, uint64_t ask, struct cap_error **err)
{
	int r = mem_reclaim_write(w->dfd, ask, wa->swappiness, err);
	if (r < 0 && wa->swappiness >= 0 && (*err)->errnum == EINVAL) {
		cap_error_free(*err);
		*err = NULL;
		debugf(wa, "memory watch: %s: %s",
		       "memory.reclaim has no swappiness= here, ignored", "");
		wa->swappiness = -1;
		r = mem_reclaim_write(w->dfd, ask, -1, err);
	}
	return r;
}

/* KSM first: pages swapped out cannot be merged, and zram would then hold a
 * compressed copy per container of what ksmd would have kept once (in the
 * benchmark, both controls saved less than KSM alone).  So a KSM opted-in
 * container is not reclaimed before ksmd completed MEM_KSM_SCANS full scans
 * after the watch first saw it (while ksmd runs at all). */
static bool ksm_pending(const struct watch *wa, struct watched *w)
{
	if (!w->ksm_wait)
		return false;
	if (w->ksm_from == UINT64_MAX && wa->ksm_on) {
		w->ksm_from = wa->ksm_scans;
		struct mem_jfield f[] = {
		    {"type", MEM_J_STR, 0, 0, "wait"},
		    {"id", MEM_J_STR, 0, 0, w->id},
		    {"reason", MEM_J_STR, 0, 0, "ksm"},
		    {"full_scans", MEM_J_U64, MEM_KSM_SCANS, 0, NULL},
		};
		emit(wa, f, sizeof(f) / sizeof(f[0]));
	}
	if (wa->ksm_on && wa->ksm_scans < w->ksm_from + MEM_KSM_SCANS)
		return true;
	w->ksm_wait = false;
	/* The idle window starts again now: in the benchmark a window while
	 * ksmd merged found nothing idle in 7 of 8 containers (8.5 MiB each
	 * after the hold), as if the pages just merged looked referenced. */
	if (w->ctl.phase == MEM_CTL_IDLE)
		w->ctl.idle_from_ns = 0;
	return false;
}

static void ungate(const struct watch *wa, struct watched *w, const char *why)
{
	debugf(wa, "memory watch: %s: %s, probes ungated", w->id, why);
	mem_ctl_ungate(&w->ctl);
}

/* A wait starts: clear the accessed bits, its idle window starts now. */
static void idle_clear(const struct watch *wa, struct watched *w)
{
	struct mem_ctl *c = &w->ctl;
	if (!c->gated || c->phase == MEM_CTL_PROBE || c->idle_from_ns)
		return;
	if (mem_idle_clear(w->dfd) < 0)
		ungate(wa, w, "accessed bits not clearable (/proc/PID/clear_refs)");
	else
		c->idle_from_ns = now_ns();
}

/* The window is over: what stayed idle is the next probe's budget. */
static void idle_measure(const struct watch *wa, struct watched *w, uint64_t current)
{
	uint64_t window = (uint64_t)MEM_IDLE_WINDOW_ROUNDS * wa->o->interval_ms * 1000000ull;
	uint64_t now = now_ns(), idle = 0;
	if (!mem_ctl_idle_due(&w->ctl, window, now))
		return;
	if (mem_idle_bytes(w->dfd, &idle) < 0) {
		ungate(wa, w, "smaps_rollup unreadable");
		return;
	}
	/* Page cache nobody maps has no accessed bits to read; the kernel's LRU
	 * knows it (a read marks it) and the refault guard covers the rest. */
	cleanup_free char *stat = mem_reread(w->f[F_STAT]);
	uint64_t cache = mem_parse_unmapped_file(stat);
	struct mem_jfield f[] = {
	    {"type", MEM_J_STR, 0, 0, "idle"},
	    {"id", MEM_J_STR, 0, 0, w->id},
	    {"idle", MEM_J_U64, idle + cache, 0, NULL},
	    {"mapped", MEM_J_U64, idle, 0, NULL},
	    {"unmapped_file", MEM_J_U64, cache, 0, NULL},
	    {"current", MEM_J_U64, current, 0, NULL},
	    {"window_s", MEM_J_DBL, 0, (double)(now - w->ctl.idle_from_ns) / 1e9, NULL},
	};
	emit(wa, f, sizeof(f) / sizeof(f[0]));
	enum mem_ctl_why why = mem_ctl_idle(&w->ctl, idle + cache, current, now);
	if (why != MEM_WHY_NONE)
		report_backoff(wa, w, 0, why, 0, current);
	idle_clear(wa, w);
}

/* One controller step; -1 when the cgroup vanished. */
static int step(struct watch *wa, struct watched *w)
{
	struct sample s, after;
	idle_clear(wa, w);
	/* Settled, nothing is due for seconds: sampling 8 containers every
	 * round still took 2.6% of a CPU in the TCG VM.  A PSI trigger that
	 * fired brings the sample forward. */
	if (w->ctl.phase == MEM_CTL_SETTLED && !w->triggered &&
	    ++w->skipped % MEM_SETTLED_SAMPLE_EVERY)
		return 0;
	if (sample(w, &s) < 0)
		return -1;
	report_oom(wa, w);
	struct mem_ctl_in in = {0, target_of(wa, w), s.current, s.floor, 0, s.ns};
	in.pressure = pressure(w, &s, &in.refault);
	if (w->triggered && in.pressure < in.target)
		in.pressure = in.target; /* the trigger saw a burst the average smoothed out */
	w->triggered = false;
	if (ksm_pending(wa, w))
		return 0;
	enum mem_ctl_why why;
	uint64_t ask = mem_ctl_decide(&w->ctl, &in, &why);
	if (why != MEM_WHY_NONE)
		report_backoff(wa, w, in.pressure, why, in.refault, s.current);
	idle_measure(wa, w, s.current);
	if (!ask)
		return 0;
	struct cap_error *e = NULL;
	int r = reclaim(wa, w, ask, &e);
	if (r < 0) {
		/* gone: drop it; anything else (EINTR, EBUSY): try next round */
		bool gone = e->errnum == ENOENT || e->errnum == ENODEV;
		cap_error_free(e);
		return gone ? -1 : 0;
	}
	if (sample(w, &after) < 0)
		return -1;
	uint64_t got = s.current > after.current ? s.current - after.current : 0;
	w->reclaimed += got;
	if (got)
		save_counter(w);
	struct mem_jfield f[] = {
	    {"type", MEM_J_STR, 0, 0, "reclaim"},
	    {"id", MEM_J_STR, 0, 0, w->id},
	    {"asked", MEM_J_U64, ask, 0, NULL},
	    {"reclaimed", MEM_J_U64, got, 0, NULL},
	    {"current_before", MEM_J_U64, s.current, 0, NULL},
	    {"current_after", MEM_J_U64, after.current, 0, NULL},
	    {"psi_before", MEM_J_DBL, 0, in.pressure, NULL},
	    {"psi_after", MEM_J_DBL, 0, after.psi.some.avg10, NULL},
	    {"psi_target", MEM_J_DBL, 0, in.target, NULL},
	};
	emit(wa, f, sizeof(f) / sizeof(f[0]));
	why = mem_ctl_done(&w->ctl, ask, got, r == 1, after.current, after.ns);
	if (why != MEM_WHY_NONE)
		report_backoff(wa, w, in.pressure, why, 0, after.current);
	return 0;
}

static void read_ksm(struct watch *wa)
{
	bool any = false;
	for (size_t i = 0; i < wa->n && !any; i++)
		any = wa->w[i].ksm_wait;
	if (!any)
		return;
	cleanup_free char *run = mem_read_at(AT_FDCWD, "/sys/kernel/mm/ksm/run");
	cleanup_free char *scans = mem_read_at(AT_FDCWD, "/sys/kernel/mm/ksm/full_scans");
	uint64_t r = 0;
	wa->ksm_on = run && mem_parse_u64_or_max(run, &r) == 0 && r == 1 && scans &&
		     mem_parse_u64_or_max(scans, &wa->ksm_scans) == 0;
}

static void round_all(struct watch *wa)
{
	read_ksm(wa);
	for (size_t i = wa->n; i-- > 0;)
		if (step(wa, &wa->w[i]) < 0)
			remove_at(wa, i, "cgroup gone");
}

/* Sleep until the next round; true when a stop signal came. */
static bool wait_round(struct watch *wa, int sfd, uint64_t deadline)
{
	struct pollfd *pfd = calloc(wa->n + 1, sizeof(*pfd));
	if (!pfd)
		return true;
	for (;;) {
		uint64_t now = now_ns();
		if (now >= deadline)
			break;
		pfd[0] = (struct pollfd){sfd, POLLIN, 0};
		for (size_t i = 0; i < wa->n; i++)
			pfd[i + 1] = (struct pollfd){wa->w[i].trig, POLLPRI, 0};
		int r = poll(pfd, wa->n + 1, (int)((deadline - now) / 1000000 + 1));
		if (r < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si; /* consumed: not delivered on unblock */
			if (read(sfd, &si, sizeof(si)) < 0)
				si.ssi_signo = 0;
			free(pfd);
			return true;
		}
		for (size_t i = 0; r > 0 && i < wa->n; i++) {
			if (pfd[i + 1].revents & POLLPRI)
				wa->w[i].triggered = true;
			if (pfd[i + 1].revents & (POLLERR | POLLNVAL)) { /* cgroup removed */
				close(wa->w[i].trig);
				wa->w[i].trig = -1;
			}
		}
	}
	free(pfd);
	return false;
}

int mem_watch(const struct mem_watch_opts *o, struct cap_error **err)
{
	struct watch wa = {o, NULL, 0, o->swappiness, 0, 0, 0, false, 0};
	sigset_t stop, old;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, &old);
	cleanup_close int sfd = signalfd(-1, &stop, SFD_CLOEXEC | SFD_NONBLOCK);
	int rc = sfd < 0 ? cap_fail(err, errno, "signalfd") : 0;
	while (rc == 0) {
		uint64_t deadline = now_ns() + (uint64_t)o->interval_ms * 1000000ull;
		if ((rc = refresh(&wa, err)) < 0)
			break;
		round_all(&wa);
		if (o->once || wait_round(&wa, sfd, deadline))
			break;
	}
	for (size_t i = 0; i < wa.n; i++)
		drop(&wa.w[i]);
	free(wa.w);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}
