/* Operations on an existing container cgroup: freeze/thaw, signal all,
 * list pids, destroy. */
#include "../cgroups/cgroups.h"
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../lib/cleanup.h"

#define FREEZE_TIMEOUT_MS 5000
#define KILL_ROUNDS	  200 /* x 5 ms: SIGKILL loop without cgroup.kill */
#define RMDIR_ROUNDS	  100 /* x 10 ms: ~1 s for exiting processes to leave */

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&t, NULL);
}

/* "frozen N" from an open cgroup.events; -1 when absent or unreadable. */
static int frozen_state(int fd)
{
	char buf[512];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	uint64_t v;
	return cg_keyed_u64(buf, "frozen", &v) ? (int)v : -1;
}

bool cgroup_is_frozen(struct cgroup *cg)
{
	cleanup_free char *p = NULL;
	if (asprintf(&p, "%s/cgroup.events", cg->path) < 0)
		return false;
	cleanup_close int fd = open(p, O_RDONLY | O_CLOEXEC);
	return fd >= 0 && frozen_state(fd) == 1;
}

int cgroup_freeze(struct cgroup *cg, bool frozen, struct cap_error **err)
{
	cleanup_free char *ev = NULL;
	if (asprintf(&ev, "%s/cgroup.events", cg->path) < 0)
		return cap_fail(err, ENOMEM, "freeze");
	/* open before writing, so the change cannot slip between write and poll */
	cleanup_close int fd = open(ev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cap_fail(err, errno, "open %s", ev);
	if (cg_write(cg, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
		return -1;
	long deadline = now_ms() + FREEZE_TIMEOUT_MS;
	for (;;) {
		int st = frozen_state(fd);
		if (st < 0)
			return cap_fail(err, 0, "%s: no \"frozen\" entry", ev);
		if (st == (frozen ? 1 : 0))
			return 0;
		long left = deadline - now_ms();
		if (left <= 0)
			return cap_fail(err, ETIMEDOUT, "waiting for \"frozen %d\" in %s", frozen,
					ev);
		/* kernfs notifies changes as POLLPRI; wake up now and then anyway */
		struct pollfd p = {.fd = fd, .events = POLLPRI};
		if (poll(&p, 1, left < 100 ? (int)left : 100) < 0 && errno != EINTR)
			return cap_fail(err, errno, "poll %s", ev);
	}
}

int cgroup_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct cap_error **err)
{
	*pids = NULL;
	*n = 0;
	cleanup_free char *txt = NULL;
	if (cg_read(cg, "cgroup.procs", &txt, err) < 0)
		return -1;
	size_t cnt = 0;
	for (char *p = txt; *p; p++)
		cnt += *p == '\n';
	pid_t *v = calloc(cnt + 1, sizeof(*v));
	if (!v)
		return cap_fail(err, ENOMEM, "cgroup pids");
	size_t k = 0;
	char *save = NULL;
	for (char *t = strtok_r(txt, "\n", &save); t && k <= cnt; t = strtok_r(NULL, "\n", &save))
		v[k++] = (pid_t)strtol(t, NULL, 10);
	*pids = v;
	*n = k;
	return 0;
}

/* One pass over cgroup.procs; *left = how many were listed. */
static int signal_procs(struct cgroup *cg, int sig, size_t *left, struct cap_error **err)
{
	cleanup_free pid_t *pids = NULL;
	if (cgroup_pids(cg, &pids, left, err) < 0)
		return -1;
	for (size_t i = 0; i < *left; i++)
		if (pids[i] > 0 && kill(pids[i], sig) < 0 && errno != ESRCH)
			return cap_fail(err, errno, "kill %d (from %s/cgroup.procs)", (int)pids[i],
					cg->path);
	return 0;
}

int cgroup_kill_all(struct cgroup *cg, int sig, struct cap_error **err)
{
	size_t left = 0;
	if (sig == SIGKILL) {
		struct cap_error *e = NULL;
		if (cg_write(cg, "cgroup.kill", "1", &e) == 0)
			return 0;
		bool absent = e->errnum == ENOENT; /* kernel < 5.14 */
		if (!absent) {
			return cg_pass_error(err, e);
		}
		cap_error_free(e);
		/* without cgroup.kill, processes forked meanwhile need more rounds */
		for (int i = 0; i < KILL_ROUNDS; i++) {
			if (signal_procs(cg, SIGKILL, &left, err) < 0)
				return -1;
			if (left == 0)
				return 0;
			sleep_ms(5);
		}
		return cap_fail(err, EBUSY, "kill: processes left in %s/cgroup.procs", cg->path);
	}
	return signal_procs(cg, sig, &left, err);
}

static int rmdir_retry(const char *path, struct cap_error **err)
{
	for (int i = 0;; i++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || i >= RMDIR_ROUNDS)
			return cap_fail(err, errno, "rmdir %s", path);
		sleep_ms(10);
	}
}

/* Children first: a container may have made sub-cgroups (cgroupns). */
static int remove_tree(const char *path, struct cap_error **err)
{
	cleanup_dir DIR *d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : cap_fail(err, errno, "opendir %s", path);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		cleanup_free char *sub = NULL;
		if (asprintf(&sub, "%s/%s", path, de->d_name) < 0)
			return cap_fail(err, ENOMEM, "rmdir");
		if (remove_tree(sub, err) < 0)
			return -1;
	}
	return rmdir_retry(path, err);
}

int cgroup_destroy(struct cgroup *cg, struct cap_error **err)
{
	if (!cg || !cg->path)
		return 0;
	if (cg->dirfd >= 0) {
		close(cg->dirfd);
		cg->dirfd = -1;
	}
	/* systemd removes the unit's cgroup (delegated subtree included) */
	if (cg->systemd)
		return cg_sd_stop(cg, err) < 0 ? -1 : remove_tree(cg->path, err);
	if (remove_tree(cg->path, err) < 0)
		return -1;
	/* the "capsule" parent of default placements: only if empty (other
	 * containers keep it busy, and then rmdir fails harmlessly) */
	cleanup_free char *parent = strdup(cg->path);
	char *slash = parent ? strrchr(parent, '/') : NULL;
	if (slash && slash != parent) {
		*slash = '\0';
		const char *base = strrchr(parent, '/');
		if (base && strcmp(base + 1, "capsule") == 0 &&
		    (!cg->mount || strcmp(parent, cg->mount) != 0))
			rmdir(parent);
	}
	return 0;
}
