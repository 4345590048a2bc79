/* `restore`: a new container from CRIU images (libcriu), as runc does.
 *
 * The state dir and cgroup are made as for create; then, in a private mount
 * namespace of this process (nothing leaks to the host), the rootfs is
 * bound on <state>/criu-root for CRIU's root, this process joins the
 * container cgroup (CRIU's restorer inherits it, and the cgroup root is
 * mapped there), CRIU restores the tree as our child, and we leave the
 * cgroup again.  The state then says running with the new init pid. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "../cgroups/cgroups.h"
#include "../lib/cleanup.h"
#include "criu.h"
#include "../lib/file.h"
#include "state.h"
#include "terminal.h"

#define RESTORE_LOG "restore.log"

struct restore_ctx {
	const struct restore_opts *o;
	char *bundle, *rootfs, *raw, *criu_root, *own_cgroup;
	size_t raw_len;
	struct spec *spec;
	struct state_dir sd;
	bool own_state_dir;
	struct cgroup *cg;
	pid_t pid;
	int console_fd; /* --console-socket, connected; -1 without */
	int host_mntns; /* the mount namespace we started in (for hooks) */
	int pty_master; /* foreground restore of a terminal: relayed to our stdio */
	char created[64];
};

static int load_bundle(struct restore_ctx *x, struct cap_error **err)
{
	const struct create_opts *c = &x->o->c;
	if (state_validate_id(c->id, err) < 0)
		return -1;
	x->bundle = realpath(c->bundle ? c->bundle : ".", NULL);
	if (!x->bundle)
		return cap_fail(err, errno, "bundle %s", c->bundle ? c->bundle : ".");
	cleanup_close int dfd = open(x->bundle, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	x->raw = dfd < 0 ? NULL : cap_read_file_at(dfd, "config.json", &x->raw_len, err);
	if (!x->raw)
		return dfd < 0 ? cap_fail(err, errno, "open %s", x->bundle) : -1;
	if (!(x->spec = spec_parse(x->raw, x->raw_len, err)))
		return cap_wrap(err, "%s/config.json", x->bundle);
	/* create moves the devices and joins the group; CRIU does neither */
	const struct spec_linux *l = &x->spec->linux_;
	if (l->n_net_devices || l->intel_rdt.present)
		return cap_fail(err, ENOTSUP, "restore: linux.%s is not supported yet",
				l->n_net_devices ? "netDevices" : "intelRdt");
	/* the pty CRIU makes for a terminal goes to the socket, or is relayed */
	if (x->spec->process.terminal && !c->console_socket && x->o->detach)
		return cap_fail(err, 0,
				"process.terminal: cannot allocate tty if capsule will "
				"detach without setting console socket");
	if (!x->spec->process.terminal && c->console_socket)
		return cap_fail(err, 0,
				"--console-socket: cannot use a console socket if "
				"process.terminal is false");
	const char *r = x->spec->root_path ? x->spec->root_path : "rootfs";
	cleanup_free char *joined = NULL;
	if (*r != '/' && asprintf(&joined, "%s/%s", x->bundle, r) < 0)
		return cap_fail(err, ENOMEM, "rootfs");
	x->rootfs = realpath(joined ? joined : r, NULL);
	return x->rootfs ? 0 : cap_fail(err, errno, "root.path %s", joined ? joined : r);
}

static int make_cgroup(struct restore_ctx *x, struct cap_error **err)
{
	const struct spec_linux *l = &x->spec->linux_;
	struct cgroup_options co = {
	    .id = x->o->c.id,
	    .cgroups_path = l->cgroups_path,
	    .resources = l->resources.present ? &l->resources : NULL,
	    .systemd = x->o->c.systemd_cgroup,
	    .rootless = x->o->c.rootless,
	    .debug = x->o->c.debug,
	    .annotations = x->spec->annotations,
	    .n_annotations = x->spec->n_annotations,
	};
	return cgroup_create(&co, &x->cg, err);
}

/* A private mount namespace with the rootfs bound on <state>/criu-root. */
static int criu_root(struct restore_ctx *x, struct cap_error **err)
{
	x->host_mntns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (x->host_mntns < 0)
		return cap_fail(err, errno, "open /proc/self/ns/mnt");
	if (unshare(CLONE_NEWNS) < 0)
		return cap_fail(err, errno, "unshare mount namespace");
	if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return cap_fail(err, errno, "make / rslave");
	if (asprintf(&x->criu_root, "%s/criu-root", x->sd.path) < 0)
		return cap_fail(err, ENOMEM, "criu root");
	if (mkdir(x->criu_root, 0755) < 0 && errno != EEXIST)
		return cap_fail(err, errno, "mkdir %s", x->criu_root);
	if (mount(x->rootfs, x->criu_root, NULL, MS_BIND | MS_REC, NULL) < 0)
		return cap_fail(err, errno, "bind %s on %s", x->rootfs, x->criu_root);
	return 0;
}

/* This process's cgroup2 path, to come back to after the restore. */
static int own_cgroup(char **out, struct cap_error **err)
{
	cleanup_file FILE *f = fopen("/proc/self/cgroup", "re");
	cleanup_free char *line = NULL;
	size_t cap = 0;
	while (f && getline(&line, &cap, f) > 0)
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			*out = strdup(line + 3);
			return *out ? 0 : cap_fail(err, ENOMEM, "own cgroup");
		}
	return cap_fail(err, ENOENT, "/proc/self/cgroup: no cgroup2 entry");
}

