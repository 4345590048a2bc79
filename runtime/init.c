/* The container's first process, from clone3 to execve (DESIGN.md, "child
 * side").  Everything here runs in the new namespaces; failures go back to the
 * parent over the sync socket as one error message, then the child exits. */
#include "init.h"

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
#include <unistd.h>

#include "../memory/memory.h"
#include "../overlay/overlay.h"
#include "../seccomp/seccomp.h"
#include "../lib/cleanup.h"
#include "../lib/file.h"
#include "hooks.h"
#include "mounts.h"
#include "process.h"
#include "sync.h"
#include "../oci/tables.h"
#include "terminal.h"

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

static bool parent_gone; /* create mode after SYNC_READY: report on stderr */

static _Noreturn void die(struct init_ctx *c, struct cap_error *e)
{
	if (!parent_gone && sync_send_error(c->sync_fd, e) == 0)
		_exit(1);
	dprintf(2, "capsule: %s\n", e && e->msg ? e->msg : "container init failed");
	_exit(1);
}

static int join_namespaces(struct init_ctx *c, struct cap_error **err)
{
	for (size_t i = 0; i < CAP_NS_COUNT; i++) {
		if (c->ns_fds[i] < 0)
			continue;
		if (setns(c->ns_fds[i], cap_ns_table[i].clone_flag) < 0)
			return cap_fail(err, errno, "join %s namespace", cap_ns_table[i].name);
		close(c->ns_fds[i]);
		c->ns_fds[i] = -1;
		if (cap_ns_table[i].clone_flag == CLONE_NEWUSER &&
		    (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
			return cap_fail(err, errno, "become root in the joined user namespace");
	}
	return 0;
}

static int enter_namespaces(struct init_ctx *c, struct cap_error **err)
{
	if (c->wait_continue) {
		struct sync_msg m;
		if (sync_expect(c->sync_fd, SYNC_CONTINUE, &m, err) < 0)
			return -1;
		/* the container cgroup, when it was made after clone (systemd) */
		if (m.len && m.buf && !c->cgroup_path)
			c->cgroup_path = steal_pointer(&m.buf);
		sync_msg_free(&m);
	}
	/* In a new user namespace, become its root (when mapped) so the rest of
	 * the setup runs with the namespace's full capabilities. */
	if (c->new_userns) {
		if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
			return cap_fail(err, errno, "setresgid 0 in the user namespace");
		if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
			return cap_fail(err, errno, "setresuid 0 in the user namespace");
	}
	if (join_namespaces(c, err) < 0)
		return -1;
	if (c->unshare_flags && unshare(c->unshare_flags) < 0)
		return cap_fail(err, errno, "unshare namespaces 0x%x", c->unshare_flags);
	return 0;
}

static int set_identity(const struct spec *s, struct cap_error **err)
{
	if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
		return cap_fail(err, errno, "sethostname %s", s->hostname);
	if (s->domainname && setdomainname(s->domainname, strlen(s->domainname)) < 0)
		return cap_fail(err, errno, "setdomainname %s", s->domainname);
	return 0;
}

static int run_hooks_handshake(struct init_ctx *c, struct cap_error **err)
{
	if (!c->hooks_handshake)
		return 0;
	if (sync_send(c->sync_fd, SYNC_HOOKS, NULL, 0, -1) < 0)
		return cap_fail(err, errno, "sync with parent");
	struct sync_msg m;
	if (sync_expect(c->sync_fd, SYNC_HOOKS_DONE, &m, err) < 0)
		return -1;
	/* createContainer hooks run with every mount in place, before
	 * pivot_root, in the container's root (NVIDIA's hooks rely on both). */
	int rc = c->spec->hooks.count[HOOK_CREATE_CONTAINER] && chdir(c->rootfs) < 0
		     ? cap_fail(err, errno, "chdir %s", c->rootfs)
		     : hooks_run(&c->spec->hooks, HOOK_CREATE_CONTAINER, m.buf, err);
	c->state_json = steal_pointer(&m.buf); /* for startContainer hooks */
	sync_msg_free(&m);
	return rc;
}

static int apply_sysctls(const struct spec_linux *l, struct cap_error **err)
{
	for (size_t i = 0; i < l->n_sysctl; i++) {
		char path[512];
		int n = snprintf(path, sizeof(path), "/proc/sys/%s", l->sysctl[i].key);
		if (n < 0 || (size_t)n >= sizeof(path) || strstr(l->sysctl[i].key, ".."))
			return cap_fail(err, 0, "linux.sysctl: invalid key \"%s\"",
					l->sysctl[i].key);
		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
		if (cap_write_file_str(path, l->sysctl[i].value, err) < 0)
			return cap_wrap(err, "linux.sysctl \"%s\"", l->sysctl[i].key);
	}
	return 0;
}

/* The overlay goes on before the rootfs bind; the tree is made a slave
 * first so the mount never propagates back to the host. */
static int mount_image_layers(struct init_ctx *c, struct cap_error **err)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return cap_fail(err, errno, "make / a slave mount");
	return overlay_mount(c->overlay, err);
}

static int build_rootfs(struct init_ctx *c, struct cap_error **err)
{
	const struct spec *s = c->spec;
	struct mounts_context mc = {
	    .spec = s,
	    .rootfs = c->rootfs,
	    .in_userns = c->new_userns || c->ns_fds[CAP_NS_USER] >= 0,
	    .new_cgroupns = spec_find_namespace(s, CLONE_NEWCGROUP) != NULL,
	    .cgroup_path = c->cgroup_path,
	    .idmap_trees = c->idmap_trees,
	    .n_idmap_trees = c->n_idmap_trees,
	};
	if (c->overlay && mount_image_layers(c, err) < 0)
		return -1;
	if (mounts_prepare_rootfs(&mc, err) < 0)
		return -1;
	if (run_hooks_handshake(c, err) < 0)
		return -1;
	/* Without a mount namespace of its own, pivot_root would move the root
	 * of every process sharing the namespace: chroot, as runc does. */
	if (!c->new_mountns) {
		if (chroot(c->rootfs) < 0 || chdir("/") < 0)
			return cap_fail(err, errno, "chroot %s", c->rootfs);
	} else if (mounts_pivot(&mc, c->no_pivot, err) < 0) {
		return -1;
	}
	/* Before finalize: readonlyPaths makes /proc/sys read-only. */
	if (apply_sysctls(&s->linux_, err) < 0)
		return -1;
	return mounts_finalize(&mc, err);
}

/* Load the filter; with SCMP_ACT_NOTIFY the parent fetches the listener fd
 * with pidfd_getfd, so the child needs no syscall after loading that the
 * profile might trap.  The fd number is announced before loading: the kernel
 * hands out the lowest free fd. */
static int load_seccomp(struct init_ctx *c, struct cap_error **err)
{
	if (sc_program_needs_listener(c->seccomp)) {
		int probe = fcntl(c->sync_fd, F_DUPFD_CLOEXEC, 0);
		if (probe < 0)
			return cap_fail(err, errno, "seccomp: reserve listener fd");
		close(probe);
		if (sync_send(c->sync_fd, SYNC_SECCOMP_FD, &probe, sizeof(probe), -1) < 0)
			return cap_fail(err, errno, "seccomp: announce listener fd");
	}
	int listener = -1;
	return sc_program_load(c->seccomp, &listener, err);
}

/* The byte the init writes to exec.fifo: START_OK, or START_NO_PROCESS when
 * config.json has no process (then `start` fails, as the spec requires). */
#define START_OK	 '0'
#define START_NO_PROCESS 'E'

static int wait_for_start(struct init_ctx *c, char byte, struct cap_error **err)
{
	if (c->fifo_dirfd < 0) {
		struct sync_msg m;
		if (sync_expect(c->sync_fd, SYNC_START, &m, err) < 0)
			return -1;
		sync_msg_free(&m);
		return 0;
	}
	/* Blocks until `capsule start` opens the fifo for reading.  The fd stays
	 * open (CLOEXEC): `start` reads EOF once execve has happened, and only
	 * then runs the poststart hooks. */
	int fd = openat(c->fifo_dirfd, "exec.fifo", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return cap_fail(err, errno, "open exec fifo");
	if (write(fd, &byte, 1) != 1)
		return cap_fail(err, errno, "write exec fifo");
	close(c->fifo_dirfd);
	c->fifo_dirfd = -1;
	return 0;
}

/* Container-wide setup that `exec` skips: namespaces are already there. */
static int setup_container(struct init_ctx *c, struct cap_error **err)
{
	const struct spec *s = c->spec;
	if (!c->no_new_keyring)
		syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL);
	if (set_identity(s, err) < 0)
		return -1;
	if (process_set_oom_score_adj(c->process, err) < 0)
		return -1;
	/* Relative bind sources are relative to the bundle, as in runc. */
	if (c->bundle && chdir(c->bundle) < 0)
		return cap_fail(err, errno, "chdir to bundle %s", c->bundle);
	if (c->setup_rootfs) {
		if (build_rootfs(c, err) < 0)
			return -1;
	} else {
		if (run_hooks_handshake(c, err) < 0)
			return -1;
		if (chroot(c->rootfs) < 0 || chdir("/") < 0)
			return cap_fail(err, errno, "chroot %s", c->rootfs);
		if (apply_sysctls(&s->linux_, err) < 0)
			return -1;
	}
	if (process_set_mempolicy(&s->linux_, err) < 0)
		return -1;
	return process_set_personality(&s->linux_, err);
}

static int setup_process(struct init_ctx *c, char **exe, struct cap_error **err)
{
	const struct spec_process *p = c->process;
	if (p->terminal && terminal_setup(p, c->console_fd, c->sync_fd, err) < 0)
		return -1;
	/* The init leads a session of its own, as with runc: a container then
	 * holds nothing of its caller's session (CRIU dumps it without
	 * --shell-job).  A terminal's setsid above did it already. */
	if (!p->terminal && !c->is_exec && setsid() < 0)
		return cap_fail(err, errno, "setsid");
	if (c->console_fd >= 0) {
		close(c->console_fd);
		c->console_fd = -1;
	}
	if (process_set_rlimits(p, err) < 0 || process_set_scheduling(p, err) < 0 ||
	    process_set_cpu_affinity(p->exec_cpu_affinity.initial, err) < 0)
		return -1;
	if (p->cwd && chdir(p->cwd) < 0)
		return cap_fail(err, errno, "chdir to %s (\"%s\")",
				c->is_exec ? "the exec process's cwd" : "process.cwd", p->cwd);
	/* A cwd reached through a leaked fd (/proc/self/fd/N) lies outside our
	 * root: getcwd() then reports "(unreachable)" (CVE-2024-21626). */
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)) || cwd[0] != '/')
		return cap_fail(err, errno ? errno : ENOENT,
				"cwd (\"%s\") is outside the container", p->cwd ? p->cwd : "/");
	/* A missing executable fails at exec time, not at create (crun and the
	 * runtime-spec lifecycle: create/start succeed, the process fails). */
	*exe = process_find_executable(p, &c->exec_error);
	c->home_env = process_home_env(p); /* read while the container's /etc is ours */
	/* Nothing of the runtime's may reach the container (CVE-2024-21626). */
	return process_cloexec_from(3 + c->preserve_fds, err);
}

