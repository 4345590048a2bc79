/* runtime/process.c: the container process's own attributes, applied in the
 * child after the filesystem is ready, in runc's order. */
#ifndef CAPSULE_PROCESS_H
#define CAPSULE_PROCESS_H

#include <stdbool.h>

#include "../lib/error.h"
#include "../oci/spec.h"

/* Resource and scheduling attributes (before privileges are dropped). */
int process_set_rlimits(const struct spec_process *p, struct cap_error **err);
int process_set_oom_score_adj(const struct spec_process *p, struct cap_error **err);
int process_set_scheduling(const struct spec_process *p, struct cap_error **err);
int process_set_personality(const struct spec_linux *l, struct cap_error **err);
/* linux.memoryPolicy: set_mempolicy for the init (inherited by its program). */
int process_set_mempolicy(const struct spec_linux *l, struct cap_error **err);
int process_set_cpu_affinity(const char *cpus, struct cap_error **err);

/* Find args[0] through the container's PATH (from env), as execvp would; the
 * result is malloc'd.  Done before the start wait so a missing binary fails
 * `create`, like runc. */
char *process_find_executable(const struct spec_process *p, struct cap_error **err);

/* "HOME=<dir>" when the process env has no HOME: the user's home from the
 * container's /etc/passwd, else "/" (runc).  NULL when HOME is set. */
char *process_home_env(const struct spec_process *p);

/* Drop the bounding set, switch to the configured user and groups keeping the
 * configured capabilities, then umask.  no_new_privs is separate because its
 * place relative to seccomp matters. */
int process_drop_bounding(const struct spec_process *p, struct cap_error **err);
/* in_userns: an id the namespace does not map keeps the current one (as crun
 * does) instead of failing with EINVAL. */
int process_switch_user(const struct spec_process *p, bool in_userns, struct cap_error **err);
int process_apply_caps(const struct spec_process *p, struct cap_error **err);
int process_set_no_new_privs(struct cap_error **err);
/* Every signal back to SIG_DFL and none blocked, for a process about to
 * execve something that is not ours (the container's program, a hook): what
 * the runtime ignored (SIGPIPE while writing to a hook) or blocked (the
 * signals `run` relays) must not leak into it. */
void process_reset_signals(void);

/* Mark every fd >= first CLOEXEC so nothing from the runtime reaches the
 * container; the fds below stay (stdio + preserved fds). */
int process_cloexec_from(int first, struct cap_error **err);

#endif
