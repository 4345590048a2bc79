/* --no-pivot: MS_MOVE the rootfs onto / and chroot, as runc's msMoveRoot.
 *
 * Without pivot_root the host's mounts stay in the container's mount
 * namespace, under the rootfs.  The kernel lets a process mount a new procfs
 * or sysfs in a user namespace of its own only when an unmasked one is
 * already visible in its mount namespace (mount_too_revealing): the host's
 * /proc would be that one, and the container could mount a bare /proc with
 * none of its maskedPaths.  So, first, every full procfs and sysfs mount
 * outside the rootfs is detached (or, where that is not permitted, covered
 * with an empty tmpfs), as runc does. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "mounts_internal.h"
#include "../lib/strv.h"

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') << 6 | (r[2] - '0') << 3 | (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* The mount point of one mountinfo line when it is a full (root "/") proc or
 * sysfs mount outside rootfs; NULL otherwise.  Edits line in place. */
static char *host_procfs_point(char *line, const char *rootfs)
{
	char *save = NULL, *root = NULL, *point = NULL, *tok;
	int field = 0;
	for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		field++;
		if (field == 4)
			root = tok;
		else if (field == 5)
			point = tok;
		else if (field > 5 && strcmp(tok, "-") == 0)
			break;
	}
	const char *fstype = tok ? strtok_r(NULL, " ", &save) : NULL;
	if (!fstype || !root || !point || strcmp(root, "/") != 0 ||
	    (strcmp(fstype, "proc") != 0 && strcmp(fstype, "sysfs") != 0))
		return NULL;
	unescape(point);
	return under(point, rootfs) ? NULL : point;
}

static int list_host_procfs(const char *rootfs, char ***points, struct cap_error **err)
{
	cleanup_file FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return cap_fail(err, errno, "open /proc/self/mountinfo");
	cleanup_free char *line = NULL;
	size_t cap = 0, n = 0;
	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		const char *p = host_procfs_point(line, rootfs);
		if (!p)
			continue;
		char **v = realloc(*points, (n + 2) * sizeof(char *));
		if (!v)
			return cap_fail(err, ENOMEM, "mountinfo");
		*points = v;
		if (!(v[n] = strdup(p)))
			return cap_fail(err, ENOMEM, "mountinfo");
		v[++n] = NULL;
	}
	return 0;
}

static int hide_one(const char *p, struct cap_error **err)
{
	/* never let the unmount propagate to the host */
	if (mount(NULL, p, NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return errno == ENOENT ? 0 /* gone with a detached parent */
				       : cap_fail(err, errno, "make %s rslave", p);
	if (umount2(p, MNT_DETACH) == 0)
		return 0;
	if (errno != EINVAL && errno != EPERM)
		return cap_fail(err, errno, "unmount the host's %s", p);
	/* not ours to unmount (a user namespace): cover it */
	if (mount("tmpfs", p, "tmpfs", 0, NULL) < 0)
		return cap_fail(err, errno, "cover the host's %s with a tmpfs", p);
	return 0;
}

int mounts_move_root(const char *rootfs, struct cap_error **err)
{
	char **points = NULL;
	int rc = list_host_procfs(rootfs, &points, err);
	for (size_t i = 0; rc == 0 && points && points[i]; i++)
		rc = hide_one(points[i], err);
	cap_strv_free(points);
	if (rc < 0)
		return -1;
	if (chdir(rootfs) < 0)
		return cap_fail(err, errno, "chdir %s", rootfs);
	if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
		return cap_fail(err, errno, "move %s to /", rootfs);
	if (chroot(".") < 0)
		return cap_fail(err, errno, "chroot %s", rootfs);
	if (chdir("/") < 0)
		return cap_fail(err, errno, "chdir /");
	return 0;
}
