/* Loading the compiled filter (child) and fetching its notify listener (parent).
 *
 * sc_program_load runs in the container's init right before execve:
 * a single seccomp(2) call with the BPF built in the parent, no libseccomp,
 * no allocation on the success path.
 *
 * Syscalls the runtime itself needs after the load (execve above all): we do
 * what runc does and nothing more.  The filter is loaded as late as possible
 * (before the capability drop when no_new_privs is off, since loading then
 * needs CAP_SYS_ADMIN; otherwise right before execve), and a profile that
 * blocks something needed afterwards makes the start fail with that
 * syscall's error (e.g. "exec /bin/sh: Operation not permitted"), or kills
 * the init with SIGSYS for KILL/TRAP actions.  We add no hidden allow rules:
 * the profile the user wrote is the filter the container gets. */
#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "program.h"
#include "seccomp.h"

int sc_program_load(const struct sc_program *p, int *listener_fd, struct cap_error **err)
{
	struct sock_fprog prog = {.len = p->len, .filter = p->insns};
	if (listener_fd)
		*listener_fd = -1;
	long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &prog);
	if (rc < 0 && errno == EACCES)
		return cap_fail(err, errno,
				"seccomp: load filter (needs no_new_privs or "
				"CAP_SYS_ADMIN)");
	if (rc < 0)
		return cap_fail(err, errno, "seccomp: load filter (flags 0x%x)", p->flags);
	if (p->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
		/* The kernel makes it O_CLOEXEC: it leaves this process at execve. */
		if (listener_fd)
			*listener_fd = (int)rc;
	} else if (rc > 0) {
		/* TSYNC without TSYNC_ESRCH: rc is a thread that could not follow. */
		return cap_fail(err, ESRCH, "seccomp: thread %ld could not be synchronized", rc);
	}
	return 0;
}

/* A seccomp notify fd answers NOTIF_ID_VALID for a stale id with ENOENT;
 * anything else answers ENOTTY or EINVAL. */
static bool is_notify_fd(int fd)
{
	__u64 id = 0;
	return ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0 && errno == ENOENT;
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

static bool has_exited(int pidfd)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	return poll(&p, 1, 0) > 0;
}

int sc_fetch_listener(int pidfd, int child_fd, int timeout_ms, int *out, struct cap_error **err)
{
	struct timespec t0, pause = {0, 50 * 1000};
	clock_gettime(CLOCK_MONOTONIC, &t0);
	*out = -1;
	for (;;) {
		int fd = (int)syscall(SYS_pidfd_getfd, pidfd, child_fd, 0);
		if (fd >= 0 && is_notify_fd(fd)) {
			*out = fd; /* pidfd_getfd always sets O_CLOEXEC */
			return 0;
		}
		if (fd >= 0)
			close(fd); /* not loaded yet: something else in that slot */
		else if (errno != EBADF)
			return cap_fail(err, errno, "seccomp: pidfd_getfd(fd %d) of container init",
					child_fd);
		if (has_exited(pidfd))
			return cap_fail(err, ESRCH,
					"seccomp: container init exited before loading its filter");
		if (elapsed_ms(&t0) > timeout_ms)
			return cap_fail(err, ETIMEDOUT,
					"seccomp: no listener fd %d in container init after %d ms",
					child_fd, timeout_ms);
		nanosleep(&pause, NULL);
		if (pause.tv_nsec < 2 * 1000 * 1000)
			pause.tv_nsec *= 2;
	}
}
