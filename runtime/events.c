/* `capsule events`: stats and OOM notices of a container's cgroup.
 *
 * The state dir is read once and unlocked again: a stream runs for the
 * container's whole life and must not block delete, pause or update.  Init
 * is watched through a pidfd (checked against the saved start time, so a
 * reused pid is not mistaken for it) and OOM kills through memory.events,
 * which kernfs flags with POLLPRI on every change; the counter is read again
 * right before returning, so a kill that also ended init is still reported. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../cgroups/cgroups.h"
#include "../lib/cleanup.h"
#include "container.h"
#include "state.h"

static int load_running(const char *root, const char *id, struct container_state *st,
			struct cap_error **err)
{
	struct state_dir sd = {.fd = -1};
	memset(st, 0, sizeof(*st));
	if (state_dir_open(root, id, &sd, err) < 0)
		return -1;
	int rc = -1;
	if (state_load(&sd, st, err) < 0)
		; /* err says why: absent or corrupt */
	else if (state_status(&sd, st) == STATUS_STOPPED)
		cap_fail(err, 0, "container with id %s is not running", id);
	else if (!st->cgroup_path)
		cap_fail(err, 0, "container %s has no cgroup: no stats", id);
	else
		rc = 0;
	state_dir_close(&sd);
	return rc;
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int emit_stats(struct cgroup *cg, const struct container_events_ops *ops, void *arg,
		      struct cap_error **err)
{
	struct cgroup_stats s;
	if (cgroup_stats(cg, &s, err) < 0)
		return -1;
	ops->stats(arg, &s);
	cgroup_stats_free(&s);
	return 0;
}

/* One oom() call per observed rise of the counter (as runc: one event per
 * change, not per kill). */
static void check_oom(struct cgroup *cg, int evfd, uint64_t *last,
		      const struct container_events_ops *ops, void *arg)
{
	char buf[16];
	if (evfd >= 0)
		(void)!pread(evfd, buf, sizeof(buf), 0); /* a read re-arms kernfs' POLLPRI */
	uint64_t n = 0;
	if (cgroup_oom_events(cg, &n, NULL) == 0 && n > *last) {
		*last = n;
		if (ops->oom)
			ops->oom(arg);
	}
}

static int watch(struct cgroup *cg, const struct container_state *st, unsigned interval_ms,
		 const struct container_events_ops *ops, void *arg, struct cap_error **err)
{
	cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	if (pidfd < 0 || !state_init_alive(st))
		return 0; /* init already gone: the stream is over */
	cleanup_free char *evpath = NULL;
	if (asprintf(&evpath, "%s/memory.events", cgroup_path(cg)) < 0)
		return cap_fail(err, ENOMEM, "events");
	cleanup_close int evfd = open(evpath, O_RDONLY | O_CLOEXEC); /* absent on hybrid hosts */
	uint64_t last = 0;
	cgroup_oom_events(cg, &last, NULL);
	long next = now_ms() + interval_ms;
	for (;;) {
		struct pollfd p[2] = {{pidfd, POLLIN, 0}, {evfd, POLLPRI, 0}};
		long left = next - now_ms();
		int n = poll(p, 2, left > 0 ? (int)left : 0);
		if (n < 0 && errno != EINTR)
			return cap_fail(err, errno, "events: poll");
		check_oom(cg, evfd, &last, ops, arg);
		if (p[0].revents & POLLIN)
			return 0;
		if (n == 0 && now_ms() >= next) {
			next += interval_ms;
			struct cap_error *e = NULL;
			if (emit_stats(cg, ops, arg, &e) < 0) {
				/* the cgroup went away with the container */
				bool gone = !state_init_alive(st);
				cap_error_free(e);
				if (gone)
					return 0;
			}
		}
	}
}

int container_events(const char *root, const char *id, unsigned interval_ms, bool once,
		     const struct container_events_ops *ops, void *arg, struct cap_error **err)
{
	struct container_state st;
	if (load_running(root, id, &st, err) < 0) {
		state_free(&st);
		return -1;
	}
	struct cgroup *cg = NULL;
	int rc = cgroup_open(st.cgroup_path, &cg, err);
	if (rc == 0)
		rc = once ? emit_stats(cg, ops, arg, err)
			  : watch(cg, &st, interval_ms ? interval_ms : 1, ops, arg, err);
	cgroup_free(cg);
	state_free(&st);
	return rc;
}
