/* start, kill, delete, state, pause/resume, ps, list: the verbs that act on
 * an existing container through its state directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../cgroups/cgroups.h"
#include "../overlay/overlay.h"
#include "cleanup.h"
#include "container.h"
#include "devices.h"
#include "fsutil.h"
#include "hooks.h"
#include "state.h"

/* A locked state dir and its loaded state, released together. */
struct handle {
	struct state_dir sd;
	struct container_state st;
	enum container_status status;
};

static void handle_close(struct handle *h)
{
	state_free(&h->st);
	state_dir_close(&h->sd);
}

static int handle_open(const char *root, const char *id, struct handle *h, struct cap_error **err)
{
	memset(h, 0, sizeof(*h));
	h->sd.fd = -1;
	if (state_dir_open(root, id, &h->sd, err) < 0)
		return -1;
	if (state_load(&h->sd, &h->st, NULL) < 0) {
		/* No state.json: a create that never finished (or is finishing). */
		handle_close(h);
		return cap_fail(err, 0, "container \"%s\" does not exist", id);
	}
	h->status = state_status(&h->sd, &h->st);
	return 0;
}

static int pidfd_of(const struct container_state *st)
{
	int fd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	/* The pid may have been reused between the check and the open. */
	if (fd >= 0 && !state_init_alive(st)) {
		close(fd);
		errno = ESRCH;
		return -1;
	}
	return fd;
}

/* Parse the saved config only when it mentions the hook kind (cheap check:
 * most containers have no hooks and start/delete stay on the fast path). */
static int run_saved_hooks(const struct handle *h, enum spec_hook_kind kind,
			   enum container_status status, cap_notify_fn warn, struct cap_error **err)
{
	size_t len;
	cleanup_free char *raw = read_file_at(h->sd.fd, "config.json", &len, NULL);
	bool cdi = raw && devices_requested(h->sd.fd);
	if (!raw || (!cdi && !strstr(raw, hook_kind_name(kind))))
		return 0;
	struct spec *s = spec_parse(raw, len, err);
	if (!s)
		return -1;
	/* CDI hooks are not in the saved config: resolve the request again.  A
	 * spec that went away since create costs its hooks, with a warning. */
	struct cap_error *de = NULL;
	if (cdi && devices_reapply(h->sd.fd, s, &de) < 0) {
		if (warn)
			warn(de->msg);
		cap_error_free(de);
		spec_free(s);
		if (!(s = spec_parse(raw, len, err)))
			return -1;
	}
	cleanup_free char *json = state_to_json(&h->st, status, false);
	int rc = json ? hooks_run_warn(&s->hooks, kind, json, warn) : 0;
	spec_free(s);
	return rc;
}

/* Read the init's byte, then wait for EOF: the init keeps its end open
 * (CLOEXEC) until execve, so EOF means the user process is running. */
static int wait_fifo_exec(int fifo, int pidfd, struct cap_error **err)
{
	struct pollfd pfd[2] = {{fifo, POLLIN, 0}, {pidfd, POLLIN, 0}};
	bool got_byte = false;
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return cap_fail(err, errno, "wait for container init");
		}
		char c;
		ssize_t n = 0;
		if (pfd[0].revents & (POLLIN | POLLHUP))
			n = read(fifo, &c, 1);
		if (n == 1 && c != '0')
			return cap_fail(err, 0, "cannot start: config.json has no process");
		if (n == 1)
			got_byte = true;
		else if (n == 0 && got_byte)
			return 0;
		if ((pfd[1].revents & POLLIN) && !got_byte)
			return cap_fail(err, 0, "container init exited before it could start");
		if (pfd[1].revents & POLLIN)
			return 0;
	}
}

