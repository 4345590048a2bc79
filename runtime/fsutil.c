#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

int mkdir_p(const char *path, mode_t mode, struct cap_error **err)
{
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return cap_fail(err, errno, "mkdir %s", path);
	cleanup_free char *copy = strdup(path);
	if (!copy)
		return cap_fail(err, ENOMEM, "mkdir %s", path);
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			return cap_fail(err, errno, "mkdir %s", copy);
		*p = '/';
	}
	if (mkdir(copy, mode) < 0 && errno != EEXIST)
		return cap_fail(err, errno, "mkdir %s", path);
	return 0;
}

static int rm_rf_at(int parent, const char *name, dev_t dev)
{
	if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -1;
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_dev != dev) {
		close(fd);
		errno = EXDEV; /* a mount point: never delete into another filesystem */
		return -1;
	}
	cleanup_dir DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (rm_rf_at(dirfd(d), de->d_name, dev) < 0)
			return -1;
	}
	return unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT ? 0 : -1;
}

int rm_rf(const char *path, struct cap_error **err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : cap_fail(err, errno, "stat %s", path);
	if (rm_rf_at(AT_FDCWD, path, st.st_dev) < 0)
		return cap_fail(err, errno, "remove %s", path);
	return 0;
}

ssize_t write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t left = len;
	while (left) {
		ssize_t n = write(fd, p, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		left -= (size_t)n;
	}
	return (ssize_t)len;
}

int write_file_atomic(int dirfd, const char *name, const char *data, size_t len, mode_t mode,
		      struct cap_error **err)
{
	char tmp[256];
	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	cleanup_close int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return cap_fail(err, errno, "create %s", tmp);
	if (write_all(fd, data, len) < 0) {
		int e = errno;
		unlinkat(dirfd, tmp, 0);
		return cap_fail(err, e, "write %s", name);
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		int e = errno;
		unlinkat(dirfd, tmp, 0);
		return cap_fail(err, e, "rename %s", name);
	}
	return 0;
}

char *read_file_at(int dirfd, const char *name, size_t *len, struct cap_error **err)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cap_fail(err, errno, "open %s", name);
		return NULL;
	}
	size_t cap = 4096, used = 0;
	struct stat st;
	if (fstat(fd, &st) == 0 && st.st_size > 0)
		cap = (size_t)st.st_size + 1;
	cleanup_free char *buf = malloc(cap);
	if (!buf) {
		cap_fail(err, ENOMEM, "read %s", name);
		return NULL;
	}
	for (;;) {
		if (used + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				cap_fail(err, ENOMEM, "read %s", name);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + used, cap - used - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			cap_fail(err, errno, "read %s", name);
			return NULL;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	buf[used] = 0;
	if (len)
		*len = used;
	return steal_pointer(&buf);
}

int write_file_str(const char *path, const char *s, struct cap_error **err)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return cap_fail(err, errno, "open %s", path);
	if (write_all(fd, s, strlen(s)) < 0)
		return cap_fail(err, errno, "write %s", path);
	return 0;
}
