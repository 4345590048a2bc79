#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "../lib/file.h"
#include "process.h"

static void exec_hook(const struct spec_hook *h, int stdin_fd)
{
	process_reset_signals();
	dup2(stdin_fd, 0);
	char *const empty_env[] = {NULL};
	char *argv_default[] = {h->path, NULL};
	char *const *argv = h->args && h->n_args ? h->args : argv_default;
	execve(h->path, argv, h->env ? h->env : empty_env);
	_exit(127);
}

/* Wait for the hook with an optional timeout; a hook that outlives its
 * timeout is killed. */
static int wait_hook(pid_t pid, const struct spec_hook *h, int *status)
{
	if (!h->has_timeout) {
		while (waitpid(pid, status, 0) < 0)
			if (errno != EINTR)
				return -1;
		return 0;
	}
	cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
	int r = pidfd >= 0 ? poll(&pfd, 1, h->timeout * 1000) : 1;
	if (r == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, status, 0);
		errno = ETIMEDOUT;
		return -1;
	}
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static int run_one(const struct spec_hook *h, const char *kind, size_t idx, const char *state_json,
		   struct cap_error **err)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return cap_fail(err, errno, "%s hook #%zu: pipe", kind, idx);
	pid_t pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return cap_fail(err, errno, "%s hook #%zu: fork", kind, idx);
	}
	if (pid == 0)
		exec_hook(h, pipefd[0]);
	close(pipefd[0]);
	/* A hook that does not read its stdin must not kill us: EPIPE is fine.
	 * Ignored only for the write: a later child must not inherit it. */
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	sigaction(SIGPIPE, &ign, &old);
	cap_write_all(pipefd[1], state_json, strlen(state_json));
	sigaction(SIGPIPE, &old, NULL);
	close(pipefd[1]);
	int status = 0;
	if (wait_hook(pid, h, &status) < 0) {
		if (errno == ETIMEDOUT)
			return cap_fail(err, 0, "%s hook #%zu (%s): timed out after %d s", kind,
					idx, h->path, h->timeout);
		return cap_fail(err, errno, "%s hook #%zu (%s): wait", kind, idx, h->path);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return cap_fail(err, 0, "%s hook #%zu (%s): could not be executed", kind, idx,
				h->path);
	if (WIFEXITED(status))
		return cap_fail(err, 0, "%s hook #%zu (%s): exit status %d", kind, idx, h->path,
				WEXITSTATUS(status));
	return cap_fail(err, 0, "%s hook #%zu (%s): killed by signal %d", kind, idx, h->path,
			WTERMSIG(status));
}

int hooks_run_warn(const struct spec_hooks *hooks, enum spec_hook_kind kind, const char *state_json,
		   void (*warn)(const char *msg))
{
	int failed = 0;
	for (size_t i = 0; i < hooks->count[kind]; i++) {
		struct cap_error *e = NULL;
		if (run_one(&hooks->list[kind][i], spec_hook_kind_name(kind), i, state_json, &e) <
		    0) {
			failed++;
			if (warn && e)
				warn(e->msg);
		}
		cap_error_free(e);
	}
	return failed;
}

int hooks_run(const struct spec_hooks *hooks, enum spec_hook_kind kind, const char *state_json,
	      struct cap_error **err)
{
	for (size_t i = 0; i < hooks->count[kind]; i++)
		if (run_one(&hooks->list[kind][i], spec_hook_kind_name(kind), i, state_json, err) <
		    0)
			return -1;
	return 0;
}
