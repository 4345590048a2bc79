/* Container mounts before pivot_root: root propagation, the rootfs bind, and
 * spec.mounts in order.  See mounts.h for the call order and pathres.h for how
 * targets are kept inside the rootfs. */
#include "mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "../oci/mount_options.h"
#include "mounts_internal.h"
#include "pathres.h"

/* One spec.mounts[] entry being performed. */
struct mnt_op {
	const struct mounts_context *ctx;
	const struct spec_mount *m;
	size_t index; /* in spec.mounts */
	int rootfd;
	struct mount_opts o;
};

int mounts_mount_fd(const char *source, int fd, const char *type, unsigned long flags,
		    const char *data)
{
	char p[PATHRES_FDPATH_LEN];
	pathres_fdpath(p, fd);
	return mount(source, p, type, flags, data);
}

bool mounts_is_dev(const char *dest)
{
	while (*dest == '/')
		dest++;
	if (strncmp(dest, "dev", 3) != 0)
		return false;
	for (dest += 3; *dest == '/'; dest++)
		;
	return *dest == '\0';
}

unsigned long mounts_statfs_flags(unsigned long st)
{
	unsigned long f = st & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC); /* same bits */
	if (st & ST_NOATIME)
		f |= MS_NOATIME;
	if (st & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (st & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

#define ATIME_FLAGS (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)

/* runc's remount of a bind with its own flags.  A bind in a user namespace
 * inherits locked flags; when the remount is refused, add the source's
 * locked flags and retry, unless the user explicitly asked to clear one. */
static int remount_bind(struct mnt_op *op, int fd, struct cap_error **err)
{
	unsigned long flags = (op->o.flags & ~MS_REC) | MS_BIND | MS_REMOUNT;
	if (mounts_mount_fd(NULL, fd, NULL, flags, NULL) == 0)
		return 0;
	int e = errno;
	struct statfs st;
	if (e != EPERM || fstatfs(fd, &st) < 0)
		return cap_fail(err, e, "remount %s", op->m->destination);
	unsigned long locked = mounts_statfs_flags((unsigned long)st.f_flags);
	if (locked & op->o.cleared & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC))
		return cap_fail(err, e, "remount %s: cannot clear a locked mount flag",
				op->m->destination);
	unsigned long add = locked & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
	if (!(flags & ATIME_FLAGS))
		add |= locked & (ATIME_FLAGS | MS_NODIRATIME);
	if ((flags | add) == flags || mounts_mount_fd(NULL, fd, NULL, flags | add, NULL) < 0)
		return cap_fail(err, e, "remount %s", op->m->destination);
	return 0;
}

/* What follows a mount: tmpcopyup, bind remount, propagation, recursive
 * attributes.  `newfd` is the mounted tree when known (open_tree paths),
 * else the destination is resolved again so the fd lands on the new mount
 * (the pre-mount fd still points at the covered directory). */
static int post_mount(struct mnt_op *op, int oldfd, int newfd, struct cap_error **err)
{
	const struct mount_opts *o = &op->o;
	bool bind = (o->flags & MS_BIND) != 0;
	bool remount = bind && (o->flags & ~(MS_BIND | MS_REC | MS_REMOUNT));
	if (!remount && !o->n_propagation && !o->attr_set && !o->attr_clr && !o->tmpcopyup)
		return 0;
	cleanup_close int reopened = -1;
	if (newfd < 0) {
		reopened = pathres_open(op->rootfd, op->m->destination, 0, err);
		if (reopened < 0)
			return -1;
		newfd = reopened;
	}
	if (o->tmpcopyup && mounts_copyup(oldfd, newfd, err) < 0)
		return cap_wrap(err, "tmpcopyup %s", op->m->destination);
	if (remount && remount_bind(op, newfd, err) < 0)
		return -1;
	for (size_t i = 0; i < o->n_propagation; i++)
		if (mounts_mount_fd(NULL, newfd, NULL, o->propagation[i], NULL) < 0)
			return cap_fail(err, errno, "set propagation of %s", op->m->destination);
	if (o->attr_set || o->attr_clr) {
		struct mount_attr a = {.attr_set = o->attr_set, .attr_clr = o->attr_clr};
		if (mount_setattr(newfd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0)
			return cap_fail(err, errno, "mount_setattr (recursive options) %s",
					op->m->destination);
	}
	return 0;
}

/* The tree the parent prepared for this mount (mounts_idmap.c), or -1.  The
 * child's copy of the parent's fd: the caller closes it. */
static int prepared_tree(const struct mnt_op *op)
{
	const struct mounts_context *ctx = op->ctx;
	return op->index < ctx->n_idmap_trees ? ctx->idmap_trees[op->index] : -1;
}

/* Attach a detached tree the parent prepared onto the destination. */
static int mount_tree(struct mnt_op *op, int tree, struct cap_error **err)
{
	const char *source = op->m->source, *dest = op->m->destination;
	struct stat st;
	if (fstat(tree, &st) < 0)
		return cap_fail(err, errno, "stat source %s", source);
	cleanup_close int dst = S_ISDIR(st.st_mode)
				    ? pathres_mkdir_p(op->rootfd, dest, 0755, err)
				    : pathres_create_file(op->rootfd, dest, 0644, err);
	if (dst < 0)
		return -1;
	if (move_mount(tree, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return cap_fail(err, errno, "move_mount %s to %s", source, dest);
	/* After move_mount the tree fd is the attached mount's root. */
	return post_mount(op, dst, tree, err);
}

/* Bind `source` (a host path) to the destination, creating the target as a
 * directory or a file like the source. */
static int mount_bind(struct mnt_op *op, const char *source, unsigned long flags,
		      struct cap_error **err)
{
	if (!source)
		return cap_fail(err, EINVAL, "bind mount without a source");
	/* In a user namespace the parent also cloned the source (mounts_idmap.c).
	 * Used only when our ids may not look the path up, as runc's mountFds:
	 * a bind made here, from our own (copied, locked) mount namespace, keeps
	 * the host's submounts locked; a tree moved in from outside does not. */
	cleanup_close int tree = prepared_tree(op);
	cleanup_close int src = open(source, O_PATH | O_CLOEXEC);
	if (src < 0 && (errno == EACCES || errno == EPERM) && tree >= 0)
		return mount_tree(op, tree, err);
	if (src < 0)
		return cap_fail(err, errno, "open source %s", source);
	struct stat st;
	if (fstat(src, &st) < 0)
		return cap_fail(err, errno, "stat source %s", source);
	const char *dest = op->m->destination;
	cleanup_close int dst = S_ISDIR(st.st_mode)
				    ? pathres_mkdir_p(op->rootfd, dest, 0755, err)
				    : pathres_create_file(op->rootfd, dest, 0644, err);
	if (dst < 0)
		return -1;
	char sp[PATHRES_FDPATH_LEN];
	pathres_fdpath(sp, src);
	if (mounts_mount_fd(sp, dst, NULL, flags & (MS_BIND | MS_REC), NULL) < 0)
		return cap_fail(err, errno, "bind %s to %s", source, dest);
	return post_mount(op, dst, -1, err);
}

/* mount(2) a new filesystem.  On a failure of mount(2) itself returns -1
 * with *mount_errno set and *err untouched, so callers can fall back. */
static int mount_fs(struct mnt_op *op, const char *type, int *mount_errno, struct cap_error **err)
{
	const char *dest = op->m->destination;
	cleanup_close int dst = pathres_mkdir_p(op->rootfd, dest, 0755, err);
	if (dst < 0)
		return -1;
	unsigned long flags = op->o.flags;
	/* Like runc: tmpfs and /dev stay writable until mounts_finalize, so
	 * copy-up and device creation can write to them. */
	if (strcmp(type, "tmpfs") == 0 || mounts_is_dev(dest))
		flags &= ~MS_RDONLY;
	const char *src = op->m->source ? op->m->source : type;
	if (mounts_mount_fd(src, dst, type, flags, op->o.data[0] ? op->o.data : NULL) < 0) {
		*mount_errno = errno;
		return -1;
	}
	return post_mount(op, dst, -1, err);
}

/* Remove "gid=N" from a mount data string in place. */
static bool drop_gid_option(char *data)
{
	char *p = data;
	while (p && *p) {
		char *next = strchr(p, ',');
		if (strncmp(p, "gid=", 4) == 0) {
			if (next)
				memmove(p, next + 1, strlen(next + 1) + 1);
			else
				*(p > data ? p - 1 : p) = 0;
			return true;
		}
		p = next ? next + 1 : NULL;
	}
	return false;
}

static int mount_fs_or_fail(struct mnt_op *op, const char *type, struct cap_error **err)
{
	int e = 0;
	if (mount_fs(op, type, &e, err) == 0)
		return 0;
	/* devpts "gid=5" fails with EINVAL when gid 5 is not mapped in the user
	 * namespace: retry without it, as runc does. */
	if (e == EINVAL && strcmp(type, "devpts") == 0 && op->ctx->in_userns &&
	    drop_gid_option(op->o.data) && mount_fs(op, type, &e, err) == 0)
		return 0;
	if (e)
		cap_fail(err, e, "mount %s to %s", type, op->m->destination);
	return -1;
}

/* sysfs and mqueue cannot be mounted in a user namespace that does not own
 * the net/ipc namespace: fall back to a recursive bind of the host's. */
static int mount_fs_or_bind(struct mnt_op *op, const char *type, const char *host,
			    struct cap_error **err)
{
	int e = 0;
	if (mount_fs(op, type, &e, err) == 0)
		return 0;
	if (!e)
		return -1;
	if (e != EPERM && e != EBUSY)
		return cap_fail(err, e, "mount %s to %s", type, op->m->destination);
	op->o.flags |= MS_BIND | MS_REC;
	if (mount_bind(op, host, op->o.flags, err) < 0)
		return cap_wrap(err, "mount %s to %s failed (%s), bind %s instead", type,
				op->m->destination, strerror(e), host);
	return 0;
}

/* Recursive bind of a host cgroup directory, with the mount's flags.
 * MS_REC: a non-recursive bind of a tree with locked submounts is refused
 * (EINVAL) in a user namespace. */
static int bind_cgroup(struct mnt_op *op, const char *src, struct cap_error **err)
{
	op->o.flags |= MS_BIND | MS_REC;
	return mount_bind(op, src, op->o.flags, err);
}

/* cgroup2 (also for type "cgroup").
 *
 * Without a cgroup namespace of its own the container would mount cgroup2 in
 * the host's cgroup namespace, where the kernel applies the new mount's
 * options to the whole hierarchy: a plain mount clears the host's nsdelegate
 * and memory_recursiveprot, and waits for an RCU grace period (5-15 ms).  So
 * bind the container's own cgroup instead, the view a cgroup namespace gives.
 * In a cgroup namespace, mount; if the kernel refuses (EPERM in a user
 * namespace, EBUSY), bind as runc does. */
static int mount_cgroup(struct mnt_op *op, struct cap_error **err)
{
	const char *src = op->ctx->cgroup_path ? op->ctx->cgroup_path : "/sys/fs/cgroup";
	if (!op->ctx->new_cgroupns && op->ctx->cgroup_path)
		return bind_cgroup(op, src, err);
	int e = 0;
	if (mount_fs(op, "cgroup2", &e, err) == 0)
		return 0;
	if (!e)
		return -1;
	if (e != EPERM && e != EBUSY)
		return cap_fail(err, e, "mount cgroup2 to %s", op->m->destination);
	if (bind_cgroup(op, src, err) < 0)
		return cap_wrap(err, "mount cgroup2 to %s failed (%s), bind %s instead",
				op->m->destination, strerror(e), src);
	return 0;
}

/* Idmapped: here, in the container's user namespace, host ids cannot be
 * mapped any more; the parent made the tree. */
static int mount_idmapped(struct mnt_op *op, struct cap_error **err)
{
	cleanup_close int tree = prepared_tree(op);
	if (tree < 0)
		return cap_fail(err, EINVAL, "idmapped mount of %s was not prepared",
				op->m->source);
	return mount_tree(op, tree, err);
}

static bool type_is(const char *type, const char *name)
{
	return type && strcmp(type, name) == 0;
}

/* runc: proc and sysfs go only on an ordinary directory.  A /proc or /sys
 * that is a symlink in the rootfs would put them (and the masked paths
 * below them) somewhere the image chose. */
static int check_plain_dir(struct mnt_op *op, const char *type, struct cap_error **err)
{
	cleanup_close int fd = pathres_try_open(op->rootfd, op->m->destination, O_NOFOLLOW);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || S_ISDIR(st.st_mode))
		return 0; /* absent: made as a directory */
	return cap_fail(err, ENOTDIR,
			"filesystem \"%s\" must be mounted on an ordinary directory: "
			"%s in the rootfs is %s",
			type, op->m->destination,
			S_ISLNK(st.st_mode) ? "a symlink" : "not a directory");
}

static int mount_one(struct mnt_op *op, struct cap_error **err)
{
	const struct spec_mount *m = op->m;
	if (!m->destination || m->destination[0] == '\0')
		return cap_fail(err, EINVAL, "mount without a destination");
	if (oci_mount_options_parse(m->type, m->options, m->n_options, &op->o, err) < 0)
		return -1;
	if (mounts_wants_idmap(m, &op->o))
		return mount_idmapped(op, err);
	if (op->o.flags & MS_BIND)
		return mount_bind(op, m->source, op->o.flags, err);
	const char *type = m->type;
	if (!type)
		return cap_fail(err, EINVAL, "mount without a type");
	if ((type_is(type, "proc") || type_is(type, "sysfs")) && check_plain_dir(op, type, err) < 0)
		return -1;
	if (type_is(type, "sysfs"))
		return mount_fs_or_bind(op, type, "/sys", err);
	if (type_is(type, "mqueue"))
		return mount_fs_or_bind(op, type, "/dev/mqueue", err);
	if (type_is(type, "cgroup") || type_is(type, "cgroup2"))
		return mount_cgroup(op, err);
	return mount_fs_or_fail(op, type, err);
}

/* pivot_root needs the rootfs's parent mount to be non-shared, and a bind
 * of the rootfs under a shared parent would propagate to the host.  When "/"
 * was not made recursively slave/private, make the mount containing the
 * rootfs private: walk up with ".." until the mount id changes (no mountinfo
 * parsing). */
static int make_rootfs_parent_private(const char *rootfs, struct cap_error **err)
{
	cleanup_close int cur = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return cap_fail(err, errno, "open rootfs %s", rootfs);
	struct statx sx;
	if (statx(cur, "", AT_EMPTY_PATH, STATX_MNT_ID | STATX_INO, &sx) < 0)
		return cap_fail(err, errno, "statx rootfs %s", rootfs);
	uint64_t mnt = sx.stx_mnt_id;
	for (;;) {
		int up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		struct statx ux;
		if (up < 0 || statx(up, "", AT_EMPTY_PATH, STATX_MNT_ID | STATX_INO, &ux) < 0) {
			int e = errno;
			if (up >= 0)
				close(up);
			return cap_fail(err, e, "find the mount of %s", rootfs);
		}
		bool same = ux.stx_mnt_id == mnt;
		bool at_top = ux.stx_ino == sx.stx_ino && ux.stx_dev_major == sx.stx_dev_major &&
			      ux.stx_dev_minor == sx.stx_dev_minor;
		if (!same || at_top) {
			close(up);
			break;
		}
		close(cur);
		cur = up;
		sx = ux;
	}
	if (mounts_mount_fd(NULL, cur, NULL, MS_PRIVATE, NULL) < 0)
		return cap_fail(err, errno, "make the parent mount of %s private", rootfs);
	return 0;
}

int mounts_prepare_rootfs(const struct mounts_context *ctx, struct cap_error **err)
{
	const struct spec *s = ctx->spec;
	unsigned long prop =
	    s->linux_.rootfs_propagation ? s->linux_.rootfs_propagation : MS_SLAVE | MS_REC;
	if (mount(NULL, "/", NULL, prop, NULL) < 0)
		return cap_fail(err, errno, "set propagation of /");
	if (!((prop & MS_REC) && (prop & (MS_SLAVE | MS_PRIVATE))) &&
	    make_rootfs_parent_private(ctx->rootfs, err) < 0)
		return -1;
	if (mount(ctx->rootfs, ctx->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return cap_fail(err, errno, "bind rootfs %s onto itself", ctx->rootfs);
	/* Opened after the bind, so lookups start on the new mount. */
	cleanup_close int rootfd = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return cap_fail(err, errno, "open rootfs %s", ctx->rootfs);
	struct mnt_op op = {.ctx = ctx, .rootfd = rootfd};
	for (size_t i = 0; i < s->n_mounts; i++) {
		op.m = &s->mounts[i];
		op.index = i;
		if (mount_one(&op, err) < 0)
			return cap_wrap(err, "mounts[%zu] (%s)", i,
					op.m->destination ? op.m->destination : "");
	}
	if (mounts_needs_dev(s) && mounts_setup_dev(ctx, rootfd, err) < 0)
		return -1;
	return 0;
}

int mounts_pivot(const struct mounts_context *ctx, bool no_pivot, struct cap_error **err)
{
	if (no_pivot) /* weaker: the old root stays in the mount namespace */
		return mounts_move_root(ctx->rootfs, err);
	cleanup_close int oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (oldroot < 0)
		return cap_fail(err, errno, "open /");
	cleanup_close int newroot = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (newroot < 0)
		return cap_fail(err, errno, "open rootfs %s", ctx->rootfs);
	if (fchdir(newroot) < 0)
		return cap_fail(err, errno, "chdir %s", ctx->rootfs);
	/* pivot_root(".", "."): the old root ends up stacked on the new one
	 * at "/", no put_old directory needed inside the rootfs. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return cap_fail(err, errno, "pivot_root %s", ctx->rootfs);
	if (fchdir(oldroot) < 0)
		return cap_fail(err, errno, "chdir to the old root");
	/* rslave first, so the detach below cannot propagate to the host. */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return cap_fail(err, errno, "make the old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		return cap_fail(err, errno, "unmount the old root");
	if (chdir("/") < 0)
		return cap_fail(err, errno, "chdir /");
	return 0;
}
