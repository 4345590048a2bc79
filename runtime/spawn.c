/* clone3 of the container init, and the parent's half of the handshake. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "../lib/ns.h"
#include "../cgroups/cgroups.h"
#include "../seccomp/seccomp.h"
#include "../lib/cleanup.h"
#include "create_internal.h"
#include "hooks.h"
#include "netdev.h"
#include "init.h"
#include "../lib/json.h"
#include "sync.h"
#include "../oci/tables.h"
#include "userns.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* Namespaces created by clone3 itself vs. by the child with unshare(2).
 * cgroup: the child unshares it once it sits in its cgroup, so the
 * namespace's root is the container cgroup.  time: the parent unshares it so
 * the offsets can be written before any process enters it.  With a joined
 * user namespace the child creates everything after setns(user), so the new
 * namespaces belong to that user namespace. */
struct ns_plan {
	uint64_t clone_flags;
	int unshare_flags;
	bool new_time;
	bool new_user;
};

static struct ns_plan plan_namespaces(const struct create_ctx *x)
{
	struct ns_plan p = {0};
	bool joined_user = x->ns_fds[CAP_NS_USER] >= 0;
	const struct spec_linux *l = &x->spec->linux_;
	for (size_t i = 0; i < l->n_namespaces; i++) {
		int t = l->namespaces[i].type;
		if (l->namespaces[i].path)
			continue;
		if (t == CLONE_NEWUSER) {
			p.clone_flags |= CLONE_NEWUSER;
			p.new_user = true;
		} else if (t == CLONE_NEWPID) {
			p.clone_flags |= CLONE_NEWPID;
		} else if (t == CLONE_NEWTIME) {
			p.new_time = true;
		} else if (t == CLONE_NEWCGROUP || joined_user) {
			p.unshare_flags |= t;
		} else {
			p.clone_flags |= (uint64_t)t;
		}
	}
	return p;
}

/* Namespaces that only affect children (pid, time) are entered by the parent
 * around clone3 and left again right after. */
struct saved_ns {
	int pid, time;
};

static int enter_for_children(struct create_ctx *x, const struct ns_plan *p, struct saved_ns *s,
			      struct cap_error **err)
{
	s->pid = s->time = -1;
	int *pidns = &x->ns_fds[CAP_NS_PID];
	if (*pidns >= 0) {
		if (cap_ns_enter_for_children(*pidns, CLONE_NEWPID, &s->pid, err) < 0)
			return -1;
		close(*pidns);
		*pidns = -1;
	}
	if (p->new_time) {
		if (cap_ns_enter_for_children(-1, CLONE_NEWTIME, &s->time, err) < 0)
			return -1;
		if (userns_write_time_offsets(&x->spec->linux_, err) < 0)
			return -1;
	}
	return 0;
}

/* Back to our own namespaces for the children that follow (hooks, newuidmap).  A rootless
 * runtime (in podman's user namespace) has no privilege over the namespaces it came from
 * and cannot go back: its later children start in the joined ones, as with runc's
 * nsexec-less path; anything else is an error. */
static int leave_one(int *saved, int type, struct cap_error **err)
{
	cleanup_error struct cap_error *e = NULL;
	if (cap_ns_leave_for_children(saved, type, &e) < 0 && e->errnum != EPERM)
		return cap_fail(err, e->errnum, "%s", e->msg);
	return 0;
}

static int leave_for_children(struct saved_ns *s, struct cap_error **err)
{
	int rc = leave_one(&s->pid, CLONE_NEWPID, err);
	return leave_one(&s->time, CLONE_NEWTIME, err) < 0 ? -1 : rc;
}

