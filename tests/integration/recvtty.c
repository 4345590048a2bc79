// recvtty SOCK OUT [INPUT]: a console-socket receiver for the integration tests.
//
// Listens on the unix socket SOCK, accepts one connection, receives the pty master
// fd that the runtime sends with SCM_RIGHTS (--console-socket), writes INPUT (if
// given) into the terminal, then copies everything the terminal prints into OUT
// until the pty hangs up (EIO once the last slave fd is closed) or EOF.
// Exits 0 on that, 1 on any error (printed to stderr).
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "recvtty: %s: %s\n", what, strerror(errno));
	return 1;
}

static int recv_fd(int conn)
{
	char name[4096];
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = name, .iov_len = sizeof(name)};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(conn, &msg, 0) < 0)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
		errno = EBADMSG;
		return -1;
	}
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

int main(int argc, char **argv)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	char buf[4096];
	int lfd, conn, master, out;
	ssize_t n;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: recvtty SOCK OUT [INPUT]\n");
		return 2;
	}
	if (strlen(argv[1]) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "recvtty: socket path too long\n");
		return 2;
	}
	strcpy(addr.sun_path, argv[1]);
	out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		return die(argv[2]);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return die("socket");
	unlink(argv[1]);
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(lfd, 1) < 0)
		return die(argv[1]);
	conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return die("accept");
	master = recv_fd(conn);
	if (master < 0)
		return die("recvmsg");
	close(conn);
	close(lfd);
	if (argc == 4 && write(master, argv[3], strlen(argv[3])) < 0)
		return die("write to pty");
	for (;;) {
		n = read(master, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno == EIO))
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return die("read pty");
		if (write(out, buf, n) != n)
			return die("write output");
	}
}
