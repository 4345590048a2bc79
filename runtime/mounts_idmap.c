/* Idmapped bind mounts ("idmap"/"ridmap", per-mount uidMappings/gidMappings),
 * built in the parent before clone3, as crun does; and, in a container with a
 * user namespace, every bind source (see host_bind_tree).
 *
 * Why the parent: writing a user namespace's maps with host ids, and
 * mount_setattr(MOUNT_ATTR_IDMAP), both need privilege over the initial user
 * namespace, which the container init no longer has once it is in its own
 * user namespace.  So the parent clones each source into a detached tree
 * (open_tree OPEN_TREE_CLONE), idmaps it, and keeps the tree fd; the child
 * inherits the fd (clone3 copies the fd table) and only move_mount()s it onto
 * the target resolved inside the rootfs (mounts.c). */
#include "mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "../lib/userns.h"
#include "../oci/mount_options.h"
#include "mounts_internal.h"

bool mounts_wants_idmap(const struct spec_mount *m, const struct mount_opts *o)
{
	return o->idmap || o->ridmap || m->n_uid_mappings || m->n_gid_mappings;
}

bool mounts_idmap_supported(void)
{
	/* A kernel that knows MOUNT_ATTR_IDMAP looks the userns fd up and
	 * fails with EBADF; without mount_setattr: ENOSYS; an unknown
	 * attribute: EINVAL; a seccomp filter: EPERM or ENOSYS. */
	struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = INT_MAX};
	return mount_setattr(-1, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0 && errno == EBADF;
}

bool mounts_recursive_supported(void)
{
	/* Same probe: EBADF from a kernel with mount_setattr, ENOSYS without. */
	struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY};
	return mount_setattr(-1, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0 && errno == EBADF;
}

/* The mount's own mappings, or the container's for a plain "idmap". */
static int mount_userns(const struct spec_mount *m, const struct spec *s, struct cap_error **err)
{
	const struct cap_id_mapping *u = m->uid_mappings, *g = m->gid_mappings;
	size_t nu = m->n_uid_mappings, ng = m->n_gid_mappings;
	if (!nu && !ng) {
		u = s->linux_.uid_mappings, nu = s->linux_.n_uid_mappings;
		g = s->linux_.gid_mappings, ng = s->linux_.n_gid_mappings;
	}
	if (!nu || !ng)
		return cap_fail(err, EINVAL, "idmapped mount needs uidMappings and gidMappings");
	int fd = cap_userns_fd(u, nu, g, ng, err);
	if (fd < 0)
		cap_wrap(err, "idmap");
	return fd;
}

/* The detached, idmapped copy of one mount's source. */
static int idmapped_tree(int bundlefd, const struct spec_mount *m, const struct mount_opts *o,
			 const struct spec *s, struct cap_error **err)
{
	if (!(o->flags & MS_BIND))
		return cap_fail(err, EINVAL, "idmapped mounts are only supported for bind mounts");
	if (!m->source)
		return cap_fail(err, EINVAL, "bind mount without a source");
	unsigned tflags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;
	if (o->flags & MS_REC)
		tflags |= AT_RECURSIVE;
	/* A relative source is relative to the bundle (the child chdirs there). */
	cleanup_close int tree = open_tree(bundlefd, m->source, tflags);
	if (tree < 0)
		return cap_fail(err, errno, "open_tree source %s", m->source);
	cleanup_close int ns = mount_userns(m, s, err);
	if (ns < 0)
		return -1;
	struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)ns};
	if (mount_setattr(tree, "", AT_EMPTY_PATH | (o->ridmap ? AT_RECURSIVE : 0), &a, sizeof(a)) <
	    0)
		return cap_fail(err, errno,
				"idmapped mount of %s: the kernel or the filesystem refused "
				"MOUNT_ATTR_IDMAP",
				m->source);
	return steal_fd(&tree);
}

/* A bind source of a container with a user namespace, cloned here with the
 * runtime's ids, for the child to use where its own ids may not look the
 * path up (runc opens such sources in the host's user namespace too).  -1
 * when that fails (rootless: no CAP_SYS_ADMIN here; a missing source): the
 * child opens the source itself and reports any error in context. */
static int host_bind_tree(int bundlefd, const struct spec_mount *m, const struct mount_opts *o)
{
	unsigned tflags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;
	if (o->flags & MS_REC)
		tflags |= AT_RECURSIVE;
	return open_tree(bundlefd, m->source, tflags);
}

void mounts_idmap_free(int *trees, size_t n)
{
	for (size_t i = 0; trees && i < n; i++)
		if (trees[i] >= 0)
			close(trees[i]);
	free(trees);
}

int mounts_idmap_prepare(const struct spec *s, const char *bundle, int **trees, size_t *n,
			 struct cap_error **err)
{
	*trees = NULL;
	*n = 0;
	cleanup_free struct mount_opts *o = malloc(sizeof(*o));
	if (!o)
		return cap_fail(err, ENOMEM, "idmap");
	cleanup_close int bundlefd = -1;
	int *t = NULL;
	bool userns = spec_find_namespace(s, CLONE_NEWUSER) != NULL;
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *m = &s->mounts[i];
		/* Bad options are reported by the child, in context. */
		struct cap_error *ignored = NULL;
		if (oci_mount_options_parse(m->type, m->options, m->n_options, o, &ignored) < 0) {
			cap_error_free(ignored);
			continue;
		}
		bool idmap = mounts_wants_idmap(m, o);
		if (!idmap && !(userns && (o->flags & MS_BIND) && m->source))
			continue;
		if (!t) {
			t = malloc(s->n_mounts * sizeof(*t));
			if (!t)
				return cap_fail(err, ENOMEM, "idmap");
			for (size_t k = 0; k < s->n_mounts; k++)
				t[k] = -1;
			*trees = t;
			*n = s->n_mounts;
			bundlefd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (bundlefd < 0)
				return cap_fail(err, errno, "open bundle %s", bundle);
		}
		if (!idmap) {
			t[i] = host_bind_tree(bundlefd, m, o);
			continue;
		}
		t[i] = idmapped_tree(bundlefd, m, o, s, err);
		if (t[i] < 0)
			return cap_wrap(err, "mounts[%zu] (%s)", i,
					m->destination ? m->destination : "");
	}
	return 0;
}