pid_t rt_clone3_into(uint64_t flags, int *pidfd, int cgroup_fd)
{
	struct clone_args ca;
	memset(&ca, 0, sizeof(ca));
	ca.flags = flags | CLONE_PIDFD;
	ca.pidfd = (uint64_t)(uintptr_t)pidfd;
	ca.exit_signal = SIGCHLD;
	if (cgroup_fd >= 0) {
		ca.flags |= CLONE_INTO_CGROUP;
		ca.cgroup = (uint64_t)cgroup_fd;
	}
	return (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
}

static char **listen_fds_env(int *extra_fds)
{
	static char fds_var[32];
	static char *env[3];
	const char *v = getenv("LISTEN_FDS");
	int n = v ? atoi(v) : 0;
	*extra_fds = n > 0 ? n : 0;
	if (n <= 0)
		return NULL;
	snprintf(fds_var, sizeof(fds_var), "LISTEN_FDS=%d", n);
	env[0] = fds_var;
	env[1] = "LISTEN_PID=1";
	env[2] = NULL;
	return env;
}

static bool any_hooks(const struct spec_hooks *h)
{
	return h->count[HOOK_PRESTART] || h->count[HOOK_CREATE_RUNTIME] ||
	       h->count[HOOK_CREATE_CONTAINER] || h->count[HOOK_START_CONTAINER];
}

/* linux.netDevices into a network namespace made by clone3: moved before the
 * init goes on (its sysctls may name them, as with runc).  One the init
 * unshares itself (a joined user namespace) gets them at the handshake. */
static bool netdevs_at_clone(const struct create_ctx *x, const struct ns_plan *p)
{
	return x->netdevs_pending && (p->clone_flags & CLONE_NEWNET);
}

static _Noreturn void child(struct create_ctx *x, const struct ns_plan *p, bool cgroup_later)
{
	close(x->sync[0]);
	/* The state dir fd carries the flock: holding it while waiting for
	 * `start` would lock every other command out. */
	close(x->sd.fd);
	int listen_fds = 0;
	struct init_ctx c = {
	    .spec = x->spec,
	    .process = &x->spec->process,
	    .rootfs = x->rootfs,
	    .bundle = x->bundle,
	    .cgroup_path = x->cg ? cgroup_path(x->cg) : NULL,
	    .seccomp = x->seccomp,
	    .overlay = x->overlay,
	    .idmap_trees = x->idmap_trees,
	    .n_idmap_trees = x->n_idmap_trees,
	    .sync_fd = x->sync[1],
	    .console_fd = x->console_fd,
	    .fifo_dirfd = x->fifo_dirfd,
	    .unshare_flags = p->unshare_flags,
	    .wait_continue = p->new_user || cgroup_later || netdevs_at_clone(x, p),
	    .new_userns = p->new_user,
	    .hooks_handshake = any_hooks(&x->spec->hooks),
	    .setup_rootfs = x->ns_fds[CAP_NS_MOUNT] < 0,
	    .new_mountns =
		spec_find_namespace(x->spec, CLONE_NEWNS) != NULL && x->ns_fds[CAP_NS_MOUNT] < 0,
	    .no_pivot = x->o->no_pivot,
	    .no_new_keyring = x->o->no_new_keyring,
	    .memory_merge = x->mem.ksm,
	};
	c.extra_env = listen_fds_env(&listen_fds);
	c.preserve_fds = x->o->preserve_fds + listen_fds;
	memcpy(c.ns_fds, x->ns_fds, sizeof(c.ns_fds));
	rt_init_main(&c);
}

int rt_spawn(struct create_ctx *x, struct cap_error **err)
{
	struct ns_plan p = plan_namespaces(x);
	struct saved_ns saved;
	int rc = enter_for_children(x, &p, &saved, err);
	int cgfd = x->cg ? cgroup_dirfd(x->cg) : -1;
	/* systemd: the unit is started with the pid, after clone (cgroups.h) */
	bool cgroup_later = cgroup_needs_pid(x->cg);
	pid_t pid = -1;
	if (rc == 0) {
		pid = rt_clone3_into(p.clone_flags, &x->pidfd, cgfd);
		if (pid < 0 && cgfd >= 0 &&
		    (errno == EINVAL || errno == E2BIG || errno == ENOSYS)) {
			/* No CLONE_INTO_CGROUP here: join through cgroup.procs instead. */
			cgroup_later = true;
			pid = rt_clone3_into(p.clone_flags, &x->pidfd, -1);
		}
		if (pid == 0)
			child(x, &p, cgroup_later);
	}
	int clone_errno = errno;
	if (leave_for_children(&saved, err) < 0)
		rc = -1;
	if (pid > 0) { /* known to the caller, which kills it on any later failure */
		x->pid = pid;
		x->new_pidns = (p.clone_flags & CLONE_NEWPID) != 0;
	}
	if (rc < 0)
		return -1;
	if (pid < 0)
		return cap_fail(err, clone_errno, "clone3 container init");
	close(x->sync[1]);
	x->sync[1] = -1;
	if (x->fifo_dirfd >= 0) {
		close(x->fifo_dirfd);
		x->fifo_dirfd = -1;
	}
	if (x->console_fd >= 0) {
		close(x->console_fd);
		x->console_fd = -1;
	}
	if (p.new_user && userns_write_maps(pid, &x->spec->linux_, err) < 0)
		return -1;
	if (cgroup_later && cgroup_enter(x->cg, pid, err) < 0)
		return -1;
	/* systemd: the unit (and its cgroup path) exists only now */
	if (cgroup_later && cgroup_path(x->cg) &&
	    state_save_cgroup(&x->sd, cgroup_path(x->cg), err) < 0)
		return -1;
	bool netdevs = netdevs_at_clone(x, &p);
	if (netdevs) {
		x->netdevs_pending = false;
		if (netdev_attach(x->sd.fd, x->sd.path, x->pid, &x->spec->linux_, err) < 0)
			return -1;
	}
	/* the cgroup path rides along: the child could not know it at clone */
	const char *cgp = cgroup_later ? cgroup_path(x->cg) : NULL;
	if ((p.new_user || cgroup_later || netdevs) &&
	    sync_send(x->sync[0], SYNC_CONTINUE, cgp, cgp ? strlen(cgp) + 1 : 0, -1) < 0)
		return cap_fail(err, errno, "sync with container init");
	return 0;
}

static char *creating_state_json(struct create_ctx *x)
{
	struct container_state st = {
	    .id = (char *)x->o->id,
	    .bundle = x->bundle,
	    .rootfs = x->rootfs,
	    .pid = x->pid,
	    .annotations = x->spec->annotations,
	    .n_annotations = x->spec->n_annotations,
	};
	return state_to_json(&st, STATUS_CREATED, false);
}

static int on_hooks(struct create_ctx *x, struct cap_error **err)
{
	free(x->state_json);
	x->state_json = creating_state_json(x);
	if (!x->state_json)
		return cap_fail(err, ENOMEM, "state JSON");
	if (hooks_run(&x->spec->hooks, HOOK_PRESTART, x->state_json, err) < 0 ||
	    hooks_run(&x->spec->hooks, HOOK_CREATE_RUNTIME, x->state_json, err) < 0)
		return -1;
	if (sync_send(x->sync[0], SYNC_HOOKS_DONE, x->state_json, strlen(x->state_json) + 1, -1) <
	    0)
		return cap_fail(err, errno, "sync with container init");
	return 0;
}

/* OCI ContainerProcessState, sent with the listener fd. */
static char *process_state_json(struct create_ctx *x)
{
	cleanup_free char *state = creating_state_json(x);
	const struct spec_seccomp *sc = x->spec->linux_.seccomp;
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g || !state)
		return NULL;
	yajl_gen_map_open(g);
	cap_json_kv_str(g, "ociVersion", "1.2.0");
	static const char *const fds[] = {"seccompFd", NULL};
	cap_json_str_array(g, "fds", fds);
	cap_json_key(g, "pid");
	yajl_gen_integer(g, x->pid);
	cap_json_kv_str(g, "metadata", sc->listener_metadata ? sc->listener_metadata : "");
	cap_json_key(g, "state");
	yajl_gen_number(g, state, strlen(state)); /* already JSON: embed verbatim */
	yajl_gen_map_close(g);
	char *out = cap_json_finish(g);
	yajl_gen_free(g);
	return out;
}