static char **build_env(const struct spec_process *p, char *const *extra, char *home)
{
	size_t n = 0;
	while (extra && extra[n])
		n++;
	if (!n && !home)
		return p->env;
	char **env = calloc(p->n_env + n + 2, sizeof(char *));
	if (!env)
		return p->env;
	if (p->n_env) /* memcpy from NULL is undefined even for 0 bytes */
		memcpy(env, p->env, p->n_env * sizeof(char *));
	if (n)
		memcpy(env + p->n_env, extra, n * sizeof(char *));
	env[p->n_env + n] = home;
	return env;
}

static int finalize_and_exec(struct init_ctx *c, const char *exe, struct cap_error **err)
{
	const struct spec_process *p = c->process;
	if (!exe) {
		*err = steal_pointer(&c->exec_error);
		return -1;
	}
	bool late_seccomp =
	    c->seccomp && p->no_new_privileges && !sc_program_needs_listener(c->seccomp);
	bool mid_seccomp =
	    c->seccomp && !p->no_new_privileges && !sc_program_needs_listener(c->seccomp);
	if (!c->is_exec && hooks_start_run(&c->spec->hooks, c->state_json ? c->state_json : "{}",
					   &c->start_hooks, err) < 0)
		return -1;
	/* After the hooks (they ignore SIGPIPE), before seccomp (a profile may
	 * deny rt_sigaction). */
	process_reset_signals();
	/* Needs CAP_SYS_RESOURCE, and a seccomp profile may forbid prctl: first. */
	if (c->memory_merge && mem_enable_merge(err) < 0)
		return -1;
	/* Without no_new_privs loading a filter needs CAP_SYS_ADMIN: before the drop. */
	if (mid_seccomp && load_seccomp(c, err) < 0)
		return -1;
	if (process_drop_bounding(p, err) < 0 || process_switch_user(p, c->in_userns, err) < 0 ||
	    process_apply_caps(p, err) < 0)
		return -1;
	if (p->no_new_privileges && process_set_no_new_privs(err) < 0)
		return -1;
	if (late_seccomp && load_seccomp(c, err) < 0)
		return -1;
	if (process_set_cpu_affinity(p->exec_cpu_affinity.final, err) < 0)
		return -1;
	execve(exe, p->args, build_env(p, c->extra_env, c->home_env));
	return cap_fail(err, errno, "exec %s", exe);
}

