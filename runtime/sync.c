#include "sync.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define SYNC_MAX_PAYLOAD (256 * 1024)

struct sync_hdr {
	uint32_t type;
	int32_t errnum;
	uint32_t len;
};

int sync_send(int sock, enum sync_type type, const void *payload, size_t len, int fd)
{
	struct sync_hdr h = {.type = type, .errnum = 0, .len = (uint32_t)len};
	struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)payload, len}};
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};
	if (fd >= 0) {
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	ssize_t n;
	/* Without an fd, plain writev: the child talks after loading a seccomp
	 * profile, which may send sendmsg to a NOTIFY agent (runc uses write). */
	do
		n = fd >= 0 ? sendmsg(sock, &mh, MSG_NOSIGNAL)
			    : writev(sock, iov, (int)mh.msg_iovlen);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0;
}

int sync_send_error(int sock, const struct cap_error *e)
{
	const char *msg = e && e->msg ? e->msg : "unknown error";
	size_t len = strlen(msg) + 1;
	struct sync_hdr h = {.type = SYNC_ERROR, .errnum = e ? e->errnum : 0, .len = (uint32_t)len};
	struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)msg, len}};
	return writev(sock, iov, 2) < 0 ? -1 : 0;
}

/* The fd that came with a message, -1 for none.  The protocol sends at most one: more is
 * refused with -2, all of them closed so that none leaks into the runtime. */
static int take_fd(struct msghdr *mh)
{
	int fd = -1;
	bool extra = false;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int f;
			memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (fd < 0) {
				fd = f;
			} else {
				close(f);
				extra = true;
			}
		}
	}
	if (extra) {
		close(fd);
		return -2;
	}
	return fd;
}

int sync_recv(int sock, struct sync_msg *m, struct cap_error **err)
{
	memset(m, 0, sizeof(*m));
	m->fd = -1;
	struct sync_hdr h;
	/* Peek the header to learn the payload size; seqpacket keeps boundaries. */
	ssize_t n;
	do
		n = recv(sock, &h, sizeof(h), MSG_PEEK);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return cap_fail(err, 0, "container init exited before it was ready");
	if (n < 0)
		return cap_fail(err, errno, "read from container init");
	if ((size_t)n < sizeof(h) || h.len > SYNC_MAX_PAYLOAD)
		return cap_fail(err, EPROTO, "bad message from container init");
	m->buf = malloc(h.len + 1);
	if (!m->buf)
		return cap_fail(err, ENOMEM, "sync message");
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov[2] = {{&h, sizeof(h)}, {m->buf, h.len}};
	struct msghdr mh = {
	    .msg_iov = iov, .msg_iovlen = 2, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int e = errno;
		sync_msg_free(m);
		return cap_fail(err, e, "read from container init");
	}
	int fd = take_fd(&mh); /* first, so that a refused message's fd is closed with it */
	m->fd = fd >= 0 ? fd : -1;
	/* The datagram must be exactly header + h.len bytes: a shorter one would leave the
	 * rest of buf uninitialised, a longer one is cut (MSG_TRUNC) without notice. */
	if (fd == -2 || (size_t)n != sizeof(h) + h.len ||
	    (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		sync_msg_free(m);
		return cap_fail(err, EPROTO, "bad message from container init");
	}
	m->buf[h.len] = 0;
	m->type = h.type;
	m->errnum = h.errnum;
	m->len = h.len;
	return 0;
}

/* Child side: one read(2) of a whole datagram (seqpacket keeps boundaries);
 * no recvmsg, for the same reason as writev above.  The child never
 * receives fds. */
static int sync_read(int sock, struct sync_msg *m, struct cap_error **err)
{
	memset(m, 0, sizeof(*m));
	m->fd = -1;
	size_t cap = sizeof(struct sync_hdr) + SYNC_MAX_PAYLOAD;
	char *buf = malloc(cap + 1);
	if (!buf)
		return cap_fail(err, ENOMEM, "sync message");
	ssize_t n;
	do
		n = read(sock, buf, cap);
	while (n < 0 && errno == EINTR);
	struct sync_hdr h;
	if (n < (ssize_t)sizeof(h)) {
		free(buf);
		if (n == 0)
			return cap_fail(err, 0, "the runtime went away");
		return cap_fail(err, n < 0 ? errno : EPROTO, "read from the runtime");
	}
	memcpy(&h, buf, sizeof(h));
	size_t len = (size_t)n - sizeof(h);
	if (h.len != len) { /* a short or cut datagram: see sync_recv */
		free(buf);
		return cap_fail(err, EPROTO, "bad message from the runtime");
	}
	memmove(buf, buf + sizeof(h), len);
	buf[len] = 0;
	m->type = h.type;
	m->errnum = h.errnum;
	m->len = (uint32_t)len;
	m->buf = buf;
	return 0;
}

int sync_expect(int sock, enum sync_type type, struct sync_msg *m, struct cap_error **err)
{
	if (sync_read(sock, m, err) < 0)
		return -1;
	if (m->type == type)
		return 0;
	int rc;
	if (m->type == SYNC_ERROR) {
		rc = sync_error(err, m);
	} else {
		rc = cap_fail(err, EPROTO, "unexpected message %u from container init", m->type);
	}
	sync_msg_free(m);
	return rc;
}

void sync_msg_free(struct sync_msg *m)
{
	free(m->buf);
	m->buf = NULL;
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}

int sync_error(struct cap_error **err, const struct sync_msg *m)
{
	int rc = cap_fail(err, 0, "%s", m->buf ? m->buf : "container init failed");
	if (err && *err)
		(*err)->errnum = m->errnum;
	return rc;
}
