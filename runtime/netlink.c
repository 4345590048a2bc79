/* rtnetlink requests for linux.netDevices; see netlink.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "netlink.h"

/* Large enough for any request here, and for one datagram of a dump. */
#define NL_BUF 32768

struct nl_req {
	struct nlmsghdr h;
	char body[1024];
};

static void *nl_tail(struct nlmsghdr *h)
{
	return (char *)h + NLMSG_ALIGN(h->nlmsg_len);
}

static void nl_put(struct nlmsghdr *h, const void *data, size_t len)
{
	memcpy(nl_tail(h), data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + (uint32_t)len;
}

static void nl_attr(struct nlmsghdr *h, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = nl_tail(h);
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + (uint32_t)RTA_ALIGN(a->rta_len);
}

static void nl_init(struct nl_req *r, unsigned short type, unsigned short flags)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = NLMSG_LENGTH(0);
	r->h.nlmsg_type = type;
	r->h.nlmsg_flags = NLM_F_REQUEST | flags;
	r->h.nlmsg_seq = 1;
}

int rt_nl_open(int netns, struct cap_error **err)
{
	cleanup_close int self = -1;
	if (netns >= 0) {
		self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0)
			return cap_fail(err, errno, "open /proc/self/ns/net");
		if (setns(netns, CLONE_NEWNET) < 0)
			return cap_fail(err, errno, "enter the container's network namespace");
	}
	int sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int saved = errno;
	if (self >= 0 && setns(self, CLONE_NEWNET) < 0) {
		/* Anything more would act on the container's interfaces. */
		if (sock >= 0)
			close(sock);
		return cap_fail(err, errno, "return to the runtime's network namespace");
	}
	if (sock < 0)
		return cap_fail(err, saved, "netlink socket");
	return sock;
}

/* Send one request; call fn on each reply message until the ack (or, for a
 * dump, NLMSG_DONE).  The kernel's errno comes back as the result. */
typedef void (*nl_reply_fn)(const struct nlmsghdr *h, void *arg);

static int nl_talk(int sock, struct nl_req *r, nl_reply_fn fn, void *arg)
{
	if (send(sock, &r->h, r->h.nlmsg_len, 0) < 0)
		return -errno;
	cleanup_free char *buf = malloc(NL_BUF);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = recv(sock, buf, NL_BUF, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPROTO;
		size_t len = (size_t)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != r->h.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				return h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) ? -EPROTO : e->error;
			}
			if (fn)
				fn(h, arg);
		}
	}
}

static void got_index(const struct nlmsghdr *h, void *arg)
{
	if (h->nlmsg_type == RTM_NEWLINK && h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifinfomsg)))
		*(int *)arg = ((const struct ifinfomsg *)NLMSG_DATA(h))->ifi_index;
}

int rt_nl_link_index(int sock, const char *name, struct cap_error **err)
{
	struct nl_req r;
	nl_init(&r, RTM_GETLINK, NLM_F_ACK);
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	nl_put(&r.h, &ifi, sizeof(ifi));
	nl_attr(&r.h, IFLA_IFNAME, name, strlen(name) + 1);
	int index = 0;
	int rc = nl_talk(sock, &r, got_index, &index);
	if (rc == -ENODEV)
		return 0;
	if (rc < 0)
		return cap_fail(err, -rc, "look up interface %s", name);
	return index;
}

int rt_nl_link_set_up(int sock, int ifindex, bool up, struct cap_error **err)
{
	struct nl_req r;
	nl_init(&r, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC,
				.ifi_index = ifindex,
				.ifi_flags = up ? IFF_UP : 0,
				.ifi_change = IFF_UP};
	nl_put(&r.h, &ifi, sizeof(ifi));
	int rc = nl_talk(sock, &r, NULL, NULL);
	if (rc < 0)
		return cap_fail(err, -rc, "set interface %d %s", ifindex, up ? "up" : "down");
	return 0;
}

