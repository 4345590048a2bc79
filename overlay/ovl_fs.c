/* File helpers of the layer store: recursive removal, whole-file read/atomic write,
 * store directories and the store lock. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <time.h>

#include "../runtime/cleanup.h"
#include "internal.h"

static int rm_children(int fd, dev_t dev);

/* Removes dirfd/name and below.  Stops at mount points (another st_dev): deleting through a
 * still-mounted rootfs would only hide files, and is never what the caller meant. */
int ovl_rm_rf_at(int dirfd, const char *name)
{
	struct stat st, parent;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -1 : 0;
	if (fstat(dirfd, &parent) < 0)
		return -1;
	if (st.st_dev != parent.st_dev) {
		errno = EBUSY;
		return -1;
	}
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (rm_children(fd, st.st_dev) < 0)
		return -1;
	return unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -1 : 0;
}

static int rm_children(int fd, dev_t dev)
{
	int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup < 0)
		return -1;
	cleanup_dir DIR *d = fdopendir(dup);
	if (!d) {
		close(dup);
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (ovl_rm_rf_at(fd, e->d_name) < 0)
			rc = -1; /* keep going: remove as much as possible, report the failure */
	}
	(void)dev;
	return rc;
}

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
	cleanup_free char *b = malloc((size_t)st.st_size + 1);
	if (!b)
		return cap_fail(err, ENOMEM, "read %s", path);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, b + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cap_fail(err, errno, "read %s", path);
		if (n == 0)
			break;
		got += (size_t)n;
	}
	b[got] = '\0';
	if (len)
		*len = got;
	*buf = steal_pointer(&b);
	return 0;
}

int ovl_write_file_at(int dirfd, const char *path, const void *data, size_t len,
		      struct cap_error **err)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	cleanup_close int fd =
	    openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return cap_fail(err, errno, "create %s", tmp);
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, (const char *)data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			unlinkat(dirfd, tmp, 0);
			return cap_fail(err, e, "write %s", tmp);
		}
		off += (size_t)n;
	}
	/* No fsync per file: container records are written on every create, where it would
	 * cost milliseconds; import syncs the store once before it commits (ovl_import.c). */
	if (renameat(dirfd, tmp, dirfd, path) < 0) {
		int e = errno;
		unlinkat(dirfd, tmp, 0);
		return cap_fail(err, e, "commit %s", path);
	}
	return 0;
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

char *ovl_strdupf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}
