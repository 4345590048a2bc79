/* Running from a sealed, read-only copy of the runtime binary (CVE-2019-5736).
 *
 * capsule sets up container processes from clone3 children, which run the
 * host's capsule binary inside the container: the init until its execve (and
 * the createContainer/startContainer hooks it forks), and the child of
 * `exec`.  PR_SET_DUMPABLE 0 is not enough: a container program that is a
 * script starting with `#!/proc/self/exe` makes such a child execve the
 * binary again, as a fresh, dumpable process inside the container; a root
 * process there opens /proc/<pid>/exe and, once it exits, reopens it for
 * writing.  So `create`/`run`/`exec` re-execute themselves, before anything
 * is created, from a copy no one can write:
 *   - a detached read-only bind mount of the binary (open_tree +
 *     mount_setattr): no copy, costs a re-exec only; writes give EROFS;
 *   - a memfd copy sealed against writes (F_SEAL_*: EPERM), when the mount
 *     API is not there or not allowed (rootless), and whenever the process
 *     may hold CAP_SYS_ADMIN in the initial user namespace (it could change
 *     a mount's flags; it cannot unseal a memfd).
 * Every process cloned afterwards shares that executable, so /proc/<pid>/exe
 * of any capsule process in the container never leads to the host file.
 *
 * cmd/main.c calls cloned_binary_ensure_argv() for create, run and exec
 * before anything else, so that the work before the re-exec is only the
 * exec itself: the command restarts from main() with the same argv and
 * environment.  runtime/container.c prepare() (after load_config()) and
 * runtime/exec.c prepare_exec() (after load_process()) then call
 * cloned_binary_ensure(), which returns at once unless the config wants a
 * memfd and this process runs from the read-only bind: only such
 * (privileged) containers pay a second re-exec. */
#ifndef CAPSULE_CLONED_BINARY_H
#define CAPSULE_CLONED_BINARY_H

#include <stdbool.h>

#include "../lib/error.h"
#include "../oci/spec.h"

/* No user namespace (neither new nor joined) and CAP_SYS_ADMIN in any set:
 * only a sealed memfd will do. */
bool cloned_binary_memfd_needed(const struct spec *s, const struct spec_process *p);
/* True when this process already runs from a sealed memfd or (unless
 * memfd_only) from a read-only mount. */
bool cloned_binary_is_cloned(bool memfd_only);
/* Unless already cloned: re-exec from a read-only bind mount of
 * /proc/self/exe (unless memfd_only) or a sealed memfd copy; returns only on
 * failure (-1, *err set).  Otherwise returns 0 at once. */
int cloned_binary_ensure(bool memfd_only, struct cap_error **err);
/* The same, not memfd_only, with main()'s argv (no /proc/self/cmdline). */
int cloned_binary_ensure_argv(char **argv, struct cap_error **err);
/* Path of the host's binary this process was started from (before any
 * re-exec from a sealed copy), or NULL if unknown. */
const char *cloned_binary_host_path(void);

#define CLONED_BINARY_HOST_ENV "_CAPSULE_HOST_EXE"

#endif
