/* runtime/mounts.c: the container's filesystem view, built in the child.
 *
 * Call order in the child (already in its new mount namespace):
 *   mounts_prepare_rootfs()  before pivot_root, host paths still visible
 *   (createContainer hooks run here)
 *   mounts_pivot()
 *   mounts_finalize()        after pivot_root, inside the container's root
 * Every mount target is resolved inside the rootfs (openat2 RESOLVE_IN_ROOT)
 * and mounted through an O_PATH fd, so a symlink in the rootfs can never
 * redirect a mount onto the host. */
#ifndef CAPSULE_MOUNTS_H
#define CAPSULE_MOUNTS_H

#include <stdbool.h>

#include "error.h"
#include "spec.h"

struct mounts_context {
	const struct spec *spec;
	const char *rootfs;   /* absolute host path of the rootfs (already realpath'd) */
	bool in_userns;	      /* new user namespace: bind devices instead of mknod */
	bool new_cgroupns;    /* cgroup mounts show the namespace's view */
	const char *cgroup_path; /* container cgroup (abs fs path) or NULL, for cgroup2 mounts
				    without a cgroup namespace */
};

/* Make the mount tree private/slave, bind the rootfs onto itself, perform
 * spec.mounts in order, populate /dev (default devices, symlinks, linux.devices). */
int mounts_prepare_rootfs(const struct mounts_context *ctx, struct cap_error **err);
/* pivot_root into the rootfs (or MS_MOVE + chroot when no_pivot). */
int mounts_pivot(const struct mounts_context *ctx, bool no_pivot, struct cap_error **err);
/* Inside the new root: rootfsPropagation, maskedPaths, readonlyPaths, and a
 * read-only remount of / when root.readonly. */
int mounts_finalize(const struct mounts_context *ctx, struct cap_error **err);

#endif