int container_start(const char *root, const char *id, cap_notify_fn warn, struct cap_error **err)
{
	struct handle h;
	if (handle_open(root, id, &h, err) < 0)
		return -1;
	int rc = -1;
	if (h.status == STATUS_STOPPED)
		cap_fail(err, 0, "cannot start a container that has stopped");
	else if (h.status != STATUS_CREATED)
		cap_fail(err, 0, "cannot start an already running container");
	else {
		cleanup_close int fifo = openat(h.sd.fd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		cleanup_close int pidfd = pidfd_of(&h.st);
		if (fifo < 0 || pidfd < 0)
			cap_fail(err, errno, "open %s/exec.fifo", h.sd.path);
		else if (wait_fifo_exec(fifo, pidfd, err) == 0) {
			unlinkat(h.sd.fd, "exec.fifo", 0);
			rc = run_saved_hooks(&h, HOOK_POSTSTART, STATUS_RUNNING, warn, err) < 0 ? -1 : 0;
		}
	}
	handle_close(&h);
	return rc;
}

static int signal_all(const struct container_state *st, int sig, struct cap_error **err)
{
	struct cgroup *cg = NULL;
	if (!st->cgroup_path || cgroup_open(st->cgroup_path, &cg, NULL) < 0)
		return kill(st->pid, sig) < 0 ? cap_fail(err, errno, "kill %d", st->pid) : 0;
	int rc = cgroup_kill_all(cg, sig, err);
	cgroup_free(cg);
	return rc;
}

int container_kill(const char *root, const char *id, int sig, bool all, struct cap_error **err)
{
	struct handle h;
	if (handle_open(root, id, &h, err) < 0)
		return -1;
	int rc = 0;
	if (h.status == STATUS_STOPPED) {
		rc = cap_fail(err, 0, "container not running");
	} else if (all) {
		rc = signal_all(&h.st, sig, err);
	} else {
		cleanup_close int pidfd = pidfd_of(&h.st);
		if (pidfd < 0 || syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
			rc = cap_fail(err, errno == ESRCH ? ESRCH : errno, "kill container: no such process");
	}
	handle_close(&h);
	return rc;
}

/* SIGKILL everything and wait (bounded) for init to be gone. */
static void kill_and_wait(const struct container_state *st)
{
	cleanup_close int pidfd = pidfd_of(st);
	struct cgroup *cg = NULL;
	if (st->cgroup_path && cgroup_open(st->cgroup_path, &cg, NULL) == 0) {
		cgroup_freeze(cg, false, NULL); /* frozen tasks cannot die */
		cgroup_kill_all(cg, SIGKILL, NULL);
		cgroup_free(cg);
	}
	if (pidfd < 0)
		return;
	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	struct pollfd pfd = {pidfd, POLLIN, 0};
	poll(&pfd, 1, 10000);
}

static int destroy(struct handle *h, const char *root, cap_notify_fn warn, struct cap_error **err)
{
	struct cap_error *hook_err = NULL;
	/* poststop failures are warnings: the container is removed regardless */
	run_saved_hooks(h, HOOK_POSTSTOP, STATUS_STOPPED, warn, &hook_err);
	if (h->st.cgroup_path) {
		struct cgroup *cg = NULL;
		if (cgroup_open(h->st.cgroup_path, &cg, NULL) == 0) {
			cgroup_destroy(cg, NULL);
			cgroup_free(cg);
		}
	}
	/* image-backed rootfs: upper/work dirs (kept with org.capsule.keep-upper);
	 * a no-op for a container without one */
	overlay_cleanup(container_store(), h->st.id, NULL);
	/* a bundle that `run --image` made lives next to the state; the saved
	 * bundle path is canonical, --root may be relative */
	cleanup_free char *bundle = container_image_bundle_dir(root, h->st.id);
	cleanup_free char *canonical = bundle ? realpath(bundle, NULL) : NULL;
	if (canonical && strcmp(h->st.bundle, canonical) == 0)
		rm_rf(canonical, NULL);
	state_free(&h->st);
	int rc = state_dir_remove(&h->sd, err);
	if (hook_err && warn)
		warn(hook_err->msg); /* the saved config could not be parsed */
	cap_error_free(hook_err);
	return rc;
}

static int remove_leftover(const char *root, const char *id)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", root, id);
	return rm_rf(path, NULL);
}

int container_delete(const char *root, const char *id, bool force, cap_notify_fn warn,
		     struct cap_error **err)
{
	struct handle h;
	struct cap_error *open_err = NULL;
	if (handle_open(root, id, &h, &open_err) < 0) {
		/* A dir without state.json is an aborted create: clean it up. */
		if (force && state_validate_id(id, NULL) == 0 && remove_leftover(root, id) == 0) {
			cap_error_free(open_err);
			return 0;
		}
		*err = open_err;
		return -1;
	}
	/* runtime-spec: deleting a container that is not stopped is an error
	 * (runc quietly kills a "created" one; crun and the spec refuse). */
	if (h.status != STATUS_STOPPED && !force) {
		cap_fail(err, 0, "cannot delete container %s that is not stopped: %s", id,
			 status_name(h.status));
		handle_close(&h);
		return -1;
	}
	if (h.status != STATUS_STOPPED)
		kill_and_wait(&h.st);
	return destroy(&h, root, warn, err);
}

char *container_state_json(const char *root, const char *id, struct cap_error **err)
{
	struct handle h;
	if (handle_open(root, id, &h, err) < 0)
		return NULL;
	char *json = state_to_json(&h.st, h.status, true);
	if (!json)
		cap_fail(err, ENOMEM, "state JSON");
	handle_close(&h);
	return json;
}

static int open_cgroup(const struct handle *h, struct cgroup **cg, struct cap_error **err)
{
	if (!h->st.cgroup_path)
		return cap_fail(err, 0, "container %s has no cgroup", h->st.id);
	return cgroup_open(h->st.cgroup_path, cg, err);
}

int container_pause(const char *root, const char *id, bool pause, struct cap_error **err)
{
	struct handle h;
	if (handle_open(root, id, &h, err) < 0)
		return -1;
	struct cgroup *cg = NULL;
	int rc = -1;
	if (pause && h.status != STATUS_RUNNING && h.status != STATUS_CREATED)
		cap_fail(err, 0, "container not running");
	else if (!pause && h.status != STATUS_PAUSED)
		cap_fail(err, 0, "container not paused");
	else if (open_cgroup(&h, &cg, err) == 0)
		rc = cgroup_freeze(cg, pause, err);
	cgroup_free(cg);
	handle_close(&h);
	return rc;
}

int container_pids(const char *root, const char *id, pid_t **pids, size_t *n,
		   struct cap_error **err)
{
	struct handle h;
	if (handle_open(root, id, &h, err) < 0)
		return -1;
	struct cgroup *cg = NULL;
	int rc = -1;
	*pids = NULL;
	*n = 0;
	if (h.status == STATUS_STOPPED)
		rc = 0;
	else if (h.st.cgroup_path && open_cgroup(&h, &cg, err) == 0)
		rc = cgroup_pids(cg, pids, n, err);
	else if (!h.st.cgroup_path && (*pids = malloc(sizeof(pid_t)))) {
		/* no cgroup: only init is known */
		(*pids)[0] = h.st.pid;
		*n = 1;
		rc = 0;
	}
	cgroup_free(cg);
	handle_close(&h);
	return rc;
}

static char *annotations_json(const struct container_state *st)
{
	if (!st->n_annotations)
		return NULL;
	cleanup_free char *full = state_to_json(st, STATUS_STOPPED, false);
	char *a = full ? strstr(full, "\"annotations\":") : NULL;
	if (!a)
		return NULL;
	a += strlen("\"annotations\":");
	size_t len = strlen(a);
	return strndup(a, len ? len - 1 : 0); /* drop the outer closing brace */
}

static void fill_info(struct container_info *ci, struct handle *h)
{
	ci->id = strdup(h->st.id);
	ci->bundle = strdup(h->st.bundle);
	ci->rootfs = strdup(h->st.rootfs ? h->st.rootfs : "");
	ci->created = strdup(h->st.created ? h->st.created : "");
	ci->owner = strdup(h->st.owner ? h->st.owner : "");
	ci->status = strdup(status_name(h->status));
	ci->pid = h->status == STATUS_STOPPED ? 0 : h->st.pid;
	ci->annotations_json = annotations_json(&h->st);
}

int container_list(const char *root, struct container_info **list, size_t *n,
		   struct cap_error **err)
{
	*list = NULL;
	*n = 0;
	cleanup_dir DIR *d = opendir(root);
	if (!d)
		return errno == ENOENT ? 0 : cap_fail(err, errno, "open %s", root);
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		struct handle h;
		if (handle_open(root, de->d_name, &h, NULL) < 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			struct container_info *nl = realloc(*list, cap * sizeof(**list));
			if (!nl) {
				handle_close(&h);
				return cap_fail(err, ENOMEM, "list");
			}
			*list = nl;
		}
		fill_info(&(*list)[(*n)++], &h);
		handle_close(&h);
	}
	return 0;
}

void container_list_free(struct container_info *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(list[i].id);
		free(list[i].bundle);
		free(list[i].rootfs);
		free(list[i].created);
		free(list[i].owner);
		free(list[i].status);
		free(list[i].annotations_json);
	}
	free(list);
}
