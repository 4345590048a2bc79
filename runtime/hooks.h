/* runtime/hooks.c: OCI hooks, each run with the state JSON on stdin. */
#ifndef CAPSULE_HOOKS_H
#define CAPSULE_HOOKS_H

#include <sys/types.h>

#include "../lib/error.h"
#include "../oci/spec.h"

const char *hook_kind_name(enum spec_hook_kind kind);
/* Run every hook of one kind in order; the first failure (non-zero exit,
 * signal, timeout) stops the list and is returned as an error. */
int hooks_run(const struct spec_hooks *hooks, enum spec_hook_kind kind, const char *state_json,
	      struct cap_error **err);

/* poststart/poststop: a failing hook is only a warning; the rest still run.
 * Returns the number of failed hooks; `warn` gets each message. */
int hooks_run_warn(const struct spec_hooks *hooks, enum spec_hook_kind kind, const char *state_json,
		   void (*warn)(const char *msg));

/* startContainer hooks (start_hooks.c).  hooks_start_fork, where the seccomp
 * filter must be loaded before start, forks a runner that will run them
 * without the filter; hooks_start_run runs them (through that runner, when
 * there is one).  sh->pid is -1 when there is no runner. */
struct start_hooks {
	pid_t pid;
	int go_fd, result_fd;
};
int hooks_start_fork(const struct spec_hooks *h, const char *state_json, struct start_hooks *sh,
		     struct cap_error **err);
int hooks_start_run(const struct spec_hooks *h, const char *state_json, struct start_hooks *sh,
		    struct cap_error **err);

#endif
