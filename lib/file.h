/* File helpers for every module: directories, recursive removal, whole-file reads,
 * atomic writes. */
#ifndef CAPSULE_LIB_FILE_H
#define CAPSULE_LIB_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

int cap_mkdir_p(const char *path, mode_t mode, struct cap_error **err);
/* Remove a tree without following symlinks and without crossing mount points (EXDEV);
 * a missing one is success.  cap_rm_rf_at sets errno and also refuses dirfd/name itself
 * when it is a mount point; cap_rm_rf allows path itself to be one. */
int cap_rm_rf(const char *path, struct cap_error **err);
int cap_rm_rf_at(int dirfd, const char *name);
/* Write via a temp file + rename in dirfd, so readers never see half a file. */
int cap_write_file_atomic(int dirfd, const char *name, const char *data, size_t len, mode_t mode,
			  struct cap_error **err);
/* The same for a path: the temp file goes next to it. */
int cap_write_path_atomic(const char *path, const char *data, size_t len, mode_t mode,
			  struct cap_error **err);
/* Whole file, NUL-terminated; *len (may be NULL) excludes the NUL.  NULL + *err on
 * failure.  cap_read_fd reads at most max bytes (EFBIG beyond), naming `name` in errors. */
char *cap_read_fd(int fd, size_t max, size_t *len, const char *name, struct cap_error **err);
char *cap_read_file_at(int dirfd, const char *name, size_t *len, struct cap_error **err);
/* write(2) all of buf to path (O_WRONLY, no create): for /proc and cgroup files. */
int cap_write_file_str(const char *path, const char *s, struct cap_error **err);
ssize_t cap_write_all(int fd, const void *buf, size_t len);
/* asprintf into a new string; NULL when out of memory. */
char *cap_strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The first executable regular file `name` in the colon-separated `path` (NULL: the
 * usual default list), a leading or inner empty entry meaning "." as in execvp.  NULL:
 * none found. */
char *cap_path_search(const char *name, const char *path);
/* `name` as execvp would find it: itself when it has a '/', else cap_path_search in
 * $PATH (the default list when unset or empty).  NULL: none. */
char *cap_find_program(const char *name);

#endif
