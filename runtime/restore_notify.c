/* restore: CRIU's notifications during a restore, handled as runc does
 * (libcontainer's criuNotifications):
 *   "setup-namespaces"   the tree exists in its namespaces, nothing of it runs
 *                        yet: the prestart and createRuntime hooks run, with
 *                        the restored init's pid in the state, in the host's
 *                        mount namespace (runc runs no other hook kind on
 *                        restore);
 *   "orphan-pts-master"  CRIU made a new pty pair for the terminal the
 *                        container had (criu_local_set_orphan_pts_master):
 *                        its master goes to the --console-socket, like the
 *                        pty of a created container, or is kept for a
 *                        foreground restore to relay (as `run` does).
 * libcriu's callback takes no user pointer, hence the one static context:
 * a restore is one per process.  A failing handler fails the restore (CRIU
 * aborts on a negative answer). */
#include "criu.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "../lib/ns.h"
#include "hooks.h"
#include "terminal.h"

static struct criu_restore_notify *current;

/* Back in the mount namespace the runtime was started in (restore.c binds
 * CRIU's root in a private one), as runc runs these hooks: a mount a hook
 * makes (a network namespace file, say) must stay on the host.  setns moves
 * our cwd to the namespace's root: it is put back after. */
static int hooks_in_host_ns(struct criu_restore_notify *n, const char *json)
{
	cleanup_close int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int saved = -1, rc = 0;
	if (n->host_mntns >= 0)
		rc = cap_ns_enter_for_children(n->host_mntns, CLONE_NEWNS, &saved, &n->err);
	if (rc == 0)
		rc = hooks_run(n->hooks, HOOK_PRESTART, json, &n->err);
	if (rc == 0)
		rc = hooks_run(n->hooks, HOOK_CREATE_RUNTIME, json, &n->err);
	struct cap_error *e = NULL;
	if (cap_ns_leave_for_children(&saved, CLONE_NEWNS, &e) < 0) {
		if (!n->err)
			n->err = steal_pointer(&e);
		cap_error_free(e);
		return -1;
	}
	if (cwd >= 0 && fchdir(cwd) < 0 && rc == 0)
		return cap_fail(&n->err, errno, "restore: back to the working directory");
	return rc;
}

static int run_hooks(struct criu_restore_notify *n, pid_t pid)
{
	n->st.pid = pid;
	n->st.start_time = rt_proc_start_time(pid);
	cleanup_free char *json = state_to_json(&n->st, STATUS_CREATING, false);
	if (!json)
		return cap_fail(&n->err, ENOMEM, "restore: hook state");
	return hooks_in_host_ns(n, json);
}

static int send_pty(struct criu_restore_notify *n)
{
	int master = criu_get_orphan_pts_master_fd();
	if (master < 0)
		return cap_fail(&n->err, EBADF, "restore: CRIU sent no pty master");
	if (n->console_fd < 0) { /* a foreground restore relays it itself */
		n->pty_master = master;
		return 0;
	}
	int rc = terminal_send_master(n->console_fd, master, &n->err);
	close(master);
	return rc;
}

static int on_notify(char *action, criu_notify_arg_t na)
{
	struct criu_restore_notify *n = current;
	if (!n || n->err) /* one failure is enough: keep it */
		return n ? -1 : 0;
	if (strcmp(action, "setup-namespaces") == 0)
		return run_hooks(n, criu_notify_pid(na));
	if (strcmp(action, "orphan-pts-master") == 0)
		return send_pty(n);
	return 0;
}

void criu_restore_notify_install(struct criu_ctx *c, struct criu_restore_notify *n)
{
	current = n;
	criu_local_set_notify_cb(c->opts, on_notify);
}

void criu_restore_notify_done(struct criu_restore_notify *n)
{
	if (current == n)
		current = NULL;
}