static void leave_cgroup(struct restore_ctx *x)
{
	if (!x->own_cgroup)
		return;
	char path[PATH_MAX], pid[32];
	const char *base = cgroup_is_hybrid(x->cg) ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup";
	snprintf(path, sizeof(path), "%s%s/cgroup.procs", base, x->own_cgroup);
	int n = snprintf(pid, sizeof(pid), "%d", (int)getpid());
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0 && write(fd, pid, (size_t)n) < 0) {
		/* stays in the container cgroup until it exits: harmless */
	}
	free(x->own_cgroup);
	x->own_cgroup = NULL;
}

/* Stdio pipes recorded at dump are handed over from our own fds 0-2. */
static int inherit_stdio(struct criu_ctx *c, struct cap_error **err)
{
	size_t len = 0;
	cleanup_free char *raw = cap_read_file_at(c->image_fd, "descriptors.json", &len, NULL);
	if (!raw)
		return 0; /* not from capsule or runc: nothing to map */
	char ebuf[128];
	yajl_val v = yajl_tree_parse(raw, ebuf, sizeof(ebuf));
	if (!YAJL_IS_ARRAY(v)) {
		yajl_tree_free(v);
		return cap_fail(err, EINVAL, "descriptors.json: not a JSON array");
	}
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < v->u.array.len && i < 3; i++) {
		const char *s = YAJL_GET_STRING(v->u.array.values[i]);
		if (s && strncmp(s, "pipe:", 5) == 0 &&
		    criu_local_add_inherit_fd(c->opts, (int)i, s) < 0)
			rc = cap_fail(err, ENOMEM, "criu inherit fd");
	}
	yajl_tree_free(v);
	return rc;
}

