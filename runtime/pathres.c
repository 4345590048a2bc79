#include "pathres.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../lib/cleanup.h"

void pathres_fdpath(char buf[PATHRES_FDPATH_LEN], int fd)
{
	/* Hand-rolled: this runs once per mount on the start hot path. */
	char tmp[12];
	int n = 0;
	unsigned v = (unsigned)fd;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < (int)sizeof(tmp));
	memcpy(buf, "/proc/self/fd/", 14);
	for (int i = 0; i < n; i++)
		buf[14 + i] = tmp[n - 1 - i];
	buf[14 + n] = '\0';
}

int pathres_try_open(int rootfd, const char *path, int extra_flags)
{
	struct open_how how = {
	    .flags = (uint64_t)(O_PATH | O_CLOEXEC | extra_flags),
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	/* EAGAIN: a concurrent rename raced with ".." resolution; retry. */
	for (int tries = 0; tries < 16; tries++) {
		int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN)
			return fd;
	}
	return -1;
}

int pathres_open(int rootfd, const char *path, int extra_flags, struct cap_error **err)
{
	int fd = pathres_try_open(rootfd, path, extra_flags);
	if (fd < 0)
		cap_fail(err, errno, "resolve %s", path);
	return fd;
}

/* A dangling symlink named buf[start..end) (NUL at end) was met: splice its target into
 * buf in place of the component (runc's securejoin does the same), so the
 * walk restarts on the link's target, still clamped to the root. */
static int splice_link(int parent, char *buf, size_t start, size_t end, size_t len,
		       struct cap_error **err)
{
	char target[PATH_MAX], out[PATH_MAX];
	ssize_t n = readlinkat(parent, buf + start, target, sizeof(target) - 1);
	if (n < 0)
		return 0; /* not a symlink (a racing mkdir): resolve again */
	target[n] = '\0';
	size_t keep = target[0] == '/' ? 0 : start;
	const char *rest = end < len ? buf + end + 1 : "";
	int w = snprintf(out, sizeof(out), "%.*s%s/%s", (int)keep, buf, target, rest);
	if (w < 0 || (size_t)w >= sizeof(out))
		return cap_fail(err, ENAMETOOLONG, "resolve %s", buf);
	memcpy(buf, out, (size_t)w + 1);
	return 1;
}

/* Slow path of mkdir -p: walk the components, creating what is missing.
 * Each existing prefix is re-resolved from rootfd so symlinks in it stay
 * clamped to the root; below the first directory we created, components are
 * fresh and opened with O_NOFOLLOW (a symlink swapped in makes us fail, not
 * escape).  Returns -2 (no error set) to ask for a restart after a splice. */
static int mkdir_walk_once(int rootfd, char *buf, mode_t mode, struct cap_error **err)
{
	size_t len = strlen(buf);
	cleanup_close int cur = -1;
	bool created = false;
	size_t i = 0;
	while (i < len) {
		while (i < len && buf[i] == '/')
			i++;
		if (i == len)
			break;
		size_t start = i;
		while (i < len && buf[i] != '/')
			i++;
		char saved = buf[i];
		buf[i] = '\0';
		const char *name = buf + start;
		int parent = cur >= 0 ? cur : rootfd;
		int fd = created ? -1 : pathres_try_open(rootfd, buf, 0);
		if (fd < 0 && (created || errno == ENOENT)) {
			created = mkdirat(parent, name, mode) == 0;
			if (!created && errno != EEXIST)
				return cap_fail(err, errno, "mkdir %s", buf);
			int r = created ? 0 : splice_link(parent, buf, start, i, len, err);
			if (r != 0)
				return r > 0 ? -2 : -1;
			fd = created ? openat(parent, name,
					      O_PATH | O_CLOEXEC | O_NOFOLLOW | O_DIRECTORY)
				     : pathres_try_open(rootfd, buf, 0);
		}
		if (fd < 0)
			return cap_fail(err, errno, "resolve %s", buf);
		if (cur >= 0)
			close(cur);
		cur = fd;
		buf[i] = saved;
	}
	if (cur < 0) /* path was "/" or empty */
		return pathres_open(rootfd, "/", 0, err);
	return steal_fd(&cur);
}

