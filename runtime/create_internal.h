/* Shared between container.c (prepare/finish/run) and spawn.c (clone3 and
 * the handshake with the child).  Internal to runtime/. */
#ifndef CAPSULE_CREATE_INTERNAL_H
#define CAPSULE_CREATE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../lib/ns.h"
#include "../memory/memory.h"
#include "../overlay/overlay.h"
#include "container.h"
#include "../oci/spec.h"
#include "state.h"

struct cgroup;
struct sc_program;
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
	bool frozen_ok; /* exec --ignore-paused: a frozen cgroup is expected */
	struct sc_program *seccomp;
	struct overlay_plan *overlay; /* rootfs from image layers (org.capsule.image) */
	const char *image_ref;
	struct overlay_flags image_flags; /* with image_ref: the org.capsule.* annotations */
	int *idmap_trees; /* idmapped mount trees per spec.mounts index (mounts.h) */
	size_t n_idmap_trees;
	int sync[2];	/* [0] parent, [1] child */
	int console_fd; /* connected --console-socket */
	int fifo_dirfd; /* create: O_PATH of the state dir for the child, without the lock */
	int ns_fds[CAP_NS_COUNT]; /* namespaces to join, cap_ns_table order */
	int pidfd;
	int pty_master; /* foreground run with a terminal */
	pid_t pid;
	bool new_pidns;
	char *resctrl;	      /* linux.intelRdt: the resctrl mount point */
	bool netdevs_pending; /* linux.netDevices: moved once the init's namespaces exist */
	struct mem_opts mem;  /* org.capsule.memory.* */
	char *state_json;
};

#include <signal.h>

void rt_ctx_init(struct create_ctx *x, const struct create_opts *o, bool run_mode);
void rt_ctx_free(struct create_ctx *x);
int rt_spawn(struct create_ctx *x, struct cap_error **err);
/* clone3 with fork semantics, optionally straight into a cgroup (-1: none). */
pid_t rt_clone3_into(uint64_t flags, int *pidfd, int cgroup_fd);
int rt_handshake(struct create_ctx *x, struct cap_error **err);
/* The next message from the child (sync_recv), but never waiting without
 * bound: fails when its cgroup is frozen, when a stop signal blocked by a
 * foreground command arrives, or after SYNC_TIMEOUT_MS without a word (the
 * child's own steps, hooks included, are bounded well below that). */
#define SYNC_TICK_MS	100
#define SYNC_TIMEOUT_MS (300 * 1000)
struct sync_msg;
int rt_ctx_recv(struct create_ctx *x, struct sync_msg *m, struct cap_error **err);
/* linux.seccomp -> x->seccomp, through the compiled-filter cache under the
 * state root (<root>/.seccomp-cache; CAPSULE_SECCOMP_CACHE=0 turns it off). */
int rt_build_seccomp(struct create_ctx *x, const char *root, cap_notify_fn debug,
		     struct cap_error **err);
/* Foreground: the signals relayed to the container, the relay loop (returns
 * the wait status) and the runc exit code convention (128+N for signal N). */
void rt_forwarded_signals(sigset_t *set);
int rt_forward_and_wait(struct create_ctx *x, const sigset_t *fwd);
int rt_exit_code_of(int status);
/* runtime/create_memory.c: flags into annotations, checks before anything is
 * made; then the new cgroup's memory.reclaim; whether a process gets
 * PR_SET_MEMORY_MERGE (create and exec). */
int rt_memory_prepare(struct create_ctx *x, struct cap_error **err);
int rt_memory_check_cgroup(struct create_ctx *x, struct cap_error **err);
bool rt_memory_merge(const struct spec_kv *a, size_t n);

#endif
