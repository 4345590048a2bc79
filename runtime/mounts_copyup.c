/* tmpcopyup: copy what the directory held before a tmpfs covered it into the
 * tmpfs.  The source is reached through the fd taken before mounting, which
 * still names the covered directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "mounts_internal.h"

#define COPYUP_MAX_DEPTH 64

static int copy_dir(int src, int dst, int depth, struct cap_error **err);

static int copy_file(int src, int dst, const char *name, const struct stat *st,
		     struct cap_error **err)
{
	cleanup_close int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return cap_fail(err, errno, "open %s", name);
	cleanup_close int out =
	    openat(dst, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return cap_fail(err, errno, "create %s", name);
	for (off_t left = st->st_size; left > 0;) {
		ssize_t n = sendfile(out, in, NULL, (size_t)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cap_fail(err, errno, "copy %s", name);
		if (n == 0)
			break; /* the file shrank */
		left -= n;
	}
	return 0;
}

static int copy_entry(int src, int dst, const char *name, int depth, struct cap_error **err)
{
	struct stat st;
	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return cap_fail(err, errno, "stat %s", name);
	if (S_ISDIR(st.st_mode)) {
		if (mkdirat(dst, name, 0700) < 0 && errno != EEXIST)
			return cap_fail(err, errno, "mkdir %s", name);
		cleanup_close int s =
		    openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		cleanup_close int d =
		    openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0 || d < 0)
			return cap_fail(err, errno, "open %s", name);
		if (copy_dir(s, d, depth + 1, err) < 0)
			return cap_wrap(err, "%s", name);
	} else if (S_ISREG(st.st_mode)) {
		if (copy_file(src, dst, name, &st, err) < 0)
			return -1;
	} else if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);
		if (n < 0)
			return cap_fail(err, errno, "readlink %s", name);
		target[n] = '\0';
		if (symlinkat(target, dst, name) < 0)
			return cap_fail(err, errno, "symlink %s", name);
	} else if (mknodat(dst, name, st.st_mode, st.st_rdev) < 0) {
		return cap_fail(err, errno, "mknod %s", name);
	}
	if (fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return cap_fail(err, errno, "chown %s", name);
	if (!S_ISLNK(st.st_mode) && fchmodat(dst, name, st.st_mode & 07777, 0) < 0)
		return cap_fail(err, errno, "chmod %s", name);
	return 0;
}

static int copy_dir(int src, int dst, int depth, struct cap_error **err)
{
	if (depth > COPYUP_MAX_DEPTH)
		return cap_fail(err, ELOOP, "directory tree deeper than %d", COPYUP_MAX_DEPTH);
	int dup_fd = fcntl(src, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0)
		return cap_fail(err, errno, "dup");
	cleanup_dir DIR *dir = fdopendir(dup_fd);
	if (!dir) {
		close(dup_fd);
		return cap_fail(err, errno, "opendir");
	}
	struct dirent *de;
	while ((errno = 0, de = readdir(dir))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (copy_entry(src, dst, de->d_name, depth, err) < 0)
			return -1;
	}
	if (errno)
		return cap_fail(err, errno, "readdir");
	return 0;
}

int mounts_copyup(int src, int dst, struct cap_error **err)
{
	/* Reopening "." through an O_PATH fd stays on the same (covered)
	 * directory; it does not cross into the mount on top of it. */
	cleanup_close int s = openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s < 0)
		return cap_fail(err, errno, "open the covered directory");
	cleanup_close int d = openat(dst, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d < 0)
		return cap_fail(err, errno, "open the new tmpfs");
	struct stat st;
	/* runc gives the tmpfs root the mode of the directory it covers. */
	if (fstat(s, &st) == 0 && fchmod(d, st.st_mode & 07777) < 0)
		return cap_fail(err, errno, "chmod the new tmpfs");
	return copy_dir(s, d, 0, err);
}
