/* The job's network: its own namespace with only the loopback interface, and that one up
 * (a new network namespace starts with lo down; tools that talk to 127.0.0.1 need it).
 * The runtime does not bring lo up (neither does runc), so the job's config.json runs
 * capsule itself as a createRuntime hook: `capsule job loopback-up` reads the container
 * state on stdin, joins the container's network namespace and sets lo up. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "../lib/cleanup.h"
#include "internal.h"

int job_loopback_up(const char *state_json, struct cap_error **err)
{
	char ebuf[256];
	yajl_val st = yajl_tree_parse(state_json, ebuf, sizeof(ebuf));
	const char *pp[] = {"pid", NULL};
	yajl_val pid = st ? yajl_tree_get(st, pp, yajl_t_number) : NULL;
	long long p = pid && YAJL_IS_INTEGER(pid) ? YAJL_GET_INTEGER(pid) : 0;
	yajl_tree_free(st);
	if (p <= 0)
		return cap_fail(err, 0, "loopback-up: no pid in the container state on stdin");
	char path[64];
	snprintf(path, sizeof(path), "/proc/%lld/ns/net", p);
	cleanup_close int ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0 || setns(ns, CLONE_NEWNET) < 0)
		return cap_fail(err, errno, "loopback-up: join %s", path);
	cleanup_close int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = {0};
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return cap_fail(err, errno, "loopback-up: lo flags");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return cap_fail(err, errno, "loopback-up: set lo up");
	return 0;
}