_Noreturn void rt_init_main(struct init_ctx *c)
{
	struct cap_error *err = NULL;
	char *exe = NULL;
	c->in_userns = c->new_userns || c->ns_fds[CAP_NS_USER] >= 0;
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Die with the runtime while it still drives us (no orphaned half-setup). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (enter_namespaces(c, &err) < 0)
		die(c, err);
	if (!c->is_exec && setup_container(c, &err) < 0)
		die(c, err);
	if (c->spec->has_process && setup_process(c, &exe, &err) < 0)
		die(c, err);
	c->start_hooks.pid = -1;
	/* the notify filter goes on now; startContainer hooks must not run under it */
	if (sc_program_needs_listener(c->seccomp) &&
	    ((!c->is_exec && hooks_start_fork(&c->spec->hooks, c->state_json ? c->state_json : "{}",
					      &c->start_hooks, &err) < 0) ||
	     load_seccomp(c, &err) < 0))
		die(c, err);
	/* From here on the container outlives `capsule create`. */
	prctl(PR_SET_PDEATHSIG, 0);
	if (sync_send(c->sync_fd, SYNC_READY, NULL, 0, -1) < 0) {
		cap_fail(&err, errno, "sync with parent");
		die(c, err);
	}
	parent_gone = c->fifo_dirfd >= 0;
	if (wait_for_start(c, c->spec->has_process ? START_OK : START_NO_PROCESS, &err) < 0)
		die(c, err);
	if (!c->spec->has_process)
		_exit(1);
	finalize_and_exec(c, exe, &err);
	die(c, err);
}
