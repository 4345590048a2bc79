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
#include <stddef.h>

#include "../lib/error.h"
#include "../oci/spec.h"

struct mounts_context {
	const struct spec *spec;
	const char *rootfs;	 /* absolute host path of the rootfs (already realpath'd) */
	bool in_userns;		 /* new user namespace: bind devices instead of mknod */
	bool new_cgroupns;	 /* cgroup mounts show the namespace's view */
	const char *cgroup_path; /* container cgroup (abs fs path) or NULL, for cgroup2 mounts
				    without a cgroup namespace */
	const int *idmap_trees;	 /* per spec.mounts index: idmapped tree from the parent, or -1 */
	size_t n_idmap_trees;	 /* 0 when no mount is idmapped */
};

/* Parent side, before clone3: for each spec mount that is idmapped, a
 * detached idmapped copy of its source (open_tree + mount_setattr), CLOEXEC;
 * with a user namespace, a detached copy of every other bind source too
 * (-1 where that failed: the child opens those itself).
 * *trees (NULL when none) is indexed like spec.mounts, -1 where unused; it is
 * set even on failure, for mounts_idmap_free. */
int mounts_idmap_prepare(const struct spec *s, const char *bundle, int **trees, size_t *n,
			 struct cap_error **err);
void mounts_idmap_free(int *trees, size_t n);
/* The kernel has mount_setattr(MOUNT_ATTR_IDMAP) (for `features`). */
bool mounts_idmap_supported(void);
/* mount_setattr(2) exists: the recursive options (rro, rnosuid, ...) work. */
bool mounts_recursive_supported(void);

/* Make the mount tree private/slave, bind the rootfs onto itself, perform
 * spec.mounts in order, populate /dev (default devices, symlinks, linux.devices). */
int mounts_prepare_rootfs(const struct mounts_context *ctx, struct cap_error **err);
/* pivot_root into the rootfs (or MS_MOVE + chroot when no_pivot). */
int mounts_pivot(const struct mounts_context *ctx, bool no_pivot, struct cap_error **err);
/* Inside the new root: rootfsPropagation, maskedPaths, readonlyPaths, and a
 * read-only remount of / when root.readonly. */
int mounts_finalize(const struct mounts_context *ctx, struct cap_error **err);

#endif
