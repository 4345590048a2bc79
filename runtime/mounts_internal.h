/* Helpers shared by runtime/mounts*.c; not part of the public mounts.h API. */
#ifndef CAPSULE_MOUNTS_INTERNAL_H
#define CAPSULE_MOUNTS_INTERNAL_H

#include <stdbool.h>

#include "../lib/error.h"
#include "../oci/mount_options.h"
#include "mounts.h"

/* "idmap"/"ridmap" or per-mount uidMappings/gidMappings (mounts_idmap.c). */
bool mounts_wants_idmap(const struct spec_mount *m, const struct mount_opts *o);
/* A mount destination that names /dev ("/dev", "//dev/", "dev"). */
bool mounts_is_dev(const char *dest);
/* runc's needsSetupDev: default devices are created unless /dev is a bind mount. */
bool mounts_needs_dev(const struct spec *s);
/* Default device nodes, symlinks, /dev/ptmx and linux.devices, inside rootfd. */
int mounts_setup_dev(const struct mounts_context *ctx, int rootfd, struct cap_error **err);
/* Copy the tree under src (a directory, any fd kind) into dst (the new tmpfs),
 * keeping modes and owners. */
int mounts_copyup(int src, int dst, struct cap_error **err);
/* mount(2) onto "/proc/self/fd/<fd>"; returns -1 with errno. */
int mounts_mount_fd(const char *source, int fd, const char *type, unsigned long flags,
		    const char *data);
/* statfs f_flags (ST_*) as MS_* flags: RDONLY, NOSUID, NODEV, NOEXEC and the
 * atime ones.  Used to keep locked flags (a user namespace may not clear what
 * the mount's owner set) when remounting. */
unsigned long mounts_statfs_flags(unsigned long st_flags);
/* --no-pivot: hide the host's procfs and sysfs mounts, MS_MOVE rootfs onto
 * / and chroot into it (runc's msMoveRoot; mounts_nopivot.c). */
int mounts_move_root(const char *rootfs, struct cap_error **err);

#endif
