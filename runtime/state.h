/* runtime/state.c: per-container state under --root.
 *
 *   <root>/<id>/            0700, flock'ed by every command that reads or changes it
 *   <root>/<id>/state.json  written atomically once the container process exists
 *   <root>/<id>/config.json copy of the bundle's config, for exec/update
 *   <root>/<id>/exec.fifo   exists while the container is "created"
 *   <root>/<id>/cgroup      the cgroup's path, written as soon as the cgroup exists: what
 *                           `delete --force` kills through when state.json is missing or
 *                           unreadable (a create that died, a corrupted disk)
 *
 * Status is never stored: it is derived from the init process (alive and the
 * same start time), the fifo and the cgroup's freezer. */
#ifndef CAPSULE_STATE_H
#define CAPSULE_STATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "../lib/error.h"
#include "../oci/spec.h"

#define CAPSULE_ID_MAX 1024

enum container_status {
	STATUS_CREATING,
	STATUS_CREATED,
	STATUS_RUNNING,
	STATUS_PAUSED,
	STATUS_STOPPED,
};
const char *state_status_name(enum container_status s);

struct container_state {
	char *id;
	char *bundle;
	char *rootfs;
	char *created;	   /* RFC 3339 with nanoseconds, UTC */
	char *owner;	   /* "" for root, like runc */
	char *cgroup_path; /* absolute filesystem path, NULL without cgroup */
	pid_t pid;
	unsigned long long start_time; /* /proc/<pid>/stat starttime: guards pid reuse */
	bool own_pidns;		       /* init is pid 1 of a namespace of its own */
	bool systemd_cgroup;
	struct spec_kv *annotations;
	size_t n_annotations;
};

/* The state directory of one container, locked for the lifetime of the handle. */
struct state_dir {
	char *path;
	int fd; /* O_DIRECTORY, flock'ed */
};

int state_validate_id(const char *id, struct cap_error **err);
/* mkdir <root>/<id> (EEXIST -> "container with id exists"), lock it. */
int state_dir_create(const char *root, const char *id, struct state_dir *sd,
		     struct cap_error **err);
/* Open and lock an existing container's dir ("container \"x\" does not exist"). */
int state_dir_open(const char *root, const char *id, struct state_dir *sd, struct cap_error **err);
/* Remove the directory and everything in it, then release the handle. */
int state_dir_remove(struct state_dir *sd, struct cap_error **err);
void state_dir_close(struct state_dir *sd);

int state_save(const struct state_dir *sd, const struct container_state *st,
	       struct cap_error **err);
/* Fails with errnum ENOENT only when there is no state.json (a create that has not finished);
 * unreadable or corrupt state is another error, never "does not exist".  Call state_free
 * after a failure too. */
int state_load(const struct state_dir *sd, struct container_state *st, struct cap_error **err);
int state_save_cgroup(const struct state_dir *sd, const char *cgroup_path, struct cap_error **err);
/* The recorded cgroup path, or NULL (none recorded, or unreadable: *err says which). */
char *state_load_cgroup(const struct state_dir *sd, struct cap_error **err);
void state_free(struct container_state *st);

enum container_status state_status(const struct state_dir *sd, const struct container_state *st);
/* Whether st->pid is still the process that was started. */
bool state_init_alive(const struct container_state *st);
unsigned long long rt_proc_start_time(pid_t pid); /* 0 if gone or a zombie */
/* Like state_init_alive, but an unreaped (zombie) init still counts. */
bool state_init_exists(const struct container_state *st);

/* OCI state JSON (what `state`, hooks and listeners read).  Caller frees. */
char *state_to_json(const struct container_state *st, enum container_status status, bool pretty);

/* RFC 3339 UTC timestamp with nanoseconds into buf (>= 40 bytes). */
void rt_rfc3339_now(char *buf, size_t len);

/* --pid-file: written atomically (temp file + rename); no path: nothing. */
int rt_write_pid_file(const char *path, pid_t pid, struct cap_error **err);

#endif
