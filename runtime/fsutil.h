/* Small file helpers shared by the runtime (state, cgroups files, pid files). */
#ifndef CAPSULE_FSUTIL_H
#define CAPSULE_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

int mkdir_p(const char *path, mode_t mode, struct cap_error **err);
/* Remove a tree without following symlinks and without crossing mount points. */
int rm_rf(const char *path, struct cap_error **err);
/* Write via a temp file + rename in dirfd, so readers never see half a file. */
int write_file_atomic(int dirfd, const char *name, const char *data, size_t len, mode_t mode,
		      struct cap_error **err);
/* Whole file, NUL-terminated; *len excludes the NUL.  NULL + *err on failure. */
char *read_file_at(int dirfd, const char *name, size_t *len, struct cap_error **err);
/* write(2) all of buf to path (O_WRONLY, no create): for /proc and cgroup files. */
int write_file_str(const char *path, const char *s, struct cap_error **err);
ssize_t write_all(int fd, const void *buf, size_t len);

#endif
