/* Running from a sealed in-memory copy of the runtime binary (CVE-2019-5736).
 *
 * While `create`/`run`/`exec` set up a process inside a container, that
 * process still runs the host's capsule binary; a container process that can
 * open /proc/<pid>/exe of it could reopen the binary for writing once it
 * exits.  PR_SET_DUMPABLE 0 (exec.c) stops that only for a container without
 * CAP_SYS_PTRACE over the init user namespace: a root container (no user
 * namespace) granted CAP_SYS_PTRACE passes the ptrace access check anyway.
 * For that case only, re-execute from a memfd copy sealed against writes, so
 * /proc/<pid>/exe leads to the copy, never to the host file.
 *
 * Call cloned_binary_ensure() right after the config (and, for exec, the
 * process) is known and before anything is created: the command restarts
 * from main() with the same argv and environment.  Where:
 *   runtime/container.c prepare(): after load_config(), before
 *     seccomp_program_build()/state_dir_create():
 *       if (cloned_binary_ensure(cloned_binary_needed(x->spec, &x->spec->process), err) < 0)
 *               return -1;
 *   runtime/exec.c prepare_exec(): after load_process(), before cgroup_open():
 *       same call with &x->spec->process (the exec'd process's capabilities).
 * It costs nothing when not needed (one bit test per capability set). */
#ifndef CAPSULE_CLONED_BINARY_H
#define CAPSULE_CLONED_BINARY_H

#include <stdbool.h>

#include "error.h"
#include "spec.h"

/* No user namespace (neither new nor joined) and CAP_SYS_PTRACE in any set. */
bool cloned_binary_needed(const struct spec *s, const struct spec_process *p);
/* True when this process already runs from a sealed memfd. */
bool cloned_binary_is_cloned(void);
/* needed && not yet cloned: copy /proc/self/exe into a sealed memfd and
 * re-exec it with our argv (from /proc/self/cmdline) and environ; returns
 * only on failure (-1, *err set).  Otherwise returns 0 at once. */
int cloned_binary_ensure(bool needed, struct cap_error **err);

#endif
