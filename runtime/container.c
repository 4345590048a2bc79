/* `create` and `run`: the parent side of container creation (DESIGN.md).
 *
 * prepare (config, state dir, cgroup, seccomp, fifo, sockets)
 *   -> spawn (clone3 straight into the cgroup and the new namespaces)
 *   -> handshake (id maps, hooks, seccomp listener, pty, ready)
 *   -> finish (state.json, pid file).
 * Any failure undoes everything done so far: the child is killed and reaped,
 * the cgroup and the state directory removed.  The child's mounts live in its
 * own mount namespace and vanish with it. */
#include "../lib/ns.h"
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../cgroups/cgroups.h"
#include "../overlay/overlay.h"
#include "../seccomp/seccomp.h"
#include "../lib/cleanup.h"
#include "cloned_binary.h"
#include "create_internal.h"
#include "../lib/fault.h"
#include "devices.h"
#include "../lib/file.h"
#include "hooks.h"
#include "netdev.h"
#include "resctrl.h"
#include "init.h"
#include "mounts.h"
#include "state.h"
#include "sync.h"
#include "../oci/tables.h"
#include "terminal.h"
#include "userns.h"

static int load_config(struct create_ctx *x, struct cap_error **err)
{
	const struct create_opts *o = x->o;
	x->bundle = realpath(o->bundle ? o->bundle : ".", NULL);
	if (!x->bundle)
		return cap_fail(err, errno, "bundle %s", o->bundle ? o->bundle : ".");
	cleanup_close int bfd = open(x->bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (bfd < 0)
		return cap_fail(err, errno, "open bundle %s", x->bundle);
	x->config_raw = cap_read_file_at(bfd, "config.json", &x->config_len, err);
	if (!x->config_raw)
		return cap_wrap(err, "bundle %s", x->bundle);
	x->spec = spec_parse(x->config_raw, x->config_len, err);
	/* CDI devices and --gpus become plain spec edits before anything
	 * exists: device nodes, the device filter, mounts and hooks below then
	 * just do their usual job. */
	if (!x->spec || devices_inject(x->spec, o, &x->cdi_late_hooks, err) < 0)
		return -1;
	/* runtime-spec: create without a process is valid; start then fails. */
	if (!x->spec->has_process && x->run_mode)
		return cap_fail(err, 0, "process: required to run a container");
	/* Without one, the rootfs would be mounted in the host's namespace and
	 * left there, and `exec` would run on the host's root: refused, as
	 * runc refuses (it needs one to mask paths). */
	if (!spec_find_namespace(x->spec, CLONE_NEWNS))
		return cap_fail(err, 0,
				"linux.namespaces: a mount namespace is required "
				"(the container would share the host's mounts)");
	if (overlay_spec_image(x->spec, &x->image_ref, &x->image_flags) == 1)
		return 0; /* the rootfs is assembled from layers in prepare() */
	const char *root = x->spec->root_path;
	if (root[0] == '/')
		x->rootfs = realpath(root, NULL);
	else {
		char buf[PATH_MAX];
		snprintf(buf, sizeof(buf), "%s/%s", x->bundle, root);
		x->rootfs = realpath(buf, NULL);
	}
	struct stat st;
	if (!x->rootfs || stat(x->rootfs, &st) < 0)
		return errno == ENOENT
			   ? cap_fail(err, 0, "root.path: rootfs (\"%s\") does not exist", root)
			   : cap_fail(err, errno, "root.path: rootfs (\"%s\")", root);
	if (!S_ISDIR(st.st_mode))
		return cap_fail(err, 0, "root.path: rootfs (\"%s\") is not a directory", root);
	return 0;
}

static int check_terminal(struct create_ctx *x, struct cap_error **err)
{
	const struct spec_process *p = &x->spec->process;
	if (p->terminal && !x->o->console_socket && (!x->run_mode || x->detach))
		return cap_fail(err, 0,
				"process.terminal: cannot allocate tty if capsule will "
				"detach without setting console socket");
	if (!p->terminal && x->o->console_socket)
		return cap_fail(err, 0,
				"--console-socket: cannot use a console socket if "
				"process.terminal is false");
	return 0;
}

static int open_namespace_paths(struct create_ctx *x, struct cap_error **err)
{
	for (size_t i = 0; i < CAP_NS_COUNT; i++)
		x->ns_fds[i] = -1;
	const struct spec_linux *l = &x->spec->linux_;
	for (size_t i = 0; i < l->n_namespaces; i++) {
		const struct spec_namespace *ns = &l->namespaces[i];
		if (!ns->path)
			continue;
		for (size_t t = 0; t < CAP_NS_COUNT; t++) {
			if (cap_ns_table[t].clone_flag != ns->type)
				continue;
			x->ns_fds[t] = open(ns->path, O_RDONLY | O_CLOEXEC);
			if (x->ns_fds[t] < 0)
				return cap_fail(err, errno, "linux.namespaces[%zu].path: open %s",
						i, ns->path);
		}
	}
	return 0;
}

/* As runc: a cgroup that already holds processes (a shared cgroupsPath) gets
 * a warning; a frozen one is refused, since the container could never start
 * in it.  Not ours to remove then: forget it before the caller cleans up. */
static int check_cgroup_unused(struct create_ctx *x, struct cap_error **err)
{
	if (!x->cg)
		return 0;
	if (cgroup_is_frozen(x->cg)) {
		cap_fail(err, 0, "cgroup %s is frozen: refusing to start a container in it",
			 cgroup_path(x->cg));
		cgroup_free(x->cg);
		x->cg = NULL;
		return -1;
	}
	pid_t *pids = NULL;
	size_t n = 0;
	if (x->o->warn && cgroup_pids(x->cg, &pids, &n, NULL) == 0 && n > 0) {
		char msg[512];
		snprintf(msg, sizeof(msg),
			 "cgroup %s is not empty: %zu process(es) found, "
			 "another container may share it",
			 cgroup_path(x->cg), n);
		x->o->warn(msg);
	}
	free(pids);
	return 0;
}

static int make_cgroup(struct create_ctx *x, struct cap_error **err)
{
	struct cgroup_options co = {
	    .id = x->o->id,
	    .cgroups_path = x->spec->linux_.cgroups_path,
	    .resources = x->spec->linux_.resources.present ? &x->spec->linux_.resources : NULL,
	    .systemd = x->o->systemd_cgroup,
	    .rootless = x->o->rootless,
	    .debug = x->o->debug,
	    .annotations = x->spec->annotations,
	    .n_annotations = x->spec->n_annotations,
	};
	if (cgroup_create(&co, &x->cg, err) < 0)
		return -1;
	return check_cgroup_unused(x, err);
}

const char *container_store(void)
{
	const char *s = getenv("CAPSULE_STORE");
	return s && *s ? s : OVERLAY_DEFAULT_STORE;
}

/* org.capsule.image: upper/work dirs and the layer list, before clone (the
 * child mounts the overlay in its own mount namespace). */
static int prepare_image_rootfs(struct create_ctx *x, struct cap_error **err)
{
	if (overlay_prepare(container_store(), x->image_ref, x->o->id, &x->image_flags, &x->overlay,
			    err) < 0)
		return -1;
	x->rootfs = strdup(overlay_rootfs(x->overlay));
	return x->rootfs ? 0 : cap_fail(err, ENOMEM, "rootfs");
}

int rt_build_seccomp(struct create_ctx *x, const char *root, cap_notify_fn debug,
		     struct cap_error **err)
{
	if (!x->spec->linux_.seccomp)
		return 0;
	const char *env = getenv("CAPSULE_SECCOMP_CACHE");
	cleanup_free char *dir = NULL;
	if (!env || strcmp(env, "0") != 0) {
		/* The first container under a new root: make the root now (0700, as
		 * state_dir_create would) so that this one already fills the cache. */
		if (asprintf(&dir, "%s/.seccomp-cache", root) < 0 ||
		    cap_mkdir_p(root, 0700, NULL) < 0) {
			free(dir);
			dir = NULL; /* no memory or no root: compile, the caller will see why */
		}
	}
	return sc_program_build_cached(x->spec->linux_.seccomp, dir, &x->seccomp, debug, err);
}

static int prepare(struct create_ctx *x, struct cap_error **err)
{
	if (state_validate_id(x->o->id, err) < 0 || load_config(x, err) < 0 ||
	    check_terminal(x, err) < 0 || rt_memory_prepare(x, err) < 0 ||
	    netdev_check(&x->spec->linux_, err) < 0)
		return -1;
	if (x->spec->linux_.intel_rdt.present && !(x->resctrl = resctrl_root(err)))
		return -1;
	x->netdevs_pending = x->spec->linux_.n_net_devices > 0;
	/* CVE-2019-5736: re-run from a sealed copy (the init and its hooks
	 * run our binary inside the container). */
	if (cloned_binary_ensure(cloned_binary_memfd_needed(x->spec, &x->spec->process), err) < 0 ||
	    open_namespace_paths(x, err) < 0)
		return -1;
	if (mounts_idmap_prepare(x->spec, x->bundle, &x->idmap_trees, &x->n_idmap_trees, err) < 0)
		return -1;
	if (rt_build_seccomp(x, x->o->root, x->o->debug, err) < 0)
		return -1;
	if (state_dir_create(x->o->root, x->o->id, &x->sd, err) < 0)
		return -1;
	x->own_state_dir = true;
	if (cap_write_file_atomic(x->sd.fd, "config.json", x->config_raw, x->config_len, 0600,
				  err) < 0 ||
	    devices_save(x->sd.fd, x->o, x->cdi_late_hooks, err) < 0)
		return -1;
	fault_point("create-state-dir");
	if (x->image_ref && prepare_image_rootfs(x, err) < 0)
		return -1;
	if (make_cgroup(x, err) < 0 || rt_memory_check_cgroup(x, err) < 0)
		return -1;
	/* Before any process exists: `delete --force` finds them through it even if this
	 * create dies before state.json is written.
	 * (The systemd driver knows the path once the unit runs: spawn saves it.) */
	if (x->cg && cgroup_path(x->cg) && state_save_cgroup(&x->sd, cgroup_path(x->cg), err) < 0)
		return -1;
	fault_point("create-cgroup");
	if (!x->run_mode) {
		/* 0622 whatever the umask: the init may be an unmapped user */
		if (mkfifoat(x->sd.fd, "exec.fifo", 0622) < 0 ||
		    fchmodat(x->sd.fd, "exec.fifo", 0622, 0) < 0)
			return cap_fail(err, errno, "mkfifo %s/exec.fifo", x->sd.path);
		x->fifo_dirfd = open(x->sd.path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (x->fifo_dirfd < 0)
			return cap_fail(err, errno, "open %s", x->sd.path);
	}
	if (x->o->console_socket) {
		x->console_fd = rt_console_socket_connect(x->o->console_socket, err);
		if (x->console_fd < 0)
			return -1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, x->sync) < 0)
		return cap_fail(err, errno, "socketpair");
	return 0;
}

static void abort_create(struct create_ctx *x)
{
	struct cap_error *e = NULL;
	if (x->pid > 0) {
		kill(x->pid, SIGKILL);
		while (waitpid(x->pid, NULL, 0) < 0 && errno == EINTR)
			;
		x->pid = 0;
	}
	if (x->cg) {
		cgroup_destroy(x->cg, &e);
		cap_warn(x->o->warn, &e, "clean up after failed create");
		cgroup_free(x->cg);
		x->cg = NULL;
	}
	if (x->image_ref) {
		overlay_cleanup(container_store(), x->o->id, &e);
		cap_warn(x->o->warn, &e, "clean up after failed create");
	}
	if (x->own_state_dir) {
		netdev_release(x->sd.fd, x->sd.path, x->o->warn);
		resctrl_release(x->sd.fd, x->o->warn);
		state_dir_remove(&x->sd, &e);
		cap_warn(x->o->warn, &e, "clean up after failed create");
	}
	x->own_state_dir = false;
}

void rt_ctx_free(struct create_ctx *x)
{
	for (int i = 0; i < 2; i++)
		if (x->sync[i] >= 0)
			close(x->sync[i]);
	for (size_t i = 0; i < CAP_NS_COUNT; i++)
		if (x->ns_fds[i] >= 0)
			close(x->ns_fds[i]);
	if (x->console_fd >= 0)
		close(x->console_fd);
	if (x->fifo_dirfd >= 0)
		close(x->fifo_dirfd);
	if (x->pidfd >= 0)
		close(x->pidfd);
	if (x->pty_master >= 0)
		close(x->pty_master);
	if (x->cg)
		cgroup_free(x->cg);
	sc_program_free(x->seccomp);
	overlay_plan_free(x->overlay);
	mounts_idmap_free(x->idmap_trees, x->n_idmap_trees);
	state_dir_close(&x->sd);
	state_free(&x->st);
	spec_free(x->spec);
	free(x->config_raw);
	free(x->bundle);
	free(x->rootfs);
	free(x->state_json);
	free(x->resctrl);
}

void rt_ctx_init(struct create_ctx *x, const struct create_opts *o, bool run_mode)
{
	memset(x, 0, sizeof(*x));
	x->o = o;
	x->run_mode = run_mode;
	x->sync[0] = x->sync[1] = -1;
	x->console_fd = x->pidfd = x->pty_master = x->fifo_dirfd = -1;
	x->sd.fd = -1;
	for (size_t i = 0; i < CAP_NS_COUNT; i++)
		x->ns_fds[i] = -1;
}

static void fill_state(struct create_ctx *x)
{
	struct container_state *st = &x->st;
	char now[64];
	rt_rfc3339_now(now, sizeof(now));
	st->id = strdup(x->o->id);
	st->bundle = strdup(x->bundle);
	st->rootfs = strdup(x->rootfs);
	st->created = strdup(now);
	st->owner = strdup("");
	st->cgroup_path = x->cg ? strdup(cgroup_path(x->cg)) : NULL;
	st->pid = x->pid;
	st->start_time = rt_proc_start_time(x->pid);
	st->own_pidns = x->new_pidns;
	st->systemd_cgroup = x->o->systemd_cgroup;
	st->annotations = x->spec->annotations;
	st->n_annotations = x->spec->n_annotations;
}

static int finish(struct create_ctx *x, struct cap_error **err)
{
	fill_state(x);
	int rc = state_save(&x->sd, &x->st, err);
	if (rc == 0)
		rc = rt_write_pid_file(x->o->pid_file, x->pid, err);
	if (rc == 0)
		rc = rt_pidfd_socket_send(x->o->pidfd_socket, x->pidfd, err);
	/* annotations are borrowed from the spec */
	x->st.annotations = NULL;
	x->st.n_annotations = 0;
	return rc;
}

static int create_steps(struct create_ctx *x, struct cap_error **err)
{
	if (prepare(x, err) < 0 || rt_spawn(x, err) < 0)
		return -1;
	/* before it can exec, so that all it runs is in the group */
	if (x->resctrl && resctrl_apply(x->resctrl, x->o->id, x->pid, &x->spec->linux_.intel_rdt,
					x->sd.fd, err) < 0)
		return -1;
	fault_point("create-spawned");
	/* The device filter is loaded while the child sets up its mounts and
	 * attached once it is ready, before it can exec (cgroups.h). */
	if (cgroup_load_device_filter(x->cg, err) < 0 || rt_handshake(x, err) < 0 ||
	    cgroup_attach_device_filter(x->cg, err) < 0)
		return -1;
	fault_point("create-ready");
	return finish(x, err);
}

static int create_common(struct create_ctx *x, struct cap_error **err)
{
	if (create_steps(x, err) < 0) {
		abort_create(x);
		return -1;
	}
	fault_point("create-saved");
	return 0;
}

int container_create(const struct create_opts *o, struct cap_error **err)
{
	struct create_ctx x;
	rt_ctx_init(&x, o, false);
	int rc = create_common(&x, err);
	rt_ctx_free(&x);
	return rc;
}

int rt_exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

/* Forward signals to the container until it exits; returns its wait status. */
int rt_forward_and_wait(struct create_ctx *x, const sigset_t *fwd)
{
	int status = 0;
	if (x->pty_master >= 0)
		terminal_relay(x->pty_master, x->pidfd);
	cleanup_close int sfd = signalfd(-1, fwd, SFD_CLOEXEC);
	struct pollfd pfd[2] = {{x->pidfd, POLLIN, 0}, {sfd, POLLIN, 0}};
	for (;;) {
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGCHLD)
				syscall(SYS_pidfd_send_signal, x->pidfd, si.ssi_signo, NULL, 0);
		}
		if (pfd[0].revents & POLLIN)
			break;
	}
	while (waitpid(x->pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

void rt_forwarded_signals(sigset_t *set)
{
	sigfillset(set);
	/* Signals that mean "the runtime itself is broken" stay deliverable. */
	sigdelset(set, SIGSEGV);
	sigdelset(set, SIGBUS);
	sigdelset(set, SIGILL);
	sigdelset(set, SIGFPE);
	sigdelset(set, SIGABRT);
	sigdelset(set, SIGKILL);
	sigdelset(set, SIGSTOP);
}

static void teardown_after_run(struct create_ctx *x)
{
	struct cap_error *e = NULL;
	const char *id = x->o->id;
	cleanup_free char *json = state_to_json(&x->st, STATUS_STOPPED, false);
	if (json)
		hooks_run_warn(&x->spec->hooks, HOOK_POSTSTOP, json, x->o->warn);
	if (x->cg) {
		/* with its own pid namespace, all died with the init; the
		 * cgroup may hold another container's processes */
		if (!x->new_pidns && cgroup_kill_all(x->cg, SIGKILL, &e) < 0)
			cap_warn(x->o->warn, &e, "run %s: kill what is left", id);
		cgroup_destroy(x->cg, &e);
		cap_warn(x->o->warn, &e, "run %s", id);
	}
	if (x->image_ref) {
		overlay_cleanup(container_store(), id, &e);
		cap_warn(x->o->warn, &e, "run %s", id);
	}
	struct state_dir sd;
	if (state_dir_open(x->o->root, id, &sd, NULL) == 0) { /* else: deleted meanwhile */
		netdev_release(sd.fd, sd.path, x->o->warn);
		resctrl_release(sd.fd, x->o->warn);
		state_dir_remove(&sd, &e);
		cap_warn(x->o->warn, &e, "run %s", id);
	}
}

static int start_and_poststart(struct create_ctx *x, struct cap_error **err)
{
	if (sync_send(x->sync[0], SYNC_START, NULL, 0, -1) < 0)
		return cap_fail(err, errno, "start container");
	/* A successful execve closes the child's end: EOF means it runs. */
	struct sync_msg m;
	struct cap_error *e = NULL;
	if (rt_ctx_recv(x, &m, &e) == 0) {
		int rc = m.type == SYNC_ERROR ? sync_error(err, &m) : 0;
		sync_msg_free(&m);
		if (rc < 0)
			return rc;
	} else if (e && e->errnum != 0) { /* not the EOF of a successful execve */
		*err = e;
		return -1;
	}
	cap_error_free(e);
	/* runtime-spec 1.3 (runc 1.4): a failing poststart hook fails the
	 * container; the caller kills it. */
	cleanup_free char *json = state_to_json(&x->st, STATUS_RUNNING, false);
	if (json && hooks_run(&x->spec->hooks, HOOK_POSTSTART, json, err) < 0)
		return -1;
	return 0;
}

char *container_image_bundle_dir(const char *root, const char *id)
{
	char *dir = NULL;
	return asprintf(&dir, "%s/.image-bundles/%s", root, id) < 0 ? NULL : dir;
}

/* run --image: a bundle under <root>/.image-bundles/<id>, removed with the
 * container. */
static char *bundle_from_image(const struct create_opts *o, struct cap_error **err)
{
	char *dir = container_image_bundle_dir(o->root, o->id);
	if (!dir)
		return cap_fail(err, ENOMEM, "bundle path"), NULL;
	if (state_validate_id(o->id, err) < 0 || cap_mkdir_p(dir, 0700, err) < 0 ||
	    overlay_bundle_from_image(container_store(), o->image, dir, o->image_args, isatty(0),
				      sc_default_profile_json(), err) < 0) {
		struct cap_error *e = NULL;
		cap_rm_rf(dir, &e);
		cap_warn(o->warn, &e, "remove the image bundle");
		free(dir);
		return NULL;
	}
	return dir;
}

int container_run(const struct create_opts *o_in, bool detach, int *exit_code,
		  struct cap_error **err)
{
	struct create_opts img_opts = *o_in;
	const struct create_opts *o = o_in;
	cleanup_free char *img_bundle = NULL;
	if (o_in->image) {
		/* Re-exec from the sealed copy (see prepare()) before the bundle
		 * exists: the restarted command makes it again.  An image config
		 * never grants CAP_SYS_ADMIN: the read-only mount will do. */
		if (cloned_binary_ensure(false, err) < 0 ||
		    !(img_bundle = bundle_from_image(o_in, err)))
			return -1;
		img_opts.bundle = img_bundle;
		o = &img_opts;
	}
	struct create_ctx x;
	rt_ctx_init(&x, o, true);
	x.detach = detach;
	sigset_t fwd, old;
	rt_forwarded_signals(&fwd);
	if (!detach)
		sigprocmask(SIG_BLOCK, &fwd, &old);
	int rc = create_common(&x, err);
	if (rc == 0) {
		/* Let other commands (kill, exec, state) at the container. */
		state_dir_close(&x.sd);
		x.own_state_dir = false;
		if (start_and_poststart(&x, err) < 0) {
			kill(x.pid, SIGKILL);
			rc = -1;
		}
		if (!detach) {
			*exit_code = rt_exit_code_of(rt_forward_and_wait(&x, &fwd));
			if (rc < 0 || !o->keep)
				teardown_after_run(&x);
		} else if (rc < 0) {
			teardown_after_run(&x);
		}
	}
	if (!detach)
		sigprocmask(SIG_SETMASK, &old, NULL);
	if (img_bundle && ((!detach && !o->keep) || rc < 0)) {
		struct cap_error *e = NULL;
		cap_rm_rf(img_bundle, &e);
		cap_warn(o->warn, &e, "remove the image bundle");
	}
	rt_ctx_free(&x);
	return rc;
}
