/* overlay/: a content-addressed layer store and overlayfs root filesystems.
 *
 * Store layout (default /var/lib/capsule, every path below is relative to it):
 *   lock                         flock: shared for import/prepare, exclusive for rm/gc
 *   layers/sha256/<diff_id>/     one unpacked layer (OCI whiteouts already converted to
 *                                overlay whiteouts: 0:0 char devices, opaque dirs marked with
 *                                both trusted.overlay.opaque=y and user.overlay.opaque=y so the
 *                                same layer works with and without `userxattr`)
 *   images/sha256/<manifest>/    manifest.json, config.json (the verified blobs, byte for byte)
 *   refs/<escaped name>          "sha256:<manifest hex>\n" (names from index.json ref.name)
 *   containers/<id>/             record, upper/, work/, rootfs/ (mount point)
 *   tmp/                         unpack area, same filesystem, so commits are rename(2)s
 *
 * containers/<id>/record is written by overlay_prepare and read by gc; text, one key=value a
 * line, unknown keys ignored:
 *   image=sha256:<manifest hex>
 *   layer=sha256:<diff_id hex>      one line per layer, bottom layer first
 *   keep_upper=0|1  ephemeral=0|1  userns=0|1
 * A layer named by any image or any record is kept by gc. */
#ifndef CAPSULE_OVERLAY_H
#define CAPSULE_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../lib/error.h"
#include "../oci/spec.h"

#define OVERLAY_DEFAULT_STORE	 "/var/lib/capsule"
#define OVERLAY_ANNOT_IMAGE	 "org.capsule.image"
#define OVERLAY_ANNOT_KEEP_UPPER "org.capsule.keep-upper"
#define OVERLAY_ANNOT_EPHEMERAL	 "org.capsule.ephemeral"

struct overlay_flags {
	bool userns;	 /* container has a user namespace: mount with `userxattr` */
	bool ephemeral;	 /* mount with `volatile` (no fsync of the upper dir), even when the
			    upper dir is kept; a discarded upper dir is always volatile */
	bool keep_upper; /* overlay_cleanup keeps upper/ (and the record) for inspection */
	uid_t owner_uid; /* host uid/gid of the container's root (userns): upper/ and work/ */
	gid_t owner_gid; /* are chowned to it; 0 without a user namespace */
	/* The container's uid/gid mappings (userns).  When given and we are host root, prepare
	 * makes idmapped (detached) mounts of the lower layers, so root-owned layer files show
	 * as the container's root instead of nobody, without chowned copies. */
	const struct cap_id_mapping *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
};

struct overlay_plan; /* opaque; built in the parent, used read-only in the child */

/* --- store: import and queries --- */

/* Import an OCI image layout (directory or tar archive) into the store.  Every blob is
 * verified (digest, size, diff_id) before anything is committed; on any failure nothing new
 * is left in the store.  *out_digest (optional) gets "sha256:<manifest hex>" of the first
 * manifest imported. */
int overlay_import(const char *store, const char *layout_path, char **out_digest,
		   struct cap_error **err);

struct overlay_image_info {
	char *digest;	     /* sha256:<manifest hex> */
	char *config_digest; /* sha256:<config hex> */
	char **names;	     /* NULL-terminated ref names pointing at it */
	size_t n_layers;
	long long size; /* sum of the compressed layer sizes from the manifest */
};
int overlay_image_list(const char *store, struct overlay_image_info **out, size_t *n,
		       struct cap_error **err);
void overlay_image_info_free(struct overlay_image_info *v, size_t n);

/* REF: "sha256:<hex>" of a manifest or a config, or a name.  Writes "sha256:<manifest hex>". */
int overlay_resolve(const char *store, const char *ref, char **manifest_digest,
		    struct cap_error **err);
/* Re-check REF as import did: manifest.json and config.json hash to their digests and every
 * layer is present (ovl_verify.c). */
int overlay_image_verify(const char *store, const char *ref, struct cap_error **err);
/* JSON {"digest","names","manifest","config","layers":[{"diff_id","path"}]}, malloc'd. */
int overlay_inspect(const char *store, const char *ref, char **json, struct cap_error **err);
/* Drop the image and its names (layers stay until gc). */
int overlay_image_rm(const char *store, const char *ref, struct cap_error **err);
/* Remove layers no image or container record names, and stale tmp/ entries.
 * *removed (optional) gets how many layers went. */
int overlay_gc(const char *store, size_t *removed, struct cap_error **err);

/* --- containers --- */

/* Read org.capsule.image / keep-upper / ephemeral from a parsed spec.  Returns 1 when the
 * spec names an image (*ref points into s), 0 when not.  userns and owner_uid/gid are set
 * from linux.namespaces and the uid/gid mappings of container id 0. */
int overlay_spec_image(const struct spec *s, const char **ref, struct overlay_flags *f);

/* Parent side: check the image, create containers/<id>/{upper,work,rootfs} and the record,
 * and compute the mount.  Fails with EEXIST if the container already has a record.
 * With userns + mappings, the plan holds O_CLOEXEC fds of idmapped layer mounts: call it
 * before cloning the child (the child inherits them) and free the plan in the parent after. */
int overlay_prepare(const char *store, const char *image_ref, const char *container_id,
		    const struct overlay_flags *f, struct overlay_plan **out,
		    struct cap_error **err);
/* Child side, in the container's mount namespace: mount overlay onto overlay_rootfs(p).
 * fsopen/fsconfig("lowerdir+")/fsmount/move_mount; mount(2) with relative lowerdirs if the
 * kernel lacks them. */
int overlay_mount(const struct overlay_plan *p, struct cap_error **err);
const char *overlay_rootfs(const struct overlay_plan *p);
/* "lowerdir=<top>:...:<bottom>,upperdir=...,workdir=...[,userxattr][,volatile]" (for logs). */
const char *overlay_mount_data(const struct overlay_plan *p);
void overlay_plan_free(struct overlay_plan *p);

/* Delete side: detach-unmount rootfs (if still mounted in this namespace) and idmapped
 * layers, and remove containers/<id>, or only work/ and the mount points when keep_upper
 * was recorded.
 * Succeeds when nothing exists. */
int overlay_cleanup(const char *store, const char *container_id, struct cap_error **err);
/* `image try`: run cmd chrooted into an overlay of ref as container `id` (prepare, mount in
 * private namespaces, chroot, exec, cleanup), without the runtime: a debugging aid.
 * *status: the command's wait status. */
int overlay_try(const char *store, const char *ref, const char *id, const struct overlay_flags *f,
		char *const *cmd, int *status, struct cap_error **err);

/* Remove everything of containers/<id>, a kept upper dir included (`image rm-container`). */
int overlay_container_rm(const char *store, const char *container_id, struct cap_error **err);

/* Write BUNDLE/config.json (oci/'s default spec, seccomp_json as linux.seccomp (NULL:
 * none), + the image config's entrypoint/cmd, env, workdir, user) with annotation
 * org.capsule.image=sha256:<manifest>, and an empty BUNDLE/rootfs.  args (optional,
 * NULL-terminated) replaces the image's cmd, as `docker run IMAGE ARGS...` does; terminal sets
 * process.terminal (the caller knows if stdin is a tty).  Refuses (EEXIST) to overwrite an existing
 * config.json. */
int overlay_bundle_from_image(const char *store, const char *ref, const char *bundle_dir,
			      char *const *args, bool terminal, const char *seccomp_json,
			      struct cap_error **err);

#endif
