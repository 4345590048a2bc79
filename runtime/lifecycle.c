/* start, kill, delete, state, pause/resume, ps, list: the verbs that act on
 * an existing container through its state directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../cgroups/cgroups.h"
#include "../overlay/overlay.h"
#include "../lib/cleanup.h"
#include "container.h"
#include "../lib/fault.h"
#include "devices.h"
#include "../lib/file.h"
#include "hooks.h"
#include "netdev.h"
#include "resctrl.h"
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

/* handle_open's failures: no state dir at all, or a dir whose state.json is missing (a
 * create that has not finished) or unreadable. */
#define HANDLE_NO_DIR	-1
#define HANDLE_NO_STATE -2

static int handle_open(const char *root, const char *id, struct handle *h, struct cap_error **err)
{
	memset(h, 0, sizeof(*h));
	h->sd.fd = -1;
	if (state_dir_open(root, id, &h->sd, err) < 0)
		return HANDLE_NO_DIR;
	if (state_load(&h->sd, &h->st, err) < 0) {
		handle_close(h);
		return HANDLE_NO_STATE;
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
/* The saved config's hooks of one kind: poststop failures are warnings
 * (warn set), poststart failures errors (warn NULL, runtime-spec 1.3). */
static int run_saved_hooks(const struct handle *h, enum spec_hook_kind kind,
			   enum container_status status, cap_notify_fn warn, struct cap_error **err)
{
	size_t len;
	cleanup_free char *raw = cap_read_file_at(h->sd.fd, "config.json", &len, err);
	if (!raw)
		return cap_wrap(err, "%s hooks not run: %s", spec_hook_kind_name(kind), h->sd.path);
	bool cdi = devices_requested(h->sd.fd);
	if (!cdi && !strstr(raw, spec_hook_kind_name(kind)))
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
	int rc = 0;
	if (json && warn)
		rc = hooks_run_warn(&s->hooks, kind, json, warn);
	else if (json)
		rc = hooks_run(&s->hooks, kind, json, err);
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

static void kill_and_wait(const struct container_state *st, cap_notify_fn warn);

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
		/* The pidfd first: opening the fifo releases the init, whose
		 * program may exit (and be reaped) at once, before a pidfd
		 * taken after it could be opened ("No such process"). */
		fault_point("start-before-exec");
		cleanup_close int pidfd = pidfd_of(&h.st);
		if (pidfd < 0) {
			cap_fail(err, errno, "container init %d", h.st.pid);
			handle_close(&h);
			return -1;
		}
		cleanup_close int fifo =
		    openat(h.sd.fd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fifo < 0)
			cap_fail(err, errno, "open %s/exec.fifo", h.sd.path);
		else if (wait_fifo_exec(fifo, pidfd, err) == 0) {
			fault_point("start-after-exec");
			unlinkat(h.sd.fd, "exec.fifo", 0);
			rc = run_saved_hooks(&h, HOOK_POSTSTART, STATUS_RUNNING, NULL, err);
			if (rc < 0) /* runtime-spec 1.3: stop the container */
				kill_and_wait(&h.st, warn);
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
	if (h.status == STATUS_STOPPED && all) {
		/* runc: --all on a stopped container signals what is left in its
		 * cgroup (processes of a shared pid namespace) and succeeds. */
		struct cgroup *cg = NULL;
		if (h.st.cgroup_path && cgroup_open(h.st.cgroup_path, &cg, NULL) == 0) {
			cgroup_kill_all(cg, sig, NULL);
			cgroup_free(cg);
		}
	} else if (h.status == STATUS_STOPPED) {
		rc = cap_fail(err, 0, "container not running");
	} else if (all) {
		rc = signal_all(&h.st, sig, err);
	} else {
		cleanup_close int pidfd = pidfd_of(&h.st);
		if (pidfd < 0 || syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
			rc = cap_fail(err, errno == ESRCH ? ESRCH : errno,
				      "kill container: no such process");
	}
	handle_close(&h);
	return rc;
}

/* The container's cgroup, or NULL with *err unset when it is gone already (removed by an
 * admin, a reboot with a persistent --root): nothing left to kill or remove. */
static struct cgroup *open_existing_cgroup(const struct container_state *st, struct cap_error **err)
{
	struct cgroup *cg = NULL;
	struct cap_error *e = NULL;
	const char *path = st->cgroup_path;
	/* --systemd-cgroup: destroy stops the unit */
	if (!path || cgroup_open_driver(path, st->systemd_cgroup, geteuid() != 0, &cg, &e) == 0)
		return cg;
	if (e && e->errnum == ENOENT)
		cap_error_free(e);
	else
		*err = e;
	return NULL;
}

/* SIGKILL everything in the cgroup (unfrozen first: frozen tasks cannot die). */
static int kill_cgroup(struct cgroup *cg, struct cap_error **err)
{
	if (cgroup_freeze(cg, false, err) < 0)
		return -1;
	return cgroup_kill_all(cg, SIGKILL, err);
}

/* SIGKILL everything and wait (bounded) for init to be gone.  With its own
 * pid namespace, killing the init kills all of the container and nothing
 * else: the cgroup may be shared with another container (the same
 * cgroupsPath), whose processes must live on.  Without one, as runc, kill
 * through the cgroup. */
static void kill_and_wait(const struct container_state *st, cap_notify_fn warn)
{
	cleanup_close int pidfd = pidfd_of(st);
	struct cap_error *e = NULL;
	struct cgroup *cg = open_existing_cgroup(st, &e);
	if (cg && (!st->own_pidns || pidfd < 0))
		kill_cgroup(cg, &e);
	else if (cg)
		cgroup_freeze(cg, false, &e); /* frozen tasks cannot die */
	cgroup_free(cg);
	cap_warn(warn, &e, "delete %s: kill", st->id);
	if (pidfd < 0)
		return;
	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	struct pollfd pfd = {pidfd, POLLIN, 0};
	if (poll(&pfd, 1, 10000) == 0 && warn)
		warn("delete: the container's init did not die within 10 s of SIGKILL");
}

/* Remove what a container leaves besides its state dir: each failure is a warning, the
 * rest goes on (the state dir is removed last, so nothing is ever lost track of
 * silently). */
static void destroy_resources(const struct container_state *st, const char *root,
			      cap_notify_fn warn)
{
	struct cap_error *e = NULL;
	struct cgroup *cg = open_existing_cgroup(st, &e);
	if (cg)
		cgroup_destroy(cg, &e);
	cgroup_free(cg);
	cap_warn(warn, &e, "delete %s: cgroup", st->id);
	/* image-backed rootfs: upper/work dirs (kept with org.capsule.keep-upper);
	 * a no-op for a container without one */
	overlay_cleanup(container_store(), st->id, &e);
	cap_warn(warn, &e, "delete %s: image rootfs", st->id);
	/* a bundle that `run --image` made lives next to the state; the saved
	 * bundle path is canonical, --root may be relative */
	cleanup_free char *bundle = container_image_bundle_dir(root, st->id);
	cleanup_free char *canonical = bundle ? realpath(bundle, NULL) : NULL;
	if (canonical && strcmp(st->bundle, canonical) == 0)
		cap_rm_rf(canonical, &e);
	cap_warn(warn, &e, "delete %s: image bundle", st->id);
}

static int destroy(struct handle *h, const char *root, cap_notify_fn warn, struct cap_error **err)
{
	struct cap_error *hook_err = NULL;
	/* poststop failures are warnings: the container is removed regardless */
	run_saved_hooks(h, HOOK_POSTSTOP, STATUS_STOPPED, warn, &hook_err);
	cap_warn(warn, &hook_err, "delete %s: poststop hooks", h->st.id);
	destroy_resources(&h->st, root, warn);
	netdev_release(h->sd.fd, h->sd.path, warn);
	resctrl_release(h->sd.fd, warn);
	fault_point("delete-resources-gone");
	state_free(&h->st);
	return state_dir_remove(&h->sd, err);
}

/* kill_and_wait without state.json: everything in the recorded cgroup. */
static int kill_cgroup_path(const char *path, struct cap_error **err)
{
	struct container_state st = {.cgroup_path = (char *)path}; /* cgroupfs */
	struct cgroup *cg = open_existing_cgroup(&st, err);
	if (!cg)
		return *err ? -1 : 0;
	int rc = kill_cgroup(cg, err) < 0 || cgroup_destroy(cg, err) < 0 ? -1 : 0;
	cgroup_free(cg);
	return rc;
}

/* delete --force of a state dir whose state.json is missing (a create that died) or
 * unreadable: kill through the recorded cgroup, then remove what the create made.  With
 * state.json present but no cgroup recorded the processes cannot be found: refuse rather
 * than orphan them. */
static int remove_without_state(const char *root, const char *id, struct cap_error *why,
				cap_notify_fn warn, struct cap_error **err)
{
	struct state_dir sd;
	if (state_dir_open(root, id, &sd, err) < 0)
		return -1;
	struct cap_error *cg_err = NULL;
	cleanup_free char *cg = state_load_cgroup(&sd, &cg_err);
	int rc = 0;
	if (cg_err)
		rc = cap_fail(err, 0, "%s; %s: cannot find its processes", why->msg, cg_err->msg);
	else if (!cg && why->errnum != ENOENT)
		rc =
		    cap_fail(err, 0,
			     "%s; no cgroup recorded: cannot find its processes, remove %s by hand "
			     "once they are gone",
			     why->msg, sd.path);
	else if (cg && kill_cgroup_path(cg, err) < 0)
		rc = cap_wrap(err, "delete %s", id);
	cap_error_free(cg_err);
	if (rc < 0) {
		state_dir_close(&sd);
		return -1;
	}
	if (why->errnum != ENOENT && warn)
		warn(why->msg); /* say what was wrong with what we remove */
	struct cap_error *ovl_err = NULL;
	overlay_cleanup(container_store(), id, &ovl_err);
	cap_warn(warn, &ovl_err, "delete %s: image rootfs", id);
	cleanup_free char *bundle = container_image_bundle_dir(root, id);
	if (bundle)
		cap_rm_rf(bundle, &ovl_err);
	cap_warn(warn, &ovl_err, "delete %s: image bundle", id);
	netdev_release(sd.fd, sd.path, warn);
	resctrl_release(sd.fd, warn);
	return state_dir_remove(&sd, err);
}

int container_delete(const char *root, const char *id, bool force, cap_notify_fn warn,
		     struct cap_error **err)
{
	struct handle h;
	cleanup_error struct cap_error *open_err = NULL;
	int opened = handle_open(root, id, &h, &open_err);
	if (opened == HANDLE_NO_STATE && force)
		return remove_without_state(root, id, open_err, warn, err);
	if (opened < 0) {
		*err = steal_pointer(&open_err);
		return -1;
	}
	/* runtime-spec: deleting a container that is not stopped is an error
	 * (runc quietly kills a "created" one; crun and the spec refuse). */
	if (h.status != STATUS_STOPPED && !force) {
		cap_fail(err, 0, "cannot delete container %s that is not stopped: %s", id,
			 state_status_name(h.status));
		handle_close(&h);
		return -1;
	}
	if (h.status != STATUS_STOPPED)
		kill_and_wait(&h.st, warn);
	fault_point("delete-killed");
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

/* uid's name from /etc/passwd itself, as runc finds it: not through NSS, which a
 * static binary could only reach by loading a second libc. */
static char *passwd_name(uid_t uid)
{
	cleanup_file FILE *f = fopen("/etc/passwd", "re");
	struct passwd *pw;
	while (f && (pw = fgetpwent(f)))
		if (pw->pw_uid == uid)
			return strdup(pw->pw_name);
	return NULL;
}

/* runc's OWNER column: the user owning the state dir, "#UID" when unknown. */
static char *state_dir_owner(int fd)
{
	struct stat st;
	char buf[32];
	if (fstat(fd, &st) < 0)
		return strdup("");
	char *name = passwd_name(st.st_uid);
	if (name)
		return name;
	snprintf(buf, sizeof(buf), "#%u", (unsigned)st.st_uid);
	return strdup(buf);
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct container_info *)a)->id,
		      ((const struct container_info *)b)->id);
}

static void fill_info(struct container_info *ci, struct handle *h)
{
	ci->id = strdup(h->st.id);
	ci->bundle = strdup(h->st.bundle);
	ci->rootfs = strdup(h->st.rootfs ? h->st.rootfs : "");
	ci->created = strdup(h->st.created ? h->st.created : "");
	ci->owner = state_dir_owner(h->sd.fd);
	ci->status = strdup(state_status_name(h->status));
	ci->pid = h->status == STATUS_STOPPED ? 0 : h->st.pid;
	ci->annotations_json = annotations_json(&h->st);
	ci->cgroup_path = h->st.cgroup_path ? strdup(h->st.cgroup_path) : NULL;
	ci->annotations = steal_pointer(&h->st.annotations); /* memory watch reads them */
	ci->n_annotations = h->st.n_annotations;
	h->st.n_annotations = 0;
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
	if (*n)
		qsort(*list, *n, sizeof(**list), by_id); /* runc lists in id order */
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
		free(list[i].cgroup_path);
		for (size_t a = 0; a < list[i].n_annotations; a++) {
			free(list[i].annotations[a].key);
			free(list[i].annotations[a].value);
		}
		free(list[i].annotations);
	}
	free(list);
}
