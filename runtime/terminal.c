#include "terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "../lib/file.h"
#include "sync.h"

int rt_console_socket_connect(const char *path, struct cap_error **err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return cap_fail(err, ENAMETOOLONG, "console socket %s", path);
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cap_fail(err, errno, "console socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return cap_fail(err, e, "connect to console socket %s", path);
	}
	return fd;
}

static int send_master(int sock, int master, const char *name);

int rt_pidfd_socket_send(const char *path, int pidfd, struct cap_error **err)
{
	if (!path)
		return 0;
	cleanup_close int sock = rt_console_socket_connect(path, err);
	if (sock < 0)
		return cap_wrap(err, "--pidfd-socket");
	if (send_master(sock, pidfd, "pidfd") < 0)
		return cap_fail(err, errno, "--pidfd-socket %s: send the pidfd", path);
	return 0;
}

static int send_master(int sock, int master, const char *name)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {(void *)name, strlen(name)};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

int terminal_send_master(int console_fd, int master, struct cap_error **err)
{
	char name[64];
	if (ptsname_r(master, name, sizeof(name)) != 0)
		snprintf(name, sizeof(name), "/dev/ptmx");
	if (send_master(console_fd, master, name) < 0)
		return cap_fail(err, errno, "send the pty master to the console socket");
	return 0;
}

int terminal_setup(const struct spec_process *p, int console_fd, int sync_fd,
		   struct cap_error **err)
{
	cleanup_close int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return cap_fail(err, errno, "open /dev/ptmx");
	if (unlockpt(master) < 0)
		return cap_fail(err, errno, "unlockpt");
	char name[64];
	if (ptsname_r(master, name, sizeof(name)) != 0)
		return cap_fail(err, errno, "ptsname");
	cleanup_close int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return cap_fail(err, errno, "open %s", name);
	/* The process's pty is its own (runc's fixStdioPermissions: the uid,
	 * the tty group kept); an id the namespace cannot map is left alone. */
	if (fchown(slave, p->user.uid, (gid_t)-1) < 0 && errno != EINVAL && errno != EPERM)
		return cap_fail(err, errno, "chown %s to uid %u", name, (unsigned)p->user.uid);
	if (p->has_console_size) {
		struct winsize ws = {.ws_row = (unsigned short)p->console_height,
				     .ws_col = (unsigned short)p->console_width};
		if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
			return cap_fail(err, errno, "set console size");
	}
	int rc = console_fd >= 0 ? send_master(console_fd, master, name)
				 : sync_send(sync_fd, SYNC_PTY, name, strlen(name) + 1, master);
	if (rc < 0)
		return cap_fail(err, errno, "send the pty master to the console socket");
	if (setsid() < 0)
		return cap_fail(err, errno, "setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return cap_fail(err, errno, "set controlling terminal %s", name);
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return cap_fail(err, errno, "dup2 %s", name);
	return 0;
}

static bool copy_once(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));
	if (n <= 0)
		return n < 0 && (errno == EINTR || errno == EAGAIN);
	return cap_write_all(to, buf, (size_t)n) >= 0;
}

void terminal_relay(int master, int stop_fd)
{
	struct termios saved, raw;
	bool restore = isatty(0) && tcgetattr(0, &saved) == 0;
	if (restore) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
	}
	struct pollfd pfd[3] = {{master, POLLIN, 0}, {0, POLLIN, 0}, {stop_fd, POLLIN, 0}};
	bool stdin_open = true;
	for (;;) {
		pfd[1].fd = stdin_open ? 0 : -1;
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents & POLLIN) {
			if (!copy_once(master, 1))
				break;
		} else if (pfd[0].revents & (POLLHUP | POLLERR)) {
			break;
		}
		if (pfd[1].revents & (POLLIN | POLLHUP))
			stdin_open = copy_once(0, master);
		if (pfd[2].revents & POLLIN) {
			/* the process is gone: drain what it left in the pty */
			while (poll(pfd, 1, 0) > 0 && (pfd[0].revents & POLLIN) &&
			       copy_once(master, 1))
				;
			break;
		}
	}
	if (restore)
		tcsetattr(0, TCSANOW, &saved);
}
