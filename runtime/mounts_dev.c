/* /dev population (runc's createDevices, setupPtmx, setupDevSymlinks):
 * default nodes, linux.devices, /dev/ptmx and the /proc/self/fd symlinks.
 * Nodes are mknod'ed, or bind-mounted from the host path in a user namespace
 * (where mknod is refused). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "../oci/mount_options.h"
#include "mounts_internal.h"
#include "pathres.h"

struct default_dev {
	const char *name; /* under /dev */
	const char *path; /* same, absolute (host source when binding) */
	unsigned major, minor;
};

static const struct default_dev default_devs[] = {
    {"null", "/dev/null", 1, 3},     {"zero", "/dev/zero", 1, 5},	{"full", "/dev/full", 1, 7},
    {"random", "/dev/random", 1, 8}, {"urandom", "/dev/urandom", 1, 9}, {"tty", "/dev/tty", 5, 0},
};

static const struct {
	const char *target, *name;
} dev_links[] = {
    {"/proc/self/fd", "fd"},
    {"/proc/self/fd/0", "stdin"},
    {"/proc/self/fd/1", "stdout"},
    {"/proc/self/fd/2", "stderr"},
};

bool mounts_needs_dev(const struct spec *s)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *m = &s->mounts[i];
		if (!m->destination || !mounts_is_dev(m->destination))
			continue;
		if (m->type && strcmp(m->type, "bind") == 0)
			return false;
		for (size_t j = 0; j < m->n_options; j++)
			if (strcmp(m->options[j], "bind") == 0 ||
			    strcmp(m->options[j], "rbind") == 0)
				return false;
	}
	return true;
}

struct node {
	mode_t mode; /* S_IF* | permissions */
	dev_t dev;
	uid_t uid;
	gid_t gid;
	const char *path;   /* container path */
	const char *source; /* the host node bound in a user namespace */
};

/* An empty file at parent/base with the host node bind-mounted over it. */
static int bind_node(int parent, const char *base, const struct node *n, struct cap_error **err)
{
	if (mknodat(parent, base, S_IFREG | 0644, 0) < 0 && errno != EEXIST)
		return cap_fail(err, errno, "create %s", n->path);
	cleanup_close int fd = openat(parent, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cap_fail(err, errno, "open %s", n->path);
	if (mounts_mount_fd(n->source, fd, NULL, MS_BIND, NULL) < 0)
		return cap_fail(err, errno, "bind device %s", n->source);
	return 0;
}

static int make_node(int parent, const char *base, const struct node *n, bool bind,
		     struct cap_error **err)
{
	if (bind && !S_ISFIFO(n->mode))
		return bind_node(parent, base, n, err);
	if (mknodat(parent, base, n->mode, n->dev) < 0) {
		if (errno == EPERM && !S_ISFIFO(n->mode))
			return bind_node(parent, base, n, err);
		/* An existing entry is replaced, so the node is what the spec says. */
		if (errno != EEXIST || unlinkat(parent, base, 0) < 0 ||
		    mknodat(parent, base, n->mode, n->dev) < 0)
			return cap_fail(err, errno, "mknod %s", n->path);
	}
	if ((n->uid || n->gid) && fchownat(parent, base, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return cap_fail(err, errno, "chown %s", n->path);
	return 0;
}

static int spec_device_node(const struct spec_device *d, struct node *n, struct cap_error **err)
{
	mode_t type;
	switch (d->type) {
	case 'c':
	case 'u':
		type = S_IFCHR;
		break;
	case 'b':
		type = S_IFBLK;
		break;
	case 'p':
		type = S_IFIFO;
		break;
	default:
		return cap_fail(err, EINVAL, "device %s: unknown type '%c'", d->path, d->type);
	}
	*n = (struct node){
	    .mode = type | (d->has_file_mode ? d->file_mode & 07777 : 0666),
	    .dev = makedev((unsigned)d->major, (unsigned)d->minor),
	    .uid = d->has_uid ? d->uid : 0,
	    .gid = d->has_gid ? d->gid : 0,
	    .path = d->path,
	    .source = d->host_path ? d->host_path : d->path,
	};
	return 0;
}

static bool spec_has_device(const struct spec *s, const char *path)
{
	for (size_t i = 0; i < s->linux_.n_devices; i++)
		if (s->linux_.devices[i].path && strcmp(s->linux_.devices[i].path, path) == 0)
			return true;
	return false;
}

static int create_devices(const struct mounts_context *ctx, int rootfd, int devfd,
			  struct cap_error **err)
{
	const struct spec *s = ctx->spec;
	for (size_t i = 0; i < sizeof(default_devs) / sizeof(default_devs[0]); i++) {
		const struct default_dev *d = &default_devs[i];
		if (spec_has_device(s, d->path))
			continue; /* linux.devices overrides a default of the same path */
		struct node n = {.mode = S_IFCHR | 0666,
				 .dev = makedev(d->major, d->minor),
				 .path = d->path,
				 .source = d->path};
		if (make_node(devfd, d->name, &n, ctx->in_userns, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < s->linux_.n_devices; i++) {
		const struct spec_device *d = &s->linux_.devices[i];
		struct node n;
		char base[NAME_MAX + 1];
		if (!d->path || spec_device_node(d, &n, err) < 0)
			return d->path ? cap_wrap(err, "linux.devices[%zu]", i)
				       : cap_fail(err, EINVAL, "linux.devices[%zu]: no path", i);
		cleanup_close int parent = pathres_parent(rootfd, d->path, base, sizeof(base), err);
		if (parent < 0 || make_node(parent, base, &n, ctx->in_userns, err) < 0)
			return cap_wrap(err, "linux.devices[%zu]", i);
	}
	return 0;
}

static int create_links(int devfd, struct cap_error **err)
{
	if (unlinkat(devfd, "ptmx", 0) < 0 && errno != ENOENT)
		return cap_fail(err, errno, "remove /dev/ptmx");
	if (symlinkat("pts/ptmx", devfd, "ptmx") < 0)
		return cap_fail(err, errno, "symlink /dev/ptmx");
	for (size_t i = 0; i < sizeof(dev_links) / sizeof(dev_links[0]); i++)
		if (symlinkat(dev_links[i].target, devfd, dev_links[i].name) < 0 && errno != EEXIST)
			return cap_fail(err, errno, "symlink /dev/%s", dev_links[i].name);
	/* runc links /dev/core only where the kernel has /proc/kcore. */
	if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", devfd, "core") < 0 &&
	    errno != EEXIST)
		return cap_fail(err, errno, "symlink /dev/core");
	return 0;
}

int mounts_setup_dev(const struct mounts_context *ctx, int rootfd, struct cap_error **err)
{
	cleanup_close int devfd = pathres_mkdir_p(rootfd, "/dev", 0755, err);
	if (devfd < 0)
		return cap_wrap(err, "/dev");
	/* Modes are exactly the spec's: no umask while creating nodes. */
	mode_t old = umask(0);
	int rc = create_devices(ctx, rootfd, devfd, err);
	umask(old);
	if (rc < 0)
		return -1;
	return create_links(devfd, err);
}
