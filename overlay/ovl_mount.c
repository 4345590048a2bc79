/* The overlay mount: plan (parent side, plain data) and mount (child side).
 * The new mount API is preferred: "lowerdir+" takes one layer per fsconfig call, so there is
 * no page-size limit on the layer list (a single fsconfig string is limited to 256 bytes,
 * mount(2) data to a page).  Without it, mount(2) with lowerdirs relative to the layers dir
 * (cwd switched for the call) fits ~60 layers in a page. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "../lib/cleanup.h"
#include "internal.h"
#include "overlay.h"

void overlay_plan_free(struct overlay_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_lowers; i++) {
		free(p->lowers[i]);
	}
	free(p->lowers);
	free(p->rootfs);
	free(p->upper);
	free(p->work);
	free(p->upper_mnt);
	free(p->layers_dir);
	free(p->data);
	free(p);
}

const char *overlay_rootfs(const struct overlay_plan *p)
{
	return p->rootfs;
}

const char *overlay_mount_data(const struct overlay_plan *p)
{
	return p->data;
}

char *ovl_plan_data(const struct overlay_plan *p, bool relative)
{
	size_t cap = 256 + strlen(p->upper) + strlen(p->work) +
		     p->n_lowers * (strlen(p->layers_dir) + OVL_HEX_LEN + 2);
	char *d = malloc(cap);
	if (!d)
		return NULL;
	size_t n = (size_t)snprintf(d, cap, "lowerdir=");
	for (size_t i = 0; i < p->n_lowers; i++)
		n += (size_t)snprintf(d + n, cap - n, "%s%s%s%s", i ? ":" : "",
				      relative ? "" : p->layers_dir, relative ? "" : "/",
				      p->lowers[i]);
	snprintf(d + n, cap - n, ",upperdir=%s,workdir=%s%s%s", p->upper, p->work,
		 p->userxattr ? ",userxattr" : "", p->volatile_ ? ",volatile" : "");
	return d;
}

int ovl_plan_build(const char *store, const char *id, const struct ovl_image *img,
		   const struct overlay_flags *f, struct overlay_plan **out, struct cap_error **err)
{
	/* overlay splits options on ',' and lowerdir on ':'; such store paths are refused
	 * rather than escaped. */
	if (strpbrk(store, ",:\\"))
		return cap_fail(err, 0, "store path %s: ',', ':' and '\\' are not supported",
				store);
	struct overlay_plan *p = calloc(1, sizeof(*p));
	if (!p)
		return cap_fail(err, ENOMEM, "overlay plan");
	p->userxattr = f->userns;
	/* An upper dir that delete throws away needs no syncing: without
	 * `volatile` every unmount syncs the whole upper filesystem. */
	p->volatile_ = f->ephemeral || !f->keep_upper;
	p->upper_tmpfs = ovl_upper_on_tmpfs(f);
	p->rootfs = cap_strdupf("%s/containers/%s/rootfs", store, id);
	p->upper_mnt = cap_strdupf("%s/containers/%s/upper", store, id);
	if (p->upper_tmpfs) {
		p->upper = cap_strdupf("%s/containers/%s/upper/upper", store, id);
		p->work = cap_strdupf("%s/containers/%s/upper/work", store, id);
	} else {
		p->upper = cap_strdupf("%s/containers/%s/upper", store, id);
		p->work = cap_strdupf("%s/containers/%s/work", store, id);
	}
	p->layers_dir = cap_strdupf("%s/layers/sha256", store);
	p->lowers = calloc(img->n_layers + 1, sizeof(char *));
	bool ok = p->rootfs && p->upper && p->work && p->upper_mnt && p->layers_dir && p->lowers;
	for (size_t i = 0; ok && i < img->n_layers; i++) {
		p->lowers[i] = strdup(img->layers[img->n_layers - 1 - i]); /* top first */
		ok = p->lowers[i] != NULL;
		p->n_lowers = i + 1;
	}
	if (ok)
		ok = (p->data = ovl_plan_data(p, false)) != NULL;
	if (!ok) {
		overlay_plan_free(p);
		return cap_fail(err, ENOMEM, "overlay plan");
	}
	if (img->n_layers == 0) {
		overlay_plan_free(p);
		return cap_fail(err, 0, "image has no layers");
	}
	*out = p;
	return 0;
}

