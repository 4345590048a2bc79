/* seccomp/: OCI linux.seccomp -> libseccomp filter -> BPF, loaded in the child.
 *
 * The filter is compiled in the parent (before clone) so a strict profile never
 * blocks the runtime's own setup, and loaded by the child right before execve. */
#ifndef CAPSULE_SECCOMP_H
#define CAPSULE_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/error.h"
#include "../oci/spec.h"

struct sc_program; /* opaque compiled BPF + load flags */

/* Compile a profile.  `debug_note` (may be NULL) is called for each syscall name
 * this libseccomp does not know, which is skipped as runc does. */
int sc_program_build(const struct spec_seccomp *sc, struct sc_program **out,
		     void (*debug_note)(const char *msg), struct cap_error **err);
/* The same, reusing a program compiled before for the same translated profile,
 * libseccomp, architecture, kernel features and flags: cache_dir (may be NULL:
 * no cache) is a directory of the caller's own, created 0700 if missing; any
 * doubt about a cached program means compiling (seccomp/cache.h).  Notes (hit,
 * miss, rejected entries) go to debug_note. */
int sc_program_build_cached(const struct spec_seccomp *sc, const char *cache_dir,
			    struct sc_program **out, void (*debug_note)(const char *msg),
			    struct cap_error **err);
/* Load into the calling thread.  When the profile uses SCMP_ACT_NOTIFY,
 * *listener_fd receives the notify fd (else -1). */
int sc_program_load(const struct sc_program *p, int *listener_fd, struct cap_error **err);
bool sc_program_needs_listener(const struct sc_program *p);
void sc_program_free(struct sc_program *p);

/* Send a notify listener fd to listener_path with the OCI ContainerProcessState
 * JSON (state_json already contains "fds" and "metadata"): one connect, one
 * sendmsg with the JSON (no NUL) and the fd as SCM_RIGHTS, then close. */
int sc_send_listener(const char *listener_path, int listener_fd, const char *state_json,
		     struct cap_error **err);

/* Getting the listener to the agent (SCMP_ACT_NOTIFY).  The child must not
 * need any syscall after loading that the profile could send to the agent
 * before the agent has the fd (it would wait forever), so the PARENT takes the
 * fd out of the child with pidfd_getfd(2) (Linux >= 5.6):
 *   child:  n = lowest free fd (F_DUPFD then close); send n to the parent;
 *           sc_program_load() -- the kernel installs the listener at n
 *           (lowest free fd, O_CLOEXEC: it leaves the child at execve).
 *   parent: sc_fetch_listener(pidfd, n, timeout, &fd) -- waits until fd n
 *           in the child is a seccomp notify fd (fails at once if the child
 *           exits, e.g. because the load failed), then
 *           sc_send_listener(listenerPath, fd, process_state_json).
 * Nothing the child does after the load can then deadlock: whatever it
 * traps reaches an agent that is (about to be) connected. */
int sc_fetch_listener(int pidfd, int child_fd, int timeout_ms, int *out, struct cap_error **err);

/* SCM_RIGHTS over a connected (socketpair) socket: one byte + one fd.  Not
 * needed by the protocol above; for callers that hand fds over a sync socket.
 * The received fd is O_CLOEXEC. */
int sc_pass_fd(int sock, int fd, struct cap_error **err);
int sc_recv_fd(int sock, int *fd, struct cap_error **err);

/* Default profile emitted by `capsule spec` (a JSON object, static). */
const char *sc_default_profile_json(void);

#endif
