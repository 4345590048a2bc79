/* Shared between container.c (prepare/finish/run) and spawn.c (clone3 and
 * the handshake with the child).  Internal to runtime/. */
#ifndef CAPSULE_CREATE_INTERNAL_H
#define CAPSULE_CREATE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../overlay/overlay.h"
#include "container.h"
#include "spec.h"
#include "state.h"

struct cgroup;
struct seccomp_program;
struct overlay_plan;

struct create_ctx {
	const struct create_opts *o;
	bool run_mode, detach;
	char *bundle, *rootfs;
	char *config_raw;
	size_t config_len;
	struct spec *spec;
	bool cdi_late_hooks; /* CDI added poststart/poststop hooks (devices.h) */
	struct state_dir sd;
	bool own_state_dir; /* remove it on failure */
	struct container_state st;
	struct cgroup *cg;
	struct seccomp_program *seccomp;
	struct overlay_plan *overlay; /* rootfs from image layers (org.capsule.image) */
	const char *image_ref;
	struct overlay_flags image_flags; /* with image_ref: the org.capsule.* annotations */
	int *idmap_trees; /* idmapped mount trees per spec.mounts index (mounts.h) */
	size_t n_idmap_trees;
	int sync[2];	 /* [0] parent, [1] child */
	int console_fd;	 /* connected --console-socket */
	int fifo_dirfd;	 /* create: O_PATH of the state dir for the child, without the lock */
	int ns_fds[8];	 /* namespaces to join, ns_table order */
	int pidfd;
	int pty_master;	 /* foreground run with a terminal */
	pid_t pid;
	bool new_pidns;
	char *state_json;
};

#include <signal.h>

void ctx_init(struct create_ctx *x, const struct create_opts *o, bool run_mode);
void ctx_free(struct create_ctx *x);
int spawn(struct create_ctx *x, struct cap_error **err);
/* clone3 with fork semantics, optionally straight into a cgroup (-1: none). */
pid_t clone3_into(uint64_t flags, int *pidfd, int cgroup_fd);
int handshake(struct create_ctx *x, struct cap_error **err);
/* Foreground: the signals relayed to the container, the relay loop (returns
 * the wait status) and the runc exit code convention (128+N for signal N). */
void forwarded_signals(sigset_t *set);
int forward_and_wait(struct create_ctx *x, const sigset_t *fwd);
int exit_code_of(int status);

#endif
