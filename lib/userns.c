#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"

int cap_id_map_format(char *buf, size_t size, const struct cap_id_mapping *m, size_t n, size_t *len)
{
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + off, size - off, "%u %u %u\n", m[i].container_id,
				 m[i].host_id, m[i].size);
		if (w < 0 || (size_t)w >= size - off) {
			errno = E2BIG;
			return -1;
		}
		off += (size_t)w;
	}
	*len = off;
	return 0;
}

int cap_id_map_write(pid_t pid, const char *file, const struct cap_id_mapping *m, size_t n,
		     const char *what, struct cap_error **err)
{
	char path[64], buf[4096]; /* the kernel takes at most one page */
	size_t len = 0;
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	if (cap_id_map_format(buf, sizeof(buf), m, n, &len) < 0)
		return cap_fail(err, E2BIG, "%s: write %s: too many mappings", what, path);
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return cap_fail(err, errno, "%s: open %s", what, path);
	ssize_t w = write(fd, buf, len);
	if (w != (ssize_t)len)
		return cap_fail(err, w < 0 ? errno : EIO, "%s: write %s", what, path);
	return 0;
}

int cap_userns_fd(const struct cap_id_mapping *uid, size_t n_uid, const struct cap_id_mapping *gid,
		  size_t n_gid, struct cap_error **err)
{
	/* raw clone: no stack needed, the child only waits to be killed */
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0)
		return cap_fail(err, errno, "clone a user namespace");
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	int nsfd = -1;
	if (cap_id_map_write(pid, "uid_map", uid, n_uid, "uidMappings", err) == 0 &&
	    cap_id_map_write(pid, "gid_map", gid, n_gid, "gidMappings", err) == 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		nsfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0)
			cap_fail(err, errno, "open %s", path);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return nsfd;
}
