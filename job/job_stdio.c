/* stdout/stderr of the job stream through a relay process that hashes them.
 *
 * The container inherits fds 0-2 from the runtime when it is cloned, so for the length of
 * the run our own 1 and 2 are pipes to the relay, and 0 is /dev/null (a job reads no
 * terminal).  The relay is a forked process, not a thread: the runtime clones from this
 * process and must not race a thread holding locks.  It ignores job-control signals (the
 * runtime forwards them to the job) and drains both pipes until EOF, then reports the two
 * digests on a result pipe. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "../lib/cleanup.h"
#include "../lib/file.h"
#include "internal.h"

struct job_stdio {
	int saved[3]; /* our 0, 1, 2 */
	int result;   /* read end: "<stdout hex> <stderr hex>" */
	pid_t relay;
};

static void relay_loop(int out_r, int err_r, int out_w, int err_w, int result)
{
	struct job_sha *h[2];
	cleanup_error struct cap_error *e = NULL;
	if (job_sha_init(&h[0], &e) < 0 || job_sha_init(&h[1], &e) < 0)
		_exit(1);
	struct pollfd p[2] = {{out_r, POLLIN, 0}, {err_r, POLLIN, 0}};
	int to[2] = {out_w, err_w}, open_n = 2;
	static char buf[1 << 16];
	while (open_n > 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		for (int i = 0; i < 2; i++) {
			if (!p[i].revents)
				continue;
			ssize_t n = read(p[i].fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				p[i].fd = -1;
				open_n--;
				continue;
			}
			job_sha_update(h[i], buf, (size_t)n);
			cap_write_all(to[i], buf,
				      (size_t)n); /* a closed terminal does not stop the job */
		}
	}
	char msg[2 * JOB_HEX_LEN + 2];
	job_sha_final(h[0], msg);
	msg[JOB_HEX_LEN] = ' ';
	job_sha_final(h[1], msg + JOB_HEX_LEN + 1);
	cap_write_all(result, msg, sizeof(msg) - 1);
	_exit(0);
}

static void close_pair(int p[2])
{
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0)
			close(p[i]);
}

int job_stdio_start(struct job_stdio **out, struct cap_error **err)
{
	int po[2] = {-1, -1}, pe[2] = {-1, -1}, pr[2] = {-1, -1};
	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0 || pipe2(pr, O_CLOEXEC) < 0) {
		int e = errno;
		close_pair(po), close_pair(pe), close_pair(pr);
		return cap_fail(err, e, "pipe");
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close_pair(po), close_pair(pe), close_pair(pr);
		return cap_fail(err, e, "fork stdio relay");
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int sigs[] = {SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGPIPE, SIGTSTP};
		for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++)
			signal(sigs[i], SIG_IGN);
		close(po[1]), close(pe[1]), close(pr[0]);
		relay_loop(po[0], pe[0], 1, 2, pr[1]);
	}
	close(po[0]), close(pe[0]), close(pr[1]);
	struct job_stdio *io = calloc(1, sizeof(*io));
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	for (int i = 0; io && i < 3; i++)
		io->saved[i] = fcntl(i, F_DUPFD_CLOEXEC, 3);
	if (!io || null < 0 || io->saved[0] < 0 || io->saved[1] < 0 || io->saved[2] < 0 ||
	    dup2(null, 0) < 0 || dup2(po[1], 1) < 0 || dup2(pe[1], 2) < 0) {
		int e = errno ? errno : ENOMEM;
		close(po[1]), close(pe[1]);
		if (null >= 0)
			close(null);
		if (io) {
			io->result = pr[0];
			io->relay = pid;
			char a[JOB_HEX_LEN + 1], b[JOB_HEX_LEN + 1];
			job_stdio_finish(io, a, b, NULL);
		}
		return cap_fail(err, e, "redirect stdio");
	}
	close(po[1]), close(pe[1]), close(null);
	io->result = pr[0];
	io->relay = pid;
	*out = io;
	return 0;
}

int job_stdio_finish(struct job_stdio *io, char out_hex[JOB_HEX_LEN + 1],
		     char err_hex[JOB_HEX_LEN + 1], struct cap_error **err)
{
	fflush(stdout);
	fflush(stderr);
	/* Our copies of the write ends go; the relay sees EOF once the job's are gone too. */
	for (int i = 0; i < 3; i++)
		if (io->saved[i] >= 0) {
			dup2(io->saved[i], i);
			close(io->saved[i]);
		}
	char msg[2 * JOB_HEX_LEN + 2] = "";
	ssize_t n, got = 0;
	while (got < (ssize_t)sizeof(msg) - 1 &&
	       ((n = read(io->result, msg + got, sizeof(msg) - 1 - (size_t)got)) > 0 ||
		(n < 0 && errno == EINTR)))
		got += n > 0 ? n : 0;
	close(io->result);
	while (waitpid(io->relay, NULL, 0) < 0 && errno == EINTR)
		;
	free(io);
	if (got != (ssize_t)sizeof(msg) - 1)
		return cap_fail(err, 0, "stdio relay: no digests");
	memcpy(out_hex, msg, JOB_HEX_LEN);
	out_hex[JOB_HEX_LEN] = '\0';
	memcpy(err_hex, msg + JOB_HEX_LEN + 1, JOB_HEX_LEN);
	err_hex[JOB_HEX_LEN] = '\0';
	return 0;
}
