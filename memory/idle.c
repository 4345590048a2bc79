/* Idle memory of a container: what a reclaim probe may take without touching
 * the working set.
 *
 * memory.reclaim lets the kernel pick the pages, and when nothing cold is
 * left it takes hot ones: MGLRU ages the cgroup again and again within one
 * write, and a page touched only between two agings looks unreferenced.  In
 * the benchmark each probe after a hold took a hot 2 MiB huge page (asked
 * 86 KB, reclaimed 2 MiB), PSI rose to 10-44% while it came back as 512
 * small pages, and the hot set stayed split.  So the watch measures first:
 * it clears the accessed bits of the container's processes
 * (/proc/PID/clear_refs "1", Documentation/filesystems/proc.rst) and, after a
 * window, sums what stayed unreferenced (smaps_rollup Rss - Referenced).  A
 * probe may take at most that; with nothing idle there is no probe at all.
 * Clearing the bits also lets the kernel's next aging tell the two sets
 * apart: the hot pages are referenced again within the window, the cold ones
 * are not.
 *
 * Mapped memory only (the watch adds the page cache nobody maps, from
 * memory.stat).  KSM pages are not counted (charged to whichever cgroup
 * first held them), so the estimate errs towards no reclaim.  Other pages
 * shared by several processes (fork) count once per process. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/cleanup.h"

/* Nested cgroups below the container's (systemd in a container) are walked
 * this deep. */
#define IDLE_MAX_DEPTH 8

struct idle_walk {
	int (*fn)(struct idle_walk *w, long pid);
	size_t listed, done; /* processes seen, and those fn handled */
	uint64_t bytes;
};

/* fn for every process of the cgroup at dfd and of the cgroups below it. */
static void walk_procs(int dfd, int depth, struct idle_walk *w)
{
	cleanup_free char *procs = mem_read_at(dfd, "cgroup.procs");
	for (char *p = procs; p && *p;) {
		char *end;
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		w->listed++;
		w->done += pid > 0 && w->fn(w, pid) == 0;
		p = end + (*end == '\n');
	}
	if (depth >= IDLE_MAX_DEPTH)
		return;
	int sub = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = sub < 0 ? NULL : fdopendir(sub);
	if (!d) {
		if (sub >= 0)
			close(sub);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		cleanup_close int child =
		    openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (child >= 0)
			walk_procs(child, depth + 1, w);
	}
	closedir(d);
}

static int clear_refs(struct idle_walk *w, long pid)
{
	(void)w;
	char p[64];
	snprintf(p, sizeof(p), "/proc/%ld/clear_refs", pid);
	cleanup_close int fd = open(p, O_WRONLY | O_CLOEXEC);
	return fd >= 0 && write(fd, "1", 1) == 1 ? 0 : -1;
}

static int add_idle(struct idle_walk *w, long pid)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%ld/smaps_rollup", pid);
	cleanup_free char *t = mem_read_at(AT_FDCWD, p);
	uint64_t b;
	if (!t || mem_parse_smaps_idle(t, &b) < 0)
		return -1;
	w->bytes += b;
	return 0;
}

/* -1 when the cgroup had processes and fn failed for every one of them
 * (no permission, or a kernel without the file). */
static int walk(int cgroup_dfd, struct idle_walk *w)
{
	walk_procs(cgroup_dfd, 0, w);
	return w->listed && !w->done ? -1 : 0;
}

int mem_idle_clear(int cgroup_dfd)
{
	struct idle_walk w = {clear_refs, 0, 0, 0};
	return walk(cgroup_dfd, &w);
}

int mem_idle_bytes(int cgroup_dfd, uint64_t *bytes)
{
	struct idle_walk w = {add_idle, 0, 0, 0};
	int r = walk(cgroup_dfd, &w);
	*bytes = w.bytes;
	return r;
}
