/* After pivot_root, inside the container's root: rootfsPropagation, the
 * deferred read-only remounts (tmpfs, /dev, root.readonly), readonlyPaths
 * and maskedPaths, in runc's order. */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "../oci/mount_options.h"
#include "mounts.h"
#include "mounts_internal.h"
#include "pathres.h"

static bool has_option(const struct spec_mount *m, const char *opt)
{
	for (size_t i = 0; i < m->n_options; i++)
		if (strcmp(m->options[i], opt) == 0)
			return true;
	return false;
}

/* tmpfs and /dev mounts were mounted writable (see mount_fs); make the ones
 * that asked for "ro" read-only now. */
static int remount_deferred_ro(const struct spec *s, int rootfd, struct cap_error **err)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *m = &s->mounts[i];
		if (!m->destination || !has_option(m, "ro"))
			continue;
		bool tmpfs = m->type && strcmp(m->type, "tmpfs") == 0;
		if (!tmpfs && !mounts_is_dev(m->destination))
			continue;
		struct mount_opts o;
		if (oci_mount_options_parse(m->type, m->options, m->n_options, &o, err) < 0)
			return cap_wrap(err, "mounts[%zu] (%s)", i, m->destination);
		if (!(o.flags & MS_RDONLY))
			continue; /* "ro" then "rw" */
		cleanup_close int fd = pathres_open(rootfd, m->destination, 0, err);
		if (fd < 0)
			return cap_wrap(err, "mounts[%zu]", i);
		unsigned long flags = (o.flags & ~MS_REC) | MS_REMOUNT | MS_RDONLY;
		if (mounts_mount_fd(NULL, fd, NULL, flags, NULL) < 0)
			return cap_fail(err, errno, "mounts[%zu] (%s): remount read-only", i,
					m->destination);
	}
	return 0;
}

/* root.readonly, as runc's setReadonly: on refusal, keep the locked flags. */
static int remount_root_ro(struct cap_error **err)
{
	unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
	if (mount(NULL, "/", NULL, flags, NULL) == 0)
		return 0;
	int e = errno;
	struct statfs st;
	if (statfs("/", &st) < 0)
		return cap_fail(err, e, "remount / read-only");
	flags |= mounts_statfs_flags((unsigned long)st.f_flags);
	if (mount(NULL, "/", NULL, flags, NULL) < 0)
		return cap_fail(err, errno, "remount / read-only");
	return 0;
}

/* A recursive bind of the path onto itself, read-only at its top (runc's
 * readonlyPath).  Built detached with open_tree + mount_setattr, so the
 * other flags are kept without a statfs round trip. */
static int readonly_path(int rootfd, const char *path, struct cap_error **err)
{
	cleanup_close int fd = pathres_try_open(rootfd, path, 0);
	if (fd < 0)
		return errno == ENOENT ? 0
				       : cap_fail(err, errno, "readonlyPaths: resolve %s", path);
	cleanup_close int tree =
	    open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
	if (tree < 0)
		return cap_fail(err, errno, "readonlyPaths: bind %s", path);
	struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY};
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0)
		return cap_fail(err, errno, "readonlyPaths: make %s read-only", path);
	if (move_mount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return cap_fail(err, errno, "readonlyPaths: mount %s", path);
	return 0;
}

/* /dev/null over a file, an empty read-only tmpfs over a directory. */
static int mask_path(int rootfd, int *nullfd, const char *path, struct cap_error **err)
{
	cleanup_close int fd = pathres_try_open(rootfd, path, 0);
	if (fd < 0)
		return errno == ENOENT ? 0 : cap_fail(err, errno, "maskedPaths: resolve %s", path);
	if (*nullfd < 0) {
		*nullfd = open("/dev/null", O_PATH | O_CLOEXEC);
		if (*nullfd < 0)
			return cap_fail(err, errno, "maskedPaths: open /dev/null");
	}
	char src[PATHRES_FDPATH_LEN];
	pathres_fdpath(src, *nullfd);
	if (mounts_mount_fd(src, fd, NULL, MS_BIND, NULL) == 0)
		return 0;
	if (errno != ENOTDIR)
		return cap_fail(err, errno, "maskedPaths: bind /dev/null to %s", path);
	if (mounts_mount_fd("tmpfs", fd, "tmpfs", MS_RDONLY, NULL) < 0)
		return cap_fail(err, errno, "maskedPaths: mount tmpfs to %s", path);
	return 0;
}

int mounts_finalize(const struct mounts_context *ctx, struct cap_error **err)
{
	const struct spec *s = ctx->spec;
	const struct spec_linux *l = &s->linux_;
	/* MS_PRIVATE was already in force since mounts_prepare_rootfs. */
	unsigned long prop = l->rootfs_propagation;
	if (prop && !(prop & MS_PRIVATE) && mount(NULL, "/", NULL, prop, NULL) < 0)
		return cap_fail(err, errno, "set rootfsPropagation of /");
	cleanup_close int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return cap_fail(err, errno, "open /");
	if (remount_deferred_ro(s, rootfd, err) < 0)
		return -1;
	if (s->root_readonly && remount_root_ro(err) < 0)
		return -1;
	for (size_t i = 0; i < l->n_readonly_paths; i++)
		if (readonly_path(rootfd, l->readonly_paths[i], err) < 0)
			return -1;
	cleanup_close int nullfd = -1;
	for (size_t i = 0; i < l->n_masked_paths; i++)
		if (mask_path(rootfd, &nullfd, l->masked_paths[i], err) < 0)
			return -1;
	return 0;
}
