/* `capsule image try`: run a command chrooted into an overlay of an image without the
 * runtime, a debugging aid for the layer store.  prepare, then a child in a private mount
 * namespace (and a user namespace with the flags' mappings) mounts the overlay, chroots and
 * execs; the parent waits and cleans up.  A failure in the child comes back as an error
 * through a CLOEXEC pipe, which a successful exec closes empty. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "../lib/file.h"
#include "../lib/userns.h"
#include "internal.h"
#include "overlay.h"

struct try_report {
	int errnum;
	char msg[512];
};

static _Noreturn void child_fail(int fd, int errnum, const char *msg)
{
	struct try_report r = {.errnum = errnum};
	snprintf(r.msg, sizeof(r.msg), "%s", msg);
	if (cap_write_all(fd, &r, sizeof(r)) < 0) { /* the parent then reports the exit status */
	}
	_exit(125);
}

static _Noreturn void try_child(const struct overlay_plan *p, char *const *cmd, bool userns,
				int go_fd, int report_fd)
{
	struct cap_error *err = NULL;
	char c;
	if (userns && (read(go_fd, &c, 1) != 1 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		child_fail(report_fd, errno, "become root in the user namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		child_fail(report_fd, errno, "make the mount namespace private");
	if (overlay_mount(p, &err) < 0)
		child_fail(report_fd, err->errnum, err->msg);
	if (chroot(overlay_rootfs(p)) < 0 || chdir("/") < 0)
		child_fail(report_fd, errno, "chroot into the overlay");
	execvp(cmd[0], cmd);
	char msg[300];
	snprintf(msg, sizeof(msg), "exec %.200s", cmd[0]);
	child_fail(report_fd, errno, msg);
}

/* The child's mappings: written by the parent, which holds the privilege, before the child
 * goes on. */
static int map_child(pid_t pid, const struct overlay_flags *f, struct cap_error **err)
{
	if (cap_id_map_write(pid, "uid_map", f->uid_mappings, f->n_uid_mappings, "--userns", err) <
	    0)
		return -1;
	return cap_id_map_write(pid, "gid_map", f->gid_mappings, f->n_gid_mappings, "--userns",
				err);
}

static int wait_child(pid_t pid, int report_fd, int *status, struct cap_error **err)
{
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return cap_fail(err, errno, "wait for the command");
	struct try_report r;
	if (read(report_fd, &r, sizeof(r)) == (ssize_t)sizeof(r)) {
		r.msg[sizeof(r.msg) - 1] = '\0';
		return cap_fail(err, r.errnum, "image try: %s", r.msg);
	}
	return 0;
}

static int run_child(const struct overlay_plan *p, const struct overlay_flags *f, char *const *cmd,
		     int *status, struct cap_error **err)
{
	int go[2], report[2];
	if (pipe2(go, O_CLOEXEC) < 0)
		return cap_fail(err, errno, "pipe");
	cleanup_close int go_rd = go[0], go_wr = go[1];
	if (pipe2(report, O_CLOEXEC) < 0)
		return cap_fail(err, errno, "pipe");
	cleanup_close int report_rd = report[0], report_wr = report[1];
	fflush(NULL);
	/* fork-like raw clone: new namespaces without a separate stack */
	long flags = SIGCHLD | CLONE_NEWNS | (f->userns ? CLONE_NEWUSER : 0);
	pid_t pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
	if (pid < 0)
		return cap_fail(err, errno, "clone");
	if (pid == 0)
		try_child(p, cmd, f->userns, go_rd, report_wr);
	close(report_wr);
	report_wr = -1;
	int rc = f->userns ? map_child(pid, f, err) : 0;
	if (rc < 0)
		kill(pid, SIGKILL);
	else if (f->userns && write(go_wr, "x", 1) != 1)
		rc = cap_fail(err, errno, "start the command");
	close(go_wr);
	go_wr = -1;
	struct cap_error *child_err = NULL;
	int wrc = wait_child(pid, report_rd, status, rc < 0 ? &child_err : err);
	cap_error_free(child_err);
	return rc < 0 ? -1 : wrc;
}

int overlay_try(const char *store, const char *ref, const char *id, const struct overlay_flags *f,
		char *const *cmd, int *status, struct cap_error **err)
{
	struct overlay_plan *p = NULL;
	if (overlay_prepare(store, ref, id, f, &p, err) < 0)
		return -1;
	int rc = run_child(p, f, cmd, status, err);
	overlay_plan_free(p);
	/* cleanup runs in any case; its error counts only when the command's did not */
	cleanup_error struct cap_error *cleanup_err = NULL;
	if (overlay_cleanup(store, id, rc < 0 ? &cleanup_err : err) < 0)
		return -1;
	return rc;
}
