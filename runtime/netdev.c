/* linux.netDevices: move host interfaces into the container and back; see
 * netdev.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "../lib/fault.h"
#include "../lib/file.h"
#include "netdev.h"
#include "netlink.h"

static int fail_dev(struct cap_error **err, const char *host, const char *why)
{
	return cap_fail(err, 0, "linux.netDevices[\"%s\"]: %s", host, why);
}

int netdev_check(const struct spec_linux *l, struct cap_error **err)
{
	if (!l->n_net_devices)
		return 0;
	cleanup_close int sock = rt_nl_open(-1, err);
	if (sock < 0)
		return cap_wrap(err, "linux.netDevices");
	for (size_t i = 0; i < l->n_net_devices; i++) {
		const char *host = l->net_devices[i].host_name;
		int idx = rt_nl_link_index(sock, host, err);
		if (idx < 0)
			return cap_wrap(err, "linux.netDevices[\"%s\"]", host);
		if (idx == 0)
			return fail_dev(err, host, "no such host interface");
	}
	return 0;
}

/* Take the interface ifindex out of the namespace `from` talks to, into
 * the one to_fd names as `name`, with its addresses; then set it up or not.
 * to_sock talks to the destination. */
static int move_one(int from, int to_sock, int to_fd, int ifindex, const char *name, bool up,
		    struct cap_error **err)
{
	cleanup_free struct rt_nl_addr *addrs = NULL;
	size_t n = 0;
	/* addresses first: taking the link down flushes its IPv6 ones */
	if (rt_nl_addr_list(from, ifindex, &addrs, &n, err) < 0 ||
	    rt_nl_link_set_up(from, ifindex, false, err) < 0 ||
	    rt_nl_link_move(from, ifindex, to_fd, name, err) < 0)
		return -1;
	int idx = rt_nl_link_index(to_sock, name, err);
	if (idx <= 0)
		return idx < 0 ? -1 : cap_fail(err, ENODEV, "%s vanished after the move", name);
	for (size_t i = 0; i < n; i++)
		if (rt_nl_addr_add(to_sock, idx, &addrs[i], err) < 0)
			return -1;
	return up ? rt_nl_link_set_up(to_sock, idx, true, err) : 0;
}

static int record(int dirfd, const struct spec_linux *l, struct cap_error **err)
{
	size_t len = 0;
	for (size_t i = 0; i < l->n_net_devices; i++)
		len += strlen(l->net_devices[i].host_name) + strlen(l->net_devices[i].name) + 2;
	cleanup_free char *buf = malloc(len + 1);
	if (!buf)
		return cap_fail(err, ENOMEM, "linux.netDevices");
	char *p = buf;
	for (size_t i = 0; i < l->n_net_devices; i++)
		p += sprintf(p, "%s\t%s\n", l->net_devices[i].host_name, l->net_devices[i].name);
	return cap_write_file_atomic(dirfd, "netdevices", buf, len, 0600, err);
}

