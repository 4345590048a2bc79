/* Safe path resolution inside a root directory (the container's rootfs).
 *
 * Every lookup is openat2(rootfd, path, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS):
 * ".." and absolute symlinks are clamped at rootfd, so neither "/../../etc" nor a
 * symlink swapped in during setup can reach outside the root.  All functions
 * return O_PATH|O_CLOEXEC fds (or -1 with *err set) meant for
 * "/proc/self/fd/N" mounts, *at() calls, fstat and move_mount. */
#ifndef CAPSULE_PATHRES_H
#define CAPSULE_PATHRES_H

#include <sys/types.h>

#include "../lib/error.h"

/* Open path inside root.  extra_flags may add O_DIRECTORY or O_NOFOLLOW.
 * On failure returns -1 with errno preserved (so ENOENT can be ignored)
 * and *err set to "resolve PATH: ...". */
int pathres_open(int rootfd, const char *path, int extra_flags, struct cap_error **err);
/* Like pathres_open, but sets no error: returns -1 with errno. */
int pathres_try_open(int rootfd, const char *path, int extra_flags);
/* "mkdir -p" inside root; returns an O_PATH fd of the final directory.  An
 * existing final component of any type is returned as is (mounting onto it
 * decides whether that works). */
int pathres_mkdir_p(int rootfd, const char *path, mode_t mode, struct cap_error **err);
/* Make sure path exists (parents with mkdir -p 0755, the last component as
 * an empty regular file of `mode` when missing); returns its O_PATH fd. */
int pathres_create_file(int rootfd, const char *path, mode_t mode, struct cap_error **err);
/* Resolve the parent directory of path (creating it) and copy the last
 * component into base (size basesz).  For mknod/symlink/unlink at a path. */
int pathres_parent(int rootfd, const char *path, char *base, size_t basesz, struct cap_error **err);

/* "/proc/self/fd/N": how mount(2) is pointed at an fd. */
#define PATHRES_FDPATH_LEN 32
void pathres_fdpath(char buf[PATHRES_FDPATH_LEN], int fd);

#endif
