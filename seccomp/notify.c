/* Handing a seccomp notify fd around with SCM_RIGHTS: to the seccomp agent at
 * listenerPath (OCI: state JSON + fd in one message), and between the two
 * ends of a socketpair. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "seccomp.h"

/* One sendmsg carrying `len` bytes of buf and fd; a short write of a stream
 * socket is finished with plain sends (the fd went with the first byte). */
static int send_with_fd(int sock, const void *buf, size_t len, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	ssize_t n;
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (size_t off = (size_t)n; off < len; off += (size_t)n) {
		n = send(sock, (const char *)buf + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			n = 0;
		else if (n < 0)
			return -1;
	}
	return 0;
}

int sc_send_listener(const char *listener_path, int listener_fd, const char *state_json,
		     struct cap_error **err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(listener_path) >= sizeof(sa.sun_path))
		return cap_fail(err, ENAMETOOLONG, "seccomp: listenerPath %s", listener_path);
	strcpy(sa.sun_path, listener_path);
	cleanup_close int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return cap_fail(err, errno, "seccomp: socket");
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return cap_fail(err, errno, "seccomp: connect to listenerPath %s", listener_path);
	/* The JSON without a terminating NUL, as runc sends it. */
	if (send_with_fd(s, state_json, strlen(state_json), listener_fd) < 0)
		return cap_fail(err, errno, "seccomp: send listener fd to %s", listener_path);
	return 0;
}

int sc_pass_fd(int sock, int fd, struct cap_error **err)
{
	if (send_with_fd(sock, "F", 1, fd) < 0)
		return cap_fail(err, errno, "seccomp: pass fd %d", fd);
	return 0;
}

int sc_recv_fd(int sock, int *fd, struct cap_error **err)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	char byte;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf)};
	*fd = -1;
	ssize_t n;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return cap_fail(err, errno, "seccomp: receive fd");
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (n == 0 || !c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)) || (msg.msg_flags & MSG_CTRUNC))
		return cap_fail(err, EPROTO, "seccomp: receive fd: no file descriptor in message");
	memcpy(fd, CMSG_DATA(c), sizeof(int));
	return 0;
}
