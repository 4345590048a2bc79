/* checkpoint/restore through libcriu: the parts checkpoint.c and restore.c
 * share (runtime/criu_common.c).  Mirrors runc's checkpoint.go/restore:
 * bind mounts, masked files and the cgroup mount are external mounts, a
 * joined network namespace is external, the cgroup freezer freezes the
 * container during the dump, stdio pipes are recorded in descriptors.json
 * and handed back at restore. */
#ifndef CAPSULE_CRIU_H
#define CAPSULE_CRIU_H

#include "criu_dl.h"
#include <stdbool.h>

#include "container.h"
#include "state.h"
#include "../lib/error.h"
#include "../oci/spec.h"

struct criu_ctx {
	criu_opts *opts;
	int image_fd, work_fd;
	char *work_path; /* for the log's name in errors */
};

/* The criu binary to run instead of "criu" from $PATH (--criu sets it). */
#define CRIU_BINARY_ENV "CAPSULE_CRIU"

/* criu opts with the images/work dirs (made with 0700 when create_images)
 * and the shared flags; log file log_name in the work dir. */
int criu_ctx_init(struct criu_ctx *c, const struct criu_common_opts *o, bool create_images,
		  const char *log_name, struct cap_error **err);
void criu_ctx_free(struct criu_ctx *c);
/* Run op (criu_local_dump, criu_local_pre_dump, criu_local_restore) against a
 * `criu swrk` that capsule forks and execs itself, handed to libcriu as a connected
 * socket; returns op's result, or -ECOMM when criu cannot be started.  libcriu's own
 * spawn (the CRIU_COMM_BIN default, and criu_local_restore_child) forks on libcriu's
 * copy of libc, which a static capsule cannot do (lib/dl.h): that child crashes.
 * criu restores a tree over RPC detached under the swrk process, so restore makes
 * capsule a child subreaper first; once criu has exited (reaped here) the restored
 * init is capsule's child, as with restore_child's sibling restore. */
int criu_swrk_call(struct criu_ctx *c, int (*op)(criu_opts *opts));
/* An error for a failed criu call: its return code and the log's first
 * "Error" line, naming the log file. */
int criu_fail(struct criu_ctx *c, int rc, const char *what, const char *log_name,
	      struct cap_error **err);

/* The mounts CRIU cannot see the source of (bind mounts, masked files, the
 * cgroup mount): at dump key = value = destination; at restore the value is
 * the host source (bundle-relative sources resolved), "/dev/null" for masked
 * files and cgroup_path for the cgroup mount. */
int criu_ext_mounts(struct criu_ctx *c, const struct spec *s, const char *bundle, bool restore,
		    const char *cgroup_path, struct cap_error **err);

/* Whether masked path p is a file in the running container (bind of
 * /dev/null) rather than a directory (tmpfs). */
bool criu_masked_is_file(pid_t pid, const char *p);

/* CRIU's notifications during a restore (restore_notify.c): prestart and
 * createRuntime hooks at "setup-namespaces" (st: the state they get, its pid
 * filled in then), the terminal's new pty master to console_fd at
 * "orphan-pts-master" (console_fd -1: kept in pty_master).  The first failure is kept in err and
 * fails the restore.  One at a time per process (libcriu's callback has no context). */
struct criu_restore_notify {
	const struct spec_hooks *hooks;
	struct container_state st;
	int console_fd;
	int pty_master; /* out, without console_fd: the pty to relay; -1: none */
	int host_mntns; /* hooks run there; -1: where we are */
	struct cap_error *err;
};
void criu_restore_notify_install(struct criu_ctx *c, struct criu_restore_notify *n);
void criu_restore_notify_done(struct criu_restore_notify *n);

#endif