int rt_nl_link_move(int sock, int ifindex, int netns_fd, const char *new_name,
		    struct cap_error **err)
{
	struct nl_req r;
	nl_init(&r, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex};
	nl_put(&r.h, &ifi, sizeof(ifi));
	uint32_t fd = (uint32_t)netns_fd;
	nl_attr(&r.h, IFLA_NET_NS_FD, &fd, sizeof(fd));
	nl_attr(&r.h, IFLA_IFNAME, new_name, strlen(new_name) + 1);
	int rc = nl_talk(sock, &r, NULL, NULL);
	return rc < 0 ? cap_fail(err, -rc, "move interface %d", ifindex) : 0;
}

struct addr_list {
	int ifindex;
	struct rt_nl_addr *v;
	size_t n;
	bool oom;
};

static void got_addr(const struct nlmsghdr *h, void *arg)
{
	struct addr_list *l = arg;
	if (h->nlmsg_type != RTM_NEWADDR || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifaddrmsg)))
		return;
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	if ((int)ifa->ifa_index != l->ifindex || ifa->ifa_scope != RT_SCOPE_UNIVERSE)
		return;
	uint32_t flags = ifa->ifa_flags;
	struct rt_nl_addr a = {.family = ifa->ifa_family, .prefixlen = ifa->ifa_prefixlen};
	size_t alen = ifa->ifa_family == AF_INET ? 4 : 16;
	bool have = false;
	int len = (int)IFA_PAYLOAD(h);
	for (const struct rtattr *at = IFA_RTA(ifa); RTA_OK(at, len); at = RTA_NEXT(at, len)) {
		if (at->rta_type == IFA_FLAGS && RTA_PAYLOAD(at) >= 4)
			memcpy(&flags, RTA_DATA(at), 4);
		/* IFA_LOCAL is the address itself; IFA_ADDRESS the peer's on a
		 * point-to-point link (and the address when there is no LOCAL) */
		bool local = at->rta_type == IFA_LOCAL || (at->rta_type == IFA_ADDRESS && !have);
		if (local && RTA_PAYLOAD(at) >= alen) {
			memcpy(a.local, RTA_DATA(at), alen);
			have = true;
		}
	}
	if (!have || !(flags & IFA_F_PERMANENT))
		return;
	struct rt_nl_addr *v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v) {
		l->oom = true;
		return;
	}
	l->v = v;
	l->v[l->n++] = a;
}

int rt_nl_addr_list(int sock, int ifindex, struct rt_nl_addr **out, size_t *n,
		    struct cap_error **err)
{
	struct nl_req r;
	nl_init(&r, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg ifa = {.ifa_family = AF_UNSPEC, .ifa_index = (unsigned)ifindex};
	nl_put(&r.h, &ifa, sizeof(ifa));
	struct addr_list l = {.ifindex = ifindex};
	int rc = nl_talk(sock, &r, got_addr, &l);
	if (rc == 0 && l.oom)
		rc = -ENOMEM;
	if (rc < 0) {
		free(l.v);
		return cap_fail(err, -rc, "list the addresses of interface %d", ifindex);
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

int rt_nl_addr_add(int sock, int ifindex, const struct rt_nl_addr *a, struct cap_error **err)
{
	struct nl_req r;
	nl_init(&r, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg ifa = {.ifa_family = a->family,
				.ifa_prefixlen = a->prefixlen,
				.ifa_scope = RT_SCOPE_UNIVERSE,
				.ifa_index = (unsigned)ifindex};
	nl_put(&r.h, &ifa, sizeof(ifa));
	size_t alen = a->family == AF_INET ? 4 : 16;
	nl_attr(&r.h, IFA_LOCAL, a->local, alen);
	nl_attr(&r.h, IFA_ADDRESS, a->local, alen);
	if (a->family == AF_INET && a->prefixlen < 31) { /* as `ip addr add ... brd +` */
		uint32_t ip, mask = a->prefixlen ? htonl(~0u << (32 - a->prefixlen)) : 0;
		memcpy(&ip, a->local, 4);
		uint32_t brd = ip | ~mask;
		nl_attr(&r.h, IFA_BROADCAST, &brd, 4);
	}
	int rc = nl_talk(sock, &r, NULL, NULL);
	return rc < 0 ? cap_fail(err, -rc, "add an address to interface %d", ifindex) : 0;
}
