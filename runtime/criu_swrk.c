/* criu swrk started by capsule itself (criu.h says why). */
#include "criu.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "../lib/file.h"

extern char **environ;

/* The child: `criu swrk FD`, inheriting what libcriu's own spawn would (every fd
 * not close-on-exec: the stdio that restore hands over by number) and SIGCHLD
 * unblocked, which criu's restore needs to see its helpers fail. */
static _Noreturn void exec_swrk(const char *bin, int sk)
{
	char fd[16];
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_UNBLOCK, &chld, NULL);
	if (fcntl(sk, F_SETFD, 0) == 0) {
		snprintf(fd, sizeof(fd), "%d", sk);
		char *argv[] = {(char *)bin, "swrk", fd, NULL};
		execve(bin, argv, environ);
	}
	_exit(127);
}

static pid_t start_swrk(const char *bin, int *sk)
{
	int sks[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sks) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(sks[0]);
		exec_swrk(bin, sks[1]);
	}
	close(sks[1]);
	if (pid < 0) {
		close(sks[0]);
		return -1;
	}
	*sk = sks[0];
	return pid;
}

int criu_swrk_call(struct criu_ctx *c, int (*op)(criu_opts *opts))
{
	const char *name = getenv(CRIU_BINARY_ENV);
	cleanup_free char *bin = cap_find_program(name && *name ? name : "criu");
	int sk = -1;
	pid_t pid = bin ? start_swrk(bin, &sk) : -1;
	if (pid < 0)
		return -ECOMM; /* criu_fail: "cannot run criu" */
	criu_local_set_service_fd(c->opts, sk);
	/* libcriu closes the socket when the request is done; criu then exits. */
	int rc = op(c->opts);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return rc;
}