/* The kernel's own words about a failed fsconfig ("e overlayfs: ..."), if it left any.
 * Keeps errno: it is evaluated next to errno in cap_fail's arguments. */
static const char *fs_log(int fd, char *buf, size_t len)
{
	int saved = errno;
	ssize_t n = read(fd, buf, len - 1);
	errno = saved;
	if (n <= 2)
		return "";
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return buf + 2;
}

/* 1: mounted; 0: this kernel lacks the API or "lowerdir+" (caller falls back); -1: error. */
static int mount_new_api(const struct overlay_plan *p, struct cap_error **err)
{
	char log[512], path[PATH_MAX];
	cleanup_close int fd = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fd < 0)
		return errno == ENOSYS ? 0 : cap_fail(err, errno, "fsopen overlay");
	for (size_t i = 0; i < p->n_lowers; i++) {
		snprintf(path, sizeof(path), "%s/%s", p->layers_dir, p->lowers[i]);
		if (fsconfig(fd, FSCONFIG_SET_STRING, "lowerdir+", path, 0) < 0) {
			if (i == 0 && errno == EINVAL &&
			    strstr(fs_log(fd, log, sizeof(log)), "lowerdir+"))
				return 0; /* kernel < 6.8: unknown parameter */
			return cap_fail(err, errno, "overlay lowerdir+ %s %s", path,
					fs_log(fd, log, sizeof(log)));
		}
	}
	if (fsconfig(fd, FSCONFIG_SET_STRING, "upperdir", p->upper, 0) < 0 ||
	    fsconfig(fd, FSCONFIG_SET_STRING, "workdir", p->work, 0) < 0 ||
	    (p->userxattr && fsconfig(fd, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0) ||
	    (p->volatile_ && fsconfig(fd, FSCONFIG_SET_FLAG, "volatile", NULL, 0) < 0) ||
	    fsconfig(fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return cap_fail(err, errno, "overlay mount (%s) %s", p->data,
				fs_log(fd, log, sizeof(log)));
	cleanup_close int mfd = fsmount(fd, FSMOUNT_CLOEXEC, 0);
	if (mfd < 0)
		return cap_fail(err, errno, "fsmount overlay");
	if (move_mount(mfd, "", AT_FDCWD, p->rootfs, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return cap_fail(err, errno, "move_mount overlay to %s", p->rootfs);
	return 1;
}

static int mount_legacy(const struct overlay_plan *p, struct cap_error **err)
{
	cleanup_free char *data = ovl_plan_data(p, true);
	if (!data)
		return cap_fail(err, ENOMEM, "overlay mount data");
	if (strlen(data) >= (size_t)sysconf(_SC_PAGESIZE))
		return cap_fail(err, E2BIG,
				"overlay: %zu layers do not fit mount(2) data, and this "
				"kernel has no fsconfig lowerdir+",
				p->n_lowers);
	cleanup_close int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0 || chdir(p->layers_dir) < 0)
		return cap_fail(err, errno, "chdir %s", p->layers_dir);
	int rc = mount("overlay", p->rootfs, "overlay", 0, data);
	int e = errno;
	if (fchdir(cwd) < 0 && rc == 0)
		return cap_fail(err, errno, "fchdir back");
	return rc < 0 ? cap_fail(err, e, "mount overlay on %s (%s)", p->rootfs, data) : 0;
}

/* See ovl_upper_on_tmpfs.  Mounted in the caller's (the container's) mount
 * namespace, which is a slave of the host's: the host sees an empty dir. */
static int mount_upper_tmpfs(const struct overlay_plan *p, struct cap_error **err)
{
	if (mount("tmpfs", p->upper_mnt, "tmpfs", 0, "mode=0755") < 0)
		return cap_fail(err, errno, "mount tmpfs for the upper dir on %s", p->upper_mnt);
	/* The container's / takes the upper dir's mode: 0755 as on disk. */
	if (mkdir(p->upper, 0755) < 0 || chmod(p->upper, 0755) < 0 || mkdir(p->work, 0700) < 0)
		return cap_fail(err, errno, "mkdir upper/work in the tmpfs on %s", p->upper_mnt);
	return 0;
}

int overlay_mount(const struct overlay_plan *p, struct cap_error **err)
{
	if (p->upper_tmpfs && mount_upper_tmpfs(p, err) < 0)
		return -1;
	int r = mount_new_api(p, err);
	if (r != 0)
		return r < 0 ? -1 : 0;

	return mount_legacy(p, err);
}