static int fetch_listener(struct create_ctx *x, int fdnum, struct cap_error **err)
{
	cleanup_close int fd = -1;
	if (sc_fetch_listener(x->pidfd, fdnum, 5000, &fd, err) < 0)
		return -1;
	cleanup_free char *json = process_state_json(x);
	if (!json)
		return cap_fail(err, ENOMEM, "seccomp: state JSON");
	return sc_send_listener(x->spec->linux_.seccomp->listener_path, fd, json, err);
}

static int on_message(struct create_ctx *x, struct sync_msg *m, struct cap_error **err)
{
	switch (m->type) {
	case SYNC_HOOKS:
		return on_hooks(x, err);
	case SYNC_SECCOMP_FD: {
		int n;
		if (m->len != sizeof(n))
			return cap_fail(err, EPROTO, "bad seccomp message");
		memcpy(&n, m->buf, sizeof(n));
		return fetch_listener(x, n, err);
	}
	case SYNC_PTY:
		x->pty_master = m->fd;
		m->fd = -1;
		return 0;
	case SYNC_ERROR:
		return sync_error(err, m);
	default:
		return cap_fail(err, EPROTO, "unexpected message %u from container init", m->type);
	}
}

/* Stop-signals blocked by a foreground `run`/`exec` (they are relayed once
 * the container runs): while it is being set up they abort instead. */
