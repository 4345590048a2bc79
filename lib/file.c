#include "file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

int cap_mkdir_p(const char *path, mode_t mode, struct cap_error **err)
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

/* Remove parentfd/name and below, not following symlinks.  A directory on another device
 * than `dev` (its parent's) is a mount point: refused with EXDEV, since deleting through a
 * still-mounted filesystem only hides files and is never what the caller meant.  Goes on
 * after a failure to remove as much as it can, then reports the first errno. */
static int rm_tree(int parentfd, const char *name, dev_t dev)
{
	struct stat st;
	if (fstatat(parentfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(parentfd, name, 0) < 0 && errno != ENOENT ? -1 : 0;
	if (st.st_dev != dev) {
		errno = EXDEV;
		return -1;
	}
	int fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	cleanup_dir DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	int first_errno = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (rm_tree(fd, de->d_name, st.st_dev) < 0 && !first_errno)
			first_errno = errno;
	}
	if (unlinkat(parentfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && !first_errno)
		first_errno = errno;
	errno = first_errno;
	return first_errno ? -1 : 0;
}

int cap_rm_rf_at(int dirfd, const char *name)
{
	struct stat parent;
	if (fstat(dirfd, &parent) < 0)
		return -1;
	return rm_tree(dirfd, name, parent.st_dev);
}

int cap_rm_rf(const char *path, struct cap_error **err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : cap_fail(err, errno, "stat %s", path);
	/* the path itself may be a mount point the caller owns; nothing below it may */
	if (rm_tree(AT_FDCWD, path, st.st_dev) < 0)
		return cap_fail(err, errno, "remove %s", path);
	return 0;
}

ssize_t cap_write_all(int fd, const void *buf, size_t len)
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

/* No fsync: state and container records are written on every create, where it would cost
 * milliseconds; callers that need durability (image import) sync once before they commit. */
int cap_write_file_atomic(int dirfd, const char *name, const char *data, size_t len, mode_t mode,
			  struct cap_error **err)
{
	char tmp[4096];
	/* the pid keeps two writers (lock-free store records) off each other's temp file */
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", name, (int)getpid());
	cleanup_close int fd =
	    openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return cap_fail(err, errno, "create %s", tmp);
	if (cap_write_all(fd, data, len) < 0) {
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

int cap_write_path_atomic(const char *path, const char *data, size_t len, mode_t mode,
			  struct cap_error **err)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return cap_write_file_atomic(AT_FDCWD, path, data, len, mode, err);
	cleanup_free char *dir =
	    slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	if (!dir)
		return cap_fail(err, ENOMEM, "write %s", path);
	cleanup_close int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cap_fail(err, errno, "open %s", dir);
	return cap_write_file_atomic(dfd, slash + 1, data, len, mode, err);
}

char *cap_read_fd(int fd, size_t max, size_t *len, const char *name, struct cap_error **err)
{
	size_t cap = 4096, used = 0;
	struct stat st;
	if (fstat(fd, &st) == 0 && st.st_size > 0 && (size_t)st.st_size < max)
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
		if (used > max) {
			cap_fail(err, EFBIG, "read %s: more than %zu bytes", name, max);
			return NULL;
		}
	}
	buf[used] = 0;
	if (len)
		*len = used;
	return steal_pointer(&buf);
}

char *cap_read_file_at(int dirfd, const char *name, size_t *len, struct cap_error **err)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cap_fail(err, errno, "open %s", name);
		return NULL;
	}
	return cap_read_fd(fd, SIZE_MAX / 4, len, name, err);
}

int cap_write_file_str(const char *path, const char *s, struct cap_error **err)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return cap_fail(err, errno, "open %s", path);
	if (cap_write_all(fd, s, strlen(s)) < 0)
		return cap_fail(err, errno, "write %s", path);
	return 0;
}

char *cap_strdupf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

static bool is_executable_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

char *cap_path_search(const char *name, const char *path)
{
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	while (*path) {
		const char *colon = strchrnul(path, ':');
		int dlen = (int)(colon - path);
		char *cand =
		    dlen ? cap_strdupf("%.*s/%s", dlen, path, name) : cap_strdupf("./%s", name);
		if (!cand)
			return NULL;
		if (is_executable_file(cand))
			return cand;
		free(cand);
		path = *colon ? colon + 1 : colon;
	}
	return NULL;
}

char *cap_find_program(const char *name)
{
	if (strchr(name, '/'))
		return strdup(name);
	const char *path = getenv("PATH");
	return cap_path_search(name, path && *path ? path : NULL);
}
