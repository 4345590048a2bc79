/* Idmapped lower layers for containers with a user namespace.  Layers are unpacked once,
 * owned by host ids; a container whose root is host uid 100000 would see them as nobody and
 * could not copy them up.  An idmapped mount of each layer (mapped through a user namespace
 * with the container's mappings) shows them with the container's ids, with no chowned copy.
 * Creating idmapped mounts needs CAP_SYS_ADMIN in the initial namespace, so this runs in the
 * parent, before the container exists: the mappings are put on a throwaway user namespace
 * (as crun and runc do), and the detached mounts' fds travel to the child through clone. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "../lib/cleanup.h"
#include "../lib/userns.h"
#include "internal.h"
#include "overlay.h"

/* A user namespace fd carrying the container's mappings. */
static int mapped_userns(const struct overlay_flags *f, struct cap_error **err)
{
	return cap_userns_fd(f->uid_mappings, f->n_uid_mappings, f->gid_mappings, f->n_gid_mappings,
			     err);
}

/* Attach one idmapped clone of layers_dir/hex at dir/hex. */
static int attach_layer(const char *src, const char *dest, int nsfd, struct cap_error **err)
{
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_RDONLY,
				  .userns_fd = (unsigned long long)nsfd};
	cleanup_close int fd = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0)
		return cap_fail(err, errno, "open_tree %s", src);
	if (mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return cap_fail(err, errno,
				"idmapped mount of layer %s (kernel or filesystem without "
				"idmapped mounts?)",
				src);
	if (mkdir(dest, 0700) < 0 && errno != EEXIST)
		return cap_fail(err, errno, "mkdir %s", dest);
	if (move_mount(fd, "", AT_FDCWD, dest, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return cap_fail(err, errno, "attach idmapped layer at %s", dest);
	return 0;
}

/* The idmapped layers are attached in the caller's mount namespace, under
 * containers/<id>/lower/<diff_id>, before the child is cloned: the child's new mount
 * namespace then holds its own copies (overlay inside a user namespace only takes layers
 * from the mounter's own mount namespace).  overlay_cleanup detaches them. */
int ovl_plan_idmap(struct overlay_plan *p, const struct overlay_flags *f, struct cap_error **err)
{
	/* Without host privileges (rootless) idmapped mounts are impossible: plain userxattr. */
	if (!f->userns || !f->n_uid_mappings || !f->n_gid_mappings || geteuid() != 0)
		return 0;
	cleanup_close int nsfd = mapped_userns(f, err);
	if (nsfd < 0)
		return -1;
	/* rootfs is <store>/containers/<id>/rootfs: its sibling "lower" holds the layers. */
	cleanup_free char *dir = strdup(p->rootfs);
	if (!dir)
		return cap_fail(err, ENOMEM, "idmap");
	strcpy(strrchr(dir, '/') + 1, "lower");
	if (mkdir(dir, 0711) < 0 && errno != EEXIST) /* the container's root looks up through it */
		return cap_fail(err, errno, "mkdir %s", dir);
	for (size_t i = 0; i < p->n_lowers; i++) {
		cleanup_free char *src = cap_strdupf("%s/%s", p->layers_dir, p->lowers[i]);
		cleanup_free char *dest = cap_strdupf("%s/%s", dir, p->lowers[i]);
		if (!src || !dest)
			return cap_fail(err, ENOMEM, "idmap");
		if (attach_layer(src, dest, nsfd, err) < 0)
			return -1;
	}
	char *data = NULL;
	free(p->layers_dir);
	p->layers_dir = steal_pointer(&dir);
	if (!(data = ovl_plan_data(p, false)))
		return cap_fail(err, ENOMEM, "idmap");
	free(p->data);
	p->data = data;
	return 0;
}