/* Bind-mount the namespace where delete finds it. */
static int hold_netns(int dirfd, const char *dir, pid_t pid, struct cap_error **err)
{
	cleanup_close int fd =
	    openat(dirfd, "netns", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return cap_fail(err, errno, "create %s/netns", dir);
	char src[64];
	cleanup_free char *dst = NULL;
	snprintf(src, sizeof(src), "/proc/%d/ns/net", (int)pid);
	if (asprintf(&dst, "%s/netns", dir) < 0)
		return cap_fail(err, ENOMEM, "netns path");
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
		return cap_fail(err, errno, "bind-mount the container's network namespace on %s",
				dst);
	return 0;
}

int netdev_attach(int dirfd, const char *dir, pid_t pid, const struct spec_linux *l,
		  struct cap_error **err)
{
	if (!l->n_net_devices)
		return 0;
	if (record(dirfd, l, err) < 0 || hold_netns(dirfd, dir, pid, err) < 0)
		return cap_wrap(err, "linux.netDevices");
	cleanup_close int ns = openat(dirfd, "netns", O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return cap_fail(err, errno, "linux.netDevices: open %s/netns", dir);
	cleanup_close int host = rt_nl_open(-1, err);
	cleanup_close int ctr = host < 0 ? -1 : rt_nl_open(ns, err);
	if (ctr < 0)
		return cap_wrap(err, "linux.netDevices");
	for (size_t i = 0; i < l->n_net_devices; i++) {
		const struct spec_net_device *d = &l->net_devices[i];
		int idx = rt_nl_link_index(host, d->host_name, err);
		if (idx == 0)
			return fail_dev(err, d->host_name, "no such host interface");
		if (idx < 0 || move_one(host, ctr, ns, idx, d->name, true, err) < 0)
			return cap_wrap(err, "linux.netDevices[\"%s\"]", d->host_name);
		fault_point("create-netdev-moved");
	}
	return 0;
}

/* One recorded device back to the runtime's namespace, down, under its
 * own name.  The kernel moves a device first and renames it after, so a
 * failed rename leaves it in the container under its host name: look for
 * that too.  In neither (never moved, or the container removed it): done. */
static int return_one(int host, int ctr, int host_fd, const char *orig, const char *name,
		      struct cap_error **err)
{
	struct cap_error *first = NULL;
	int idx = rt_nl_link_index(ctr, name, &first);
	if (idx > 0 && move_one(ctr, host, host_fd, idx, orig, false, &first) == 0)
		return 0;
	if (strcmp(name, orig) != 0) {
		cleanup_error struct cap_error *second = NULL;
		idx = rt_nl_link_index(ctr, orig, &second);
		if (idx > 0 && move_one(ctr, host, host_fd, idx, orig, false, &second) == 0) {
			cap_error_free(first);
			return 0;
		}
	}
	if (!first)
		return 0;
	*err = first;
	return cap_wrap(err, "move %s back to the host as %s", name, orig);
}

static void return_all(int ns, char *list, void (*warn)(const char *msg))
{
	struct cap_error *e = NULL;
	cleanup_close int host_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	cleanup_close int host = rt_nl_open(-1, &e);
	cleanup_close int ctr = host < 0 ? -1 : rt_nl_open(ns, &e);
	if (host_fd < 0 || ctr < 0) {
		cap_fail(&e, errno, "open the network namespaces");
		cap_warn(warn, &e, "linux.netDevices");
		return;
	}
	char *save = NULL;
	for (char *line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab = '\0';
		return_one(host, ctr, host_fd, line, tab + 1, &e);
		cap_warn(warn, &e, "linux.netDevices[\"%s\"]", line);
	}
}

void netdev_release(int dirfd, const char *dir, void (*warn)(const char *msg))
{
	if (faccessat(dirfd, "netdevices", F_OK, 0) < 0)
		return; /* nothing recorded, nothing made */
	struct cap_error *e = NULL;
	cleanup_free char *list = cap_read_file_at(dirfd, "netdevices", NULL, &e);
	if (!list) {
		cap_warn(warn, &e, "linux.netDevices");
		return;
	}
	/* still a plain file when the create died before the mount */
	cleanup_close int ns = openat(dirfd, "netns", O_RDONLY | O_CLOEXEC);
	struct statfs fs;
	if (ns >= 0 && fstatfs(ns, &fs) == 0 && fs.f_type == NSFS_MAGIC)
		return_all(ns, list, warn);
	cleanup_free char *path = NULL;
	/* not mounted (a create that died before): EINVAL, nothing to undo */
	if (asprintf(&path, "%s/netns", dir) >= 0 && umount2(path, MNT_DETACH) < 0 &&
	    errno != EINVAL && errno != ENOENT) {
		cap_fail(&e, errno, "unmount %s", path);
		cap_warn(warn, &e, "linux.netDevices");
	}
	unlinkat(dirfd, "netns", 0);
	unlinkat(dirfd, "netdevices", 0);
}