static int configure(struct restore_ctx *x, struct criu_ctx *c, struct cap_error **err)
{
	const struct spec_linux *l = &x->spec->linux_;
	if (criu_local_set_root(c->opts, x->criu_root) < 0)
		return cap_fail(err, ENOMEM, "criu root");
	const char *cgp = x->cg ? cgroup_path(x->cg) : NULL;
	if (criu_ext_mounts(c, x->spec, x->bundle, true, cgp, err) < 0)
		return -1;
	/* a masked file was /dev/null bound over it; unused keys are ignored */
	for (size_t i = 0; i < l->n_masked_paths; i++)
		if (criu_local_add_ext_mount(c->opts, l->masked_paths[i], "/dev/null") < 0)
			return cap_fail(err, ENOMEM, "criu external mount");
	const struct spec_namespace *net = spec_find_namespace(x->spec, CLONE_NEWNET);
	if (net && net->path) {
		int fd = open(net->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return cap_fail(err, errno, "linux.namespaces network path %s", net->path);
		if (criu_local_add_inherit_fd(c->opts, fd, "extRootNetNS") < 0)
			return cap_fail(err, ENOMEM, "criu inherit fd");
	}
	/* the container's cgroup root: where CRIU puts the restored tree */
	if (cgp) {
		const char *rel = cgp + strlen(cgroup_is_hybrid(x->cg) ? "/sys/fs/cgroup/unified"
								       : "/sys/fs/cgroup");
		if (criu_local_add_cg_root(c->opts, NULL, *rel ? rel : "/") < 0)
			return cap_fail(err, ENOMEM, "criu cgroup root");
	}
	return inherit_stdio(c, err);
}

/* The state hooks and state.json get (pid 0 until CRIU reports it). */
static struct container_state make_state(struct restore_ctx *x)
{
	const struct spec_namespace *pidns = spec_find_namespace(x->spec, CLONE_NEWPID);
	return (struct container_state){
	    .id = (char *)x->o->c.id,
	    .bundle = x->bundle,
	    .rootfs = x->rootfs,
	    .created = x->created,
	    .owner = "",
	    .cgroup_path = x->cg ? (char *)cgroup_path(x->cg) : NULL,
	    .pid = x->pid,
	    .start_time = x->pid > 0 ? rt_proc_start_time(x->pid) : 0,
	    .own_pidns = pidns && !pidns->path,
	    .systemd_cgroup = x->o->c.systemd_cgroup,
	    .annotations = x->spec->annotations,
	    .n_annotations = x->spec->n_annotations,
	};
}

static int restore_tree(struct restore_ctx *x, struct criu_ctx *c, struct cap_error **err)
{
	struct criu_restore_notify n = {.hooks = &x->spec->hooks,
					.st = make_state(x),
					.console_fd = x->console_fd,
					.pty_master = -1,
					.host_mntns = x->host_mntns};
	criu_restore_notify_install(c, &n);
	/* the restored init comes to us once criu exits (criu.h) */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	int pid = criu_swrk_call(c, rt_dl_criu_local_restore);
	criu_restore_notify_done(&n);
	x->pty_master = n.pty_master;
	if (pid > 0 && !n.err) {
		x->pid = pid;
		return 0;
	}
	if (pid > 0) { /* not expected: CRIU aborts on a failed notify */
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (n.err) {
		if (err && !*err)
			*err = n.err;
		else
			cap_error_free(n.err);
		return cap_wrap(err, "criu restore");
	}
	return criu_fail(c, pid, "criu restore", RESTORE_LOG, err);
}

static int run_criu(struct restore_ctx *x, struct cap_error **err)
{
	struct criu_ctx c;
	int rc = criu_ctx_init(&c, &x->o->common, false, RESTORE_LOG, err);
	/* in the container cgroup first: CRIU's restorer inherits it, and the
	 * systemd driver knows the path only once the unit runs with our pid */
	if (rc == 0 && x->cg && (rc = own_cgroup(&x->own_cgroup, err)) == 0)
		rc = cgroup_enter(x->cg, getpid(), err);
	if (rc == 0 && x->cg)
		rc = state_save_cgroup(&x->sd, cgroup_path(x->cg), err);
	if (rc == 0)
		rc = configure(x, &c, err);
	if (rc == 0)
		rc = restore_tree(x, &c, err);
	leave_cgroup(x);
	criu_ctx_free(&c);
	return rc;
}

static int save_state(struct restore_ctx *x, struct cap_error **err)
{
	struct container_state st = make_state(x);
	if (state_save(&x->sd, &st, err) < 0)
		return -1;
	return rt_write_pid_file(x->o->c.pid_file, x->pid, err);
}

static void cleanup_ctx(struct restore_ctx *x, bool failed)
{
	if (x->criu_root) {
		umount2(x->criu_root, MNT_DETACH);
		rmdir(x->criu_root);
	}
	if (failed && x->pid > 0) {
		kill(x->pid, SIGKILL);
		waitpid(x->pid, NULL, 0);
	}
	if (failed && x->cg)
		cgroup_destroy(x->cg, NULL);
	if (failed && x->own_state_dir)
		state_dir_remove(&x->sd, NULL);
	else
		state_dir_close(&x->sd);
	cleanup_close_fn(&x->console_fd);
	cleanup_close_fn(&x->host_mntns);
	cleanup_close_fn(&x->pty_master);
	cgroup_free(x->cg);
	spec_free(x->spec);
	free(x->bundle), free(x->rootfs), free(x->raw), free(x->criu_root), free(x->own_cgroup);
}

int container_restore(const struct restore_opts *o, int *exit_code, struct cap_error **err)
{
	struct restore_ctx x = {
	    .o = o, .sd = {.fd = -1}, .console_fd = -1, .host_mntns = -1, .pty_master = -1};
	rt_rfc3339_now(x.created, sizeof(x.created));
	int rc = load_bundle(&x, err);
	if (rc == 0 && o->c.console_socket &&
	    (x.console_fd = rt_console_socket_connect(o->c.console_socket, err)) < 0)
		rc = -1;
	if (rc == 0 && (rc = state_dir_create(o->c.root, o->c.id, &x.sd, err)) == 0)
		x.own_state_dir = true;
	if (rc == 0)
		rc = cap_write_file_atomic(x.sd.fd, "config.json", x.raw, x.raw_len, 0600, err);
	if (rc == 0)
		rc = make_cgroup(&x, err);
	if (rc == 0)
		rc = criu_root(&x, err);
	if (rc == 0)
		rc = run_criu(&x, err);
	if (rc == 0)
		rc = cgroup_attach_device_filter(x.cg, err);
	if (rc == 0)
		rc = save_state(&x, err);
	cleanup_close int master = rc == 0 && !o->detach ? steal_fd(&x.pty_master) : -1;
	cleanup_ctx(&x, rc < 0);
	if (rc < 0 || o->detach)
		return rc;
	/* foreground, like run: relay its terminal, wait, then delete */
	if (master >= 0) {
		cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, x.pid, 0);
		terminal_relay(master, pidfd);
	}
	int status = 0;
	while (waitpid(x.pid, &status, 0) < 0 && errno == EINTR)
		;
	*exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return container_delete(o->c.root, o->c.id, true, o->c.warn, err);
}
