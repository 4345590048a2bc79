/* runtime/netlink.c: the few rtnetlink requests linux.netDevices needs
 * (Debian ships no static libmnl; these are a dozen messages).  Each socket
 * talks to the network namespace it was opened in. */
#ifndef CAPSULE_NETLINK_H
#define CAPSULE_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/error.h"

/* A NETLINK_ROUTE socket in the current network namespace, or (netns >= 0)
 * in that one: entered for the socket() call and left again (the process
 * is single-threaded).  -1 on error. */
int rt_nl_open(int netns, struct cap_error **err);
/* The interface's index, 0 when there is no such interface, -1 on error. */
int rt_nl_link_index(int sock, const char *name, struct cap_error **err);
int rt_nl_link_set_up(int sock, int ifindex, bool up, struct cap_error **err);
/* Move it to the namespace netns_fd under new_name, in one request (no
 * window where a name clashes with one in either namespace). */
int rt_nl_link_move(int sock, int ifindex, int netns_fd, const char *new_name,
		    struct cap_error **err);

/* An address as the kernel reports it (RTM_NEWADDR). */
struct rt_nl_addr {
	uint8_t family, prefixlen;
	uint8_t local[16];
};
/* The addresses to carry along when the interface changes namespace (the
 * kernel drops them all): permanent ones of global scope, as runc keeps. */
int rt_nl_addr_list(int sock, int ifindex, struct rt_nl_addr **out, size_t *n,
		    struct cap_error **err);
int rt_nl_addr_add(int sock, int ifindex, const struct rt_nl_addr *a, struct cap_error **err);

#endif
