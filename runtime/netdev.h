/* runtime/netdev.c: linux.netDevices (runtime-spec 1.3).
 *
 * At create the host interfaces move into the container's new network
 * namespace (renamed, their permanent global addresses carried along, set
 * up) before the init applies sysctls or runs hooks, as runc 1.4 does.  capsule then holds that
 * namespace, bind-mounted at <state dir>/netns, until delete: the container's processes may all be
 * gone by then, and a namespace that dies destroys its virtual interfaces
 * (veth, dummy, macvlan) and sends physical ones to the initial namespace,
 * not to the runtime's.  Delete (and a failed create) moves each one back,
 * down, under its original name.
 *
 *   <state dir>/netdevices  "<host name>\t<container name>\n" per device,
 *                           written before the first move
 *   <state dir>/netns       the namespace's bind mount */
#ifndef CAPSULE_NETDEV_H
#define CAPSULE_NETDEV_H

#include <sys/types.h>

#include "../lib/error.h"
#include "../oci/spec.h"

/* Before anything is made: every host interface exists here. */
int netdev_check(const struct spec_linux *l, struct cap_error **err);
/* Move the devices into pid's network namespace (the state dir records
 * them first: a failure midway leaves what netdev_release undoes). */
int netdev_attach(int dirfd, const char *dir, pid_t pid, const struct spec_linux *l,
		  struct cap_error **err);
/* Move back whatever is recorded, unmount and forget it; each failure is
 * a warning.  Nothing recorded: nothing done. */
void netdev_release(int dirfd, const char *dir, void (*warn)(const char *msg));

#endif