static int stop_signal_fd(void)
{
	static const int stops[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};
	sigset_t blocked, set;
	sigemptyset(&set);
	if (sigprocmask(SIG_BLOCK, NULL, &blocked) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++)
		if (sigismember(&blocked, stops[i]))
			sigaddset(&set, stops[i]);
	return sigisemptyset(&set) ? -1 : signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* An error whose text carries no errno, but whose errnum is set: callers
 * tell it from the plain EOF (errnum 0) of a child that exec'd. */
static int fail_with(struct cap_error **err, int errnum, const char *msg, unsigned arg)
{
	cap_fail(err, 0, msg, arg);
	if (err && *err)
		(*err)->errnum = errnum;
	return -1;
}

int rt_ctx_recv(struct create_ctx *x, struct sync_msg *m, struct cap_error **err)
{
	cleanup_close int sfd = stop_signal_fd();
	struct pollfd pfd[2] = {{x->sync[0], POLLIN, 0}, {sfd, POLLIN, 0}};
	for (int waited = 0;; waited += SYNC_TICK_MS) {
		int n = poll(pfd, 2, SYNC_TICK_MS);
		if (n < 0 && errno != EINTR)
			return cap_fail(err, errno, "wait for the container process");
		if (n > 0 && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
			return sync_recv(x->sync[0], m, err);
		struct signalfd_siginfo si;
		if (n > 0 && (pfd[1].revents & POLLIN) && read(sfd, &si, sizeof(si)) == sizeof(si))
			return fail_with(
			    err, EINTR,
			    "interrupted by signal %u while the container was being set up",
			    si.ssi_signo);
		/* A frozen cgroup never lets it progress (an admin's, or a
		 * `pause` racing with us), unless the caller asked to wait for
		 * a resume (exec --ignore-paused; still bounded below). */
		if (x->cg && !x->frozen_ok && cgroup_is_frozen(x->cg)) {
			cap_fail(err, 0, "cgroup %s is frozen: the container process cannot run",
				 cgroup_path(x->cg));
			if (err && *err)
				(*err)->errnum = EBUSY;
			return -1;
		}
		if (waited >= SYNC_TIMEOUT_MS)
			return fail_with(err, ETIMEDOUT,
					 "no word from the container process for %u s",
					 SYNC_TIMEOUT_MS / 1000);
	}
}

/* linux.netDevices not moved at clone: once the init is in its namespaces
 * (it asks for the hooks, or says it is ready), before any hook runs or the
 * process starts. */
static int attach_netdevs(struct create_ctx *x, const struct sync_msg *m, struct cap_error **err)
{
	if (!x->netdevs_pending || (m->type != SYNC_HOOKS && m->type != SYNC_READY))
		return 0;
	x->netdevs_pending = false;
	return netdev_attach(x->sd.fd, x->sd.path, x->pid, &x->spec->linux_, err);
}

int rt_handshake(struct create_ctx *x, struct cap_error **err)
{
	for (;;) {
		struct sync_msg m;
		if (rt_ctx_recv(x, &m, err) < 0)
			return -1;
		if (attach_netdevs(x, &m, err) < 0) {
			sync_msg_free(&m);
			return -1;
		}
		if (m.type == SYNC_READY) {
			sync_msg_free(&m);
			return 0;
		}
		int rc = on_message(x, &m, err);
		sync_msg_free(&m);
		if (rc < 0)
			return -1;
	}
}
