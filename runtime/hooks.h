/* runtime/hooks.c: OCI hooks, each run with the state JSON on stdin. */
#ifndef CAPSULE_HOOKS_H
#define CAPSULE_HOOKS_H

#include "../lib/error.h"
#include "../oci/spec.h"

/* Run every hook of one kind in order; the first failure (non-zero exit,
 * signal, timeout) stops the list and is returned as an error. */
int hooks_run(const struct spec_hooks *hooks, enum spec_hook_kind kind, const char *state_json,
	      struct cap_error **err);

/* poststart/poststop: a failing hook is only a warning; the rest still run.
 * Returns the number of failed hooks; `warn` gets each message. */
int hooks_run_warn(const struct spec_hooks *hooks, enum spec_hook_kind kind, const char *state_json,
		   void (*warn)(const char *msg));

#endif
