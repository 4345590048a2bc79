/* startContainer hooks, from the container's init at `start`, before the
 * user process is executed (runtime-spec: in the container's namespaces,
 * after the start operation, before the program).
 *
 * They must not run under the container's seccomp filter: a profile written
 * for the program may deny what a hook needs (runc 1.1 runs them after
 * loading the filter, and such hooks fail there).  Init loads the filter after
 * the hooks, except for a profile with a notify listener: that filter is
 * loaded at create, where the listener is handed to the agent.  For that
 * case a runner is forked before the filter is loaded; at start it runs the
 * hooks, unfiltered, and reports back through a pipe. */
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/cleanup.h"

static bool has_start_hooks(const struct spec_hooks *h)
{
	return h->count[HOOK_START_CONTAINER] > 0;
}

static _Noreturn void runner(const struct spec_hooks *h, const char *state, pid_t init, int go,
			     int result)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	char b;
	if (getppid() != init || read(go, &b, 1) != 1)
		_exit(0); /* init is gone, or ended without a start */
	struct cap_error *e = NULL;
	if (hooks_run(h, HOOK_START_CONTAINER, state, &e) == 0)
		_exit(0);
	const char *m = e && e->msg ? e->msg : "startContainer hook failed";
	ssize_t n = write(result, m, strlen(m));
	_exit(n < 0 ? 2 : 1);
}

int hooks_start_fork(const struct spec_hooks *h, const char *state, struct start_hooks *sh,
		     struct cap_error **err)
{
	*sh = (struct start_hooks){.pid = -1, .go_fd = -1, .result_fd = -1};
	if (!has_start_hooks(h))
		return 0;
	int go[2], res[2];
	if (pipe2(go, O_CLOEXEC) < 0)
		return cap_fail(err, errno, "startContainer hooks: pipe");
	if (pipe2(res, O_CLOEXEC) < 0) {
		close(go[0]), close(go[1]);
		return cap_fail(err, errno, "startContainer hooks: pipe");
	}
	pid_t init = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		close(go[1]), close(res[0]);
		runner(h, state, init, go[0], res[1]);
	}
	int e = errno;
	close(go[0]), close(res[1]);
	if (pid < 0) {
		close(go[1]), close(res[0]);
		return cap_fail(err, e, "startContainer hooks: fork the runner");
	}
	*sh = (struct start_hooks){.pid = pid, .go_fd = go[1], .result_fd = res[0]};
	return 0;
}

/* The runner's verdict: its message on failure. */
static int runner_result(struct start_hooks *sh, struct cap_error **err)
{
	char msg[1024];
	size_t len = 0;
	ssize_t n;
	while (len < sizeof(msg) - 1 &&
	       ((n = read(sh->result_fd, msg + len, sizeof(msg) - 1 - len)) > 0 ||
		(n < 0 && errno == EINTR)))
		len += n > 0 ? (size_t)n : 0;
	msg[len] = '\0';
	int status = 0;
	while (waitpid(sh->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return cap_fail(err, 0, "%s", len ? msg : "startContainer hooks: the runner failed");
}

int hooks_start_run(const struct spec_hooks *h, const char *state, struct start_hooks *sh,
		    struct cap_error **err)
{
	if (sh->pid < 0)
		return hooks_run(h, HOOK_START_CONTAINER, state, err);
	ssize_t n = write(sh->go_fd, "s", 1);
	close(sh->go_fd);
	int rc = n == 1 ? runner_result(sh, err)
			: cap_fail(err, errno, "startContainer hooks: start the runner");
	close(sh->result_fd);
	sh->pid = sh->go_fd = sh->result_fd = -1;
	return rc;
}
