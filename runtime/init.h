/* runtime/init.c: the child side, from clone3 to execve.  Internal to runtime/. */
#ifndef CAPSULE_INIT_H
#define CAPSULE_INIT_H

#include <stdbool.h>

#include "../lib/ns.h"
#include "../oci/spec.h"
#include "hooks.h"

struct sc_program;
struct overlay_plan;

struct init_ctx {
	const struct spec *spec;	    /* the container's config */
	const struct spec_process *process; /* what to exec (config's, or exec's) */
	char *const *extra_env;		    /* LISTEN_FDS etc., NULL-terminated, may be NULL */
	const char *rootfs;
	const char *bundle;
	const char *cgroup_path;
	const struct sc_program *seccomp;
	const struct overlay_plan *overlay; /* mount the image layers onto rootfs first */
	const int *idmap_trees;		    /* idmapped mount trees, see mounts.h */
	size_t n_idmap_trees;
	int sync_fd;
	int console_fd;		  /* connected --console-socket, or -1 */
	int fifo_dirfd;		  /* create: state dir (exec.fifo); -1: wait for SYNC_START */
	int ns_fds[CAP_NS_COUNT]; /* joined namespaces, in cap_ns_table order; -1 = none */
	int unshare_flags;	  /* new namespaces the child makes itself */
	int preserve_fds;
	bool wait_continue; /* parent sends SYNC_CONTINUE first */
	bool new_userns;
	bool hooks_handshake; /* SYNC_HOOKS round trip (prestart/createRuntime/createContainer) */
	bool setup_rootfs;    /* mount namespace not joined: build the filesystem */
	bool new_mountns;     /* ... in a mount namespace of its own (else chroot) */
	bool no_pivot, no_new_keyring;
	bool in_userns;			/* new or joined user namespace */
	bool is_exec;			/* `capsule exec`: join only, no container setup */
	bool memory_merge;		/* org.capsule.memory.ksm: PR_SET_MEMORY_MERGE */
	char *state_json;		/* from the hooks handshake, for startContainer hooks */
	struct cap_error *exec_error;	/* args[0] not found: reported at exec time */
	char *home_env;			/* "HOME=..." when the config sets none (runc) */
	struct start_hooks start_hooks; /* runner of startContainer hooks, see hooks.h */
};

_Noreturn void rt_init_main(struct init_ctx *c);

#endif
