/* File helpers of the layer store: bounded whole-file reads, store directories and the
 * store lock. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <time.h>

#include "../lib/cleanup.h"
#include "internal.h"

int ovl_read_file_at(int dirfd, const char *path, size_t max, char **buf, size_t *len,
		     struct cap_error **err)
{
	cleanup_close int fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cap_fail(err, errno, "open %s", path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return cap_fail(err, errno, "stat %s", path);
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > max)
		return cap_fail(err, 0, "%s: not a regular file of at most %zu bytes", path, max);
	*buf = cap_read_fd(fd, max, len, path, err);
	return *buf ? 0 : -1;
}

/* layers/ and containers/ are 0711: overlay mounted in a user namespace looks up lower and
 * upper dirs with the container root's credentials.  Layer contents are root-owned, so lower
 * layers are never writable from a container. */
static const struct {
	const char *path;
	mode_t mode;
} store_dirs[] = {
    {"layers", 0711}, {"layers/sha256", 0711}, {"images", 0700}, {"images/sha256", 0700},
    {"refs", 0700},   {"containers", 0711},    {"tmp", 0700}};

int ovl_store_open(const char *store, bool create, struct cap_error **err)
{
	if (create && mkdir(store, 0711) < 0 && errno != EEXIST)
		return cap_fail(err, errno, "mkdir %s", store);
	cleanup_close int fd = open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cap_fail(err, errno, "open store %s", store);
	for (size_t i = 0; create && i < sizeof(store_dirs) / sizeof(store_dirs[0]); i++) {
		if (mkdirat(fd, store_dirs[i].path, store_dirs[i].mode) < 0 && errno != EEXIST)
			return cap_fail(err, errno, "mkdir %s/%s", store, store_dirs[i].path);
	}
	return steal_fd(&fd);
}

int ovl_store_lock(int storefd, int op, struct cap_error **err)
{
	cleanup_close int fd = openat(storefd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return cap_fail(err, errno, "open store lock");
	while (flock(fd, op) < 0) {
		if (errno != EINTR)
			return cap_fail(err, errno, "lock store");
	}
	return steal_fd(&fd);
}

int ovl_mktemp_dir(int storefd, const char *prefix, char *name, size_t len, struct cap_error **err)
{
	for (int i = 0; i < 100; i++) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		snprintf(name, len, "tmp/%s-%d-%lx", prefix, (int)getpid(),
			 (unsigned long)(ts.tv_nsec ^ (ts.tv_sec << 20)) + (unsigned long)i);
		if (mkdirat(storefd, name, 0755) == 0)
			return 0;
		if (errno != EEXIST)
			return cap_fail(err, errno, "mkdir %s", name);
	}
	return cap_fail(err, EEXIST, "mkdir tmp/%s-*", prefix);
}

bool ovl_exists_at(int dirfd, const char *path)
{
	struct stat st;
	return fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}