static int mkdir_walk(int rootfd, const char *path, mode_t mode, struct cap_error **err)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	if (len >= sizeof(buf))
		return cap_fail(err, ENAMETOOLONG, "mkdir %s", path);
	memcpy(buf, path, len + 1);
	for (int links = 0; links < 40; links++) {
		int fd = mkdir_walk_once(rootfd, buf, mode, err);
		if (fd != -2)
			return fd;
	}
	return cap_fail(err, ELOOP, "mkdir %s", path);
}

int pathres_mkdir_p(int rootfd, const char *path, mode_t mode, struct cap_error **err)
{
	int fd = pathres_try_open(rootfd, path, 0);
	if (fd >= 0)
		return fd;
	if (errno != ENOENT)
		return cap_fail(err, errno, "resolve %s", path);
	return mkdir_walk(rootfd, path, mode, err);
}

int pathres_parent(int rootfd, const char *path, char *base, size_t basesz, struct cap_error **err)
{
	char dir[PATH_MAX];
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len >= sizeof(dir))
		return cap_fail(err, ENAMETOOLONG, "resolve %s", path);
	size_t slash = len;
	while (slash > 0 && path[slash - 1] != '/')
		slash--;
	size_t blen = len - slash;
	if (blen == 0 || blen >= basesz || (blen == 1 && path[slash] == '.') ||
	    (blen == 2 && path[slash] == '.' && path[slash + 1] == '.'))
		return cap_fail(err, EINVAL, "resolve %s: no file name", path);
	memcpy(base, path + slash, blen);
	base[blen] = '\0';
	memcpy(dir, path, slash);
	dir[slash] = '\0';
	return pathres_mkdir_p(rootfd, slash ? dir : "/", 0755, err);
}

/* The last component of path, base in parent, is a dangling symlink: its target as a path
 * to resolve from the root (relative targets from the link's directory).  1 with out set,
 * 0 when base is no symlink, -1 with *err set. */
static int dangling_target(int parent, const char *path, const char *base, char *out, size_t outsz,
			   struct cap_error **err)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(parent, base, target, sizeof(target) - 1);
	if (n < 0)
		return 0;
	target[n] = '\0';
	size_t dirlen = strlen(path);
	while (dirlen > 0 && path[dirlen - 1] == '/')
		dirlen--;
	while (dirlen > 0 && path[dirlen - 1] != '/')
		dirlen--;
	if (target[0] == '/')
		dirlen = 0;
	int w = snprintf(out, outsz, "%.*s%s", (int)dirlen, path, target);
	if (w < 0 || (size_t)w >= outsz)
		return cap_fail(err, ENAMETOOLONG, "resolve %s", path);
	return 1;
}

static int create_file(int rootfd, const char *path, mode_t mode, int links, struct cap_error **err)
{
	int fd = pathres_try_open(rootfd, path, 0);
	if (fd >= 0)
		return fd;
	if (errno != ENOENT)
		return cap_fail(err, errno, "resolve %s", path);
	char base[NAME_MAX + 1];
	cleanup_close int parent = pathres_parent(rootfd, path, base, sizeof(base), err);
	if (parent < 0)
		return -1;
	/* mknodat never follows a symlink at base; EEXIST (a dangling
	 * symlink or a racing creator) is settled by resolving again. */
	if (mknodat(parent, base, S_IFREG | mode, 0) < 0 && errno != EEXIST)
		return cap_fail(err, errno, "create %s", path);
	fd = pathres_try_open(rootfd, path, 0);
	if (fd >= 0 || errno != ENOENT)
		return fd >= 0 ? fd : cap_fail(err, errno, "resolve %s", path);
	/* Still missing: base is a dangling symlink (an image's /etc/resolv.conf pointing
	 * into an empty /run).  Create its target, resolved inside the root like any path,
	 * as runc does; failing here broke bind mounts onto such files. */
	char next[PATH_MAX];
	int r = dangling_target(parent, path, base, next, sizeof(next), err);
	if (r <= 0)
		return r < 0 ? -1 : cap_fail(err, ENOENT, "resolve %s", path);
	if (links >= 40)
		return cap_fail(err, ELOOP, "create %s", path);
	return create_file(rootfd, next, mode, links + 1, err);
}

int pathres_create_file(int rootfd, const char *path, mode_t mode, struct cap_error **err)
{
	return create_file(rootfd, path, mode, 0, err);
}
