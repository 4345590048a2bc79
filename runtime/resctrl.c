/* linux.intelRdt through resctrl; see resctrl.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "../lib/file.h"
#include "resctrl.h"

char *resctrl_root(struct cap_error **err)
{
	cleanup_file FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return cap_fail(err, errno, "linux.intelRdt: open /proc/self/mountinfo"), NULL;
	cleanup_free char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		/* id parent maj:min root mountpoint opts [optional...] - fstype src opts */
		char mnt[4096], fstype[64];
		const char *sep = strstr(line, " - ");
		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s", fstype) != 1 || strcmp(fstype, "resctrl") != 0)
			continue;
		return strdup(mnt); /* resctrl mounts only at /sys/fs/resctrl: no escapes */
	}
	return cap_fail(err, 0,
			"linux.intelRdt: resctrl is not mounted (no resctrl filesystem in "
			"/proc/self/mountinfo; mount it at /sys/fs/resctrl on a host with "
			"Intel RDT or AMD QoS)"),
	       NULL;
}

/* The kernel's reason for the last refused write, as one line. */
static void last_cmd_status(const char *root, char *buf, size_t len)
{
	buf[0] = '\0';
	cleanup_free char *path = NULL;
	cleanup_close int fd = asprintf(&path, "%s/info/last_cmd_status", root) < 0
				   ? -1
				   : open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/* Write each line with its own write(2) (the kernel parses one write at a
 * time and says which line it refused).  O_CREAT only matters to a test's
 * stand-in tree: kernfs never creates a file. */
static int write_lines(const char *root, const char *dir, const char *file,
		       const char *const *lines, size_t n, struct cap_error **err)
{
	cleanup_free char *path = NULL;
	if (asprintf(&path, "%s/%s", dir, file) < 0)
		return cap_fail(err, ENOMEM, "resctrl path");
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return cap_fail(err, errno, "linux.intelRdt: open %s", path);
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *l = NULL;
		if (asprintf(&l, "%s\n", lines[i]) < 0)
			return cap_fail(err, ENOMEM, "resctrl line");
		if (cap_write_all(fd, l, strlen(l)) >= 0)
			continue;
		int e = errno;
		char why[256];
		last_cmd_status(root, why, sizeof(why));
		return cap_fail(err, e, "linux.intelRdt: write \"%.200s\" to %s%s%s", lines[i],
				path, why[0] ? ": " : "", why);
	}
	return 0;
}

/* The schemata lines in the spec's order; the strings are borrowed (the
 * l3CacheSchema copy in *buf is cut into lines in place). */
static size_t schemata_lines(const struct spec_intel_rdt *r, char **buf, const char **out,
			     size_t max)
{
	size_t n = 0;
	if (r->l3_cache_schema && (*buf = strdup(r->l3_cache_schema))) {
		char *save = NULL;
		for (char *l = strtok_r(*buf, "\n", &save); l && n < max;
		     l = strtok_r(NULL, "\n", &save))
			if (!(r->mem_bw_schema && strncmp(l, "MB:", 3) == 0))
				out[n++] = l;
	}
	if (r->mem_bw_schema && n < max)
		out[n++] = r->mem_bw_schema;
	for (size_t i = 0; i < r->n_schemata && n < max; i++)
		out[n++] = r->schemata[i];
	return n;
}

static int record(int dirfd, const char *group, bool created, const char *mon,
		  struct cap_error **err)
{
	cleanup_free char *buf = NULL;
	int len = asprintf(&buf, "%s\n%d\n%s\n", group, created, mon ? mon : "");
	if (len < 0)
		return cap_fail(err, ENOMEM, "resctrl record");
	return cap_write_file_atomic(dirfd, "resctrl", buf, (size_t)len, 0600, err);
}

/* <group>: made when missing (and there is something to give it), or
 * joined.  *created says which. */
static int open_group(const char *group, const struct spec_intel_rdt *r, bool have_schemata,
		      bool *created, struct cap_error **err)
{
	*created = false;
	struct stat st;
	if (stat(group, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	if (r->clos_id && !have_schemata)
		return cap_fail(err, 0,
				"linux.intelRdt.closID: no resctrl group %s (with no schemata "
				"given, the group must exist)",
				group);
	if (mkdir(group, 0755) < 0)
		return cap_fail(err, errno, "linux.intelRdt: mkdir %s", group);
	*created = true;
	return 0;
}

int resctrl_apply(const char *root, const char *id, pid_t pid, const struct spec_intel_rdt *r,
		  int dirfd, struct cap_error **err)
{
	cleanup_free char *group = NULL, *mon = NULL, *l3 = NULL;
	if (asprintf(&group, "%s/%s", root, r->clos_id ? r->clos_id : id) < 0)
		return cap_fail(err, ENOMEM, "resctrl path");
	const char *lines[64];
	size_t n = schemata_lines(r, &l3, lines, sizeof(lines) / sizeof(lines[0]));
	bool created;
	if (open_group(group, r, n > 0, &created, err) < 0)
		return -1;
	if (r->enable_monitoring && asprintf(&mon, "%s/mon_groups/%s", group, id) < 0)
		return cap_fail(err, ENOMEM, "resctrl path");
	/* before anything else can fail: release undoes it */
	if (record(dirfd, group, created, mon, err) < 0)
		return -1;
	if (n && write_lines(root, group, "schemata", lines, n, err) < 0)
		return -1;
	if (mon && mkdir(mon, 0755) < 0)
		return cap_fail(err, errno, "linux.intelRdt.enableMonitoring: mkdir %s", mon);
	char pidbuf[16];
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	const char *pl[] = {pidbuf};
	/* a task in a monitoring group is in its CLOS group too */
	return write_lines(root, mon ? mon : group, "tasks", pl, 1, err);
}

static bool no_tasks(const char *group)
{
	cleanup_free char *path = NULL;
	if (asprintf(&path, "%s/tasks", group) < 0)
		return false;
	cleanup_file FILE *f = fopen(path, "re");
	return f ? fgetc(f) == EOF : errno == ENOENT;
}

void resctrl_release(int dirfd, void (*warn)(const char *msg))
{
	if (faccessat(dirfd, "resctrl", F_OK, 0) < 0)
		return; /* nothing recorded, nothing made */
	struct cap_error *e = NULL;
	cleanup_free char *rec = cap_read_file_at(dirfd, "resctrl", NULL, &e);
	if (!rec) {
		cap_warn(warn, &e, "linux.intelRdt");
		return;
	}
	char *save = NULL;
	const char *group = strtok_r(rec, "\n", &save);
	const char *created = group ? strtok_r(NULL, "\n", &save) : NULL;
	const char *mon = created ? strtok_r(NULL, "\n", &save) : NULL;
	if (mon && rmdir(mon) < 0 && errno != ENOENT) {
		cap_fail(&e, errno, "rmdir %s", mon);
		cap_warn(warn, &e, "linux.intelRdt");
	}
	/* a group others joined (through the same closID) stays */
	if (created && strcmp(created, "1") == 0 && no_tasks(group) && rmdir(group) < 0 &&
	    errno != ENOENT) {
		cap_fail(&e, errno, "rmdir %s", group);
		cap_warn(warn, &e, "linux.intelRdt");
	}
	unlinkat(dirfd, "resctrl", 0);
}
