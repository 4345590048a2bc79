/* runtime/: the library interface cmd/ uses.  Each call is one runc verb. */
#ifndef CAPSULE_CONTAINER_H
#define CAPSULE_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../lib/error.h"

struct spec_kv; /* spec.h */

struct create_opts {
	const char *id;
	const char *bundle;	    /* directory holding config.json */
	const char *root;	    /* state root */
	const char *pid_file;	    /* may be NULL */
	const char *console_socket; /* may be NULL */
	const char *pidfd_socket;   /* --pidfd-socket: gets a pidfd of the init; may be NULL */
	bool no_pivot, no_new_keyring, systemd_cgroup, rootless;
	bool keep; /* run --keep: a foreground run leaves the stopped container */
	int preserve_fds;
	void (*debug)(const char *msg);
	void (*warn)(const char *msg); /* failed poststart/poststop hooks */
	const char *image;	       /* run --image REF: bundle made from the image */
	char *const *image_args;       /* ... with these args instead of the image's cmd */
	/* --memory-* flags as org.capsule.memory.* annotations, over config.json's */
	const struct spec_kv *annotations;
	size_t n_annotations;
	/* Devices (gpu/): --device CDI names, --cdi-spec-dir (NULL: the
	 * defaults), --gpus all|N[,M...]. */
	const char *const *cdi_devices;
	size_t n_cdi_devices;
	const char *const *cdi_spec_dirs;
	size_t n_cdi_spec_dirs;
	const char *gpus;
};

/* Callbacks for notes the library does not print itself (may be NULL). */
typedef void (*cap_notify_fn)(const char *msg);

/* Layer store for image-backed containers: $CAPSULE_STORE or /var/lib/capsule. */
const char *container_store(void);
/* Where `run --image` writes the bundle of container id (malloc'ed; NULL: ENOMEM). */
char *container_image_bundle_dir(const char *root, const char *id);

int container_create(const struct create_opts *o, struct cap_error **err);
/* create + start in one process.  Foreground (detach false): forwards signals,
 * waits, deletes the container and stores its exit status (128+N for a
 * signal) in *exit_code. */
int container_run(const struct create_opts *o, bool detach, int *exit_code, struct cap_error **err);
int container_start(const char *root, const char *id, cap_notify_fn warn, struct cap_error **err);
int container_kill(const char *root, const char *id, int sig, bool all, struct cap_error **err);
int container_delete(const char *root, const char *id, bool force, cap_notify_fn warn,
		     struct cap_error **err);
/* OCI state JSON of one container (caller frees). */
char *container_state_json(const char *root, const char *id, struct cap_error **err);
int container_pause(const char *root, const char *id, bool pause, struct cap_error **err);
int container_pids(const char *root, const char *id, pid_t **pids, size_t *n,
		   struct cap_error **err);

struct spec_resources;
/* Apply new limits to the container's cgroup (fields not set in res are left
 * alone) and save them in <root>/<id>/config.json (runtime/update.c). */
int container_update(const char *root, const char *id, const struct spec_resources *res,
		     struct cap_error **err);

struct cgroup_stats; /* cgroups/cgroups.h */
struct container_events_ops {
	void (*stats)(void *arg, const struct cgroup_stats *st);
	void (*oom)(void *arg); /* memory.events oom_kill went up */
};
/* `events`: with once, one stats() call; else stats() every interval_ms and
 * oom() as OOM kills happen, until the container's init exits (returns 0).
 * The state dir is not kept locked meanwhile (runtime/events.c). */
int container_events(const char *root, const char *id, unsigned interval_ms, bool once,
		     const struct container_events_ops *ops, void *arg, struct cap_error **err);

struct container_info {
	char *id, *bundle, *created, *owner, *status, *rootfs;
	pid_t pid;
	char *annotations_json;	     /* "{...}" or NULL */
	char *cgroup_path;	     /* absolute, NULL without a cgroup */
	struct spec_kv *annotations; /* runtime/spec.h */
	size_t n_annotations;
};
int container_list(const char *root, struct container_info **list, size_t *n,
		   struct cap_error **err);
void container_list_free(struct container_info *list, size_t n);

struct exec_opts {
	const char *root, *id;
	const char *process_file; /* --process: a process JSON; else the fields below */
	char **args;		  /* NULL-terminated */
	char **env;		  /* --env additions */
	const char *cwd, *user;	  /* --cwd, --user uid[:gid] */
	char **caps;		  /* --cap additions */
	char **additional_gids;	  /* --additional-gids */
	bool tty, detach, no_new_privs, has_no_new_privs;
	bool ignore_paused;	/* --ignore-paused: exec into a paused container */
	const char *sub_cgroup; /* --cgroup: a sub-cgroup of the container's to join */
	const char *console_socket, *pid_file;
	const char *pidfd_socket; /* --pidfd-socket: gets a pidfd of the process */
	int preserve_fds;
	void (*debug)(const char *msg);
};
/* Runs the process; *exit_code gets its status only when it ran (a failure
 * before the program started returns -1 with *exit_code left alone). */
int container_exec(const struct exec_opts *o, int *exit_code, struct cap_error **err);

/* checkpoint/restore through libcriu (runtime/checkpoint.c, restore.c). */
struct criu_common_opts {
	const char *image_path;		 /* default "checkpoint", as runc */
	const char *work_path;		 /* default: the image path */
	const char *manage_cgroups_mode; /* soft|full|strict|ignore; NULL: soft */
	bool tcp_established, ext_unix_sk, shell_job, file_locks, auto_dedup;
};
struct checkpoint_opts {
	const char *root, *id;
	struct criu_common_opts common;
	const char *parent_path; /* previous (pre-)dump, relative to the image path */
	bool leave_running, pre_dump;
};
/* Dump a running container; it is deleted afterwards unless leave_running
 * or pre_dump. */
int container_checkpoint(const struct checkpoint_opts *o, cap_notify_fn warn,
			 struct cap_error **err);
/* Restore a container from images as a new container o->c.id of bundle
 * o->c.bundle.  Foreground (detach false): waits like `run`, deletes it and
 * stores its exit status in *exit_code. */
struct restore_opts {
	struct create_opts c;
	struct criu_common_opts common;
	bool detach;
};
int container_restore(const struct restore_opts *o, int *exit_code, struct cap_error **err);

#endif
