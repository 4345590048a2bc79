/* `capsule exec`: a new process in a running container's namespaces and
 * cgroup, set up by the same init code (told that it is an exec). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../lib/ns.h"
#include "../cgroups/cgroups.h"
#include "../seccomp/seccomp.h"
#include "../lib/cleanup.h"
#include "cloned_binary.h"
#include "create_internal.h"
#include "../lib/fault.h"
#include "../lib/file.h"
#include "init.h"
#include "../lib/strv.h"
#include "sync.h"
#include "../oci/tables.h"
#include "terminal.h"

static int parse_user(const char *s, struct spec_user *u, struct cap_error **err)
{
	char *end;
	errno = 0;
	unsigned long uid = strtoul(s, &end, 10);
	if (errno || end == s || (*end && *end != ':'))
		return cap_fail(err, 0, "--user: expected uid[:gid], got \"%s\"", s);
	u->uid = (uid_t)uid;
	if (*end == ':') {
		const char *g = end + 1;
		unsigned long gid = strtoul(g, &end, 10);
		if (end == g || *end)
			return cap_fail(err, 0, "--user: expected uid[:gid], got \"%s\"", s);
		u->gid = (gid_t)gid;
	}
	return 0;
}

static int add_caps(struct spec_process *p, char **caps, struct cap_error **err)
{
	for (; caps && *caps; caps++) {
		cap_value_t v;
		if (cap_from_name(*caps, &v) < 0)
			return cap_fail(err, 0, "--cap: unknown capability \"%s\"", *caps);
		uint64_t bit = 1ULL << v;
		p->has_capabilities = true;
		p->caps.bounding |= bit;
		p->caps.effective |= bit;
		p->caps.permitted |= bit;
		/* ambient needs inheritable; runc only adds it where that is set */
		if (p->caps.inheritable & bit)
			p->caps.ambient |= bit;
	}
	return 0;
}

static int add_gids(struct spec_user *u, char **gids, struct cap_error **err)
{
	size_t n = cap_strv_len(gids);
	if (!n)
		return 0;
	gid_t *all = realloc(u->additional_gids, (u->n_additional_gids + n) * sizeof(gid_t));
	if (!all)
		return cap_fail(err, ENOMEM, "--additional-gids");
	u->additional_gids = all;
	for (size_t i = 0; i < n; i++) {
		char *end;
		unsigned long g = strtoul(gids[i], &end, 10);
		if (end == gids[i] || *end)
			return cap_fail(err, 0, "--additional-gids: invalid gid \"%s\"", gids[i]);
		all[u->n_additional_gids++] = (gid_t)g;
	}
	return 0;
}

/* runc's rules: start from the container's process, override from flags. */
static int override_process(struct spec_process *p, const struct exec_opts *o,
			    struct cap_error **err)
{
	if (!o->args || !o->args[0])
		return cap_fail(err, 0, "exec: arguments required (or --process)");
	cap_strv_free(p->args);
	p->args = cap_strv_dup(o->args);
	p->n_args = cap_strv_len(p->args);
	for (char **e = o->env; e && *e; e++)
		if (cap_strv_setenv(&p->env, *e) < 0)
			return cap_fail(err, ENOMEM, "--env");
	p->n_env = cap_strv_len(p->env);
	if (o->cwd) {
		free(p->cwd);
		p->cwd = strdup(o->cwd);
	}
	if (o->user && parse_user(o->user, &p->user, err) < 0)
		return -1;
	if (add_gids(&p->user, o->additional_gids, err) < 0 || add_caps(p, o->caps, err) < 0)
		return -1;
	if (o->has_no_new_privs)
		p->no_new_privileges = o->no_new_privs;
	p->terminal = o->tty;
	return 0;
}

static int load_process(struct spec *s, const struct exec_opts *o, struct cap_error **err)
{
	if (!o->process_file)
		return override_process(&s->process, o, err);
	size_t len;
	cleanup_free char *raw = cap_read_file_at(AT_FDCWD, o->process_file, &len, err);
	if (!raw)
		return cap_wrap(err, "--process");
	struct spec_process *np = spec_parse_process(raw, len, err);
	if (!np)
		return cap_wrap(err, "--process %s", o->process_file);
	struct spec_process old = s->process;
	s->process = *np;
	*np = old;
	spec_process_free(np);
	if (o->tty)
		s->process.terminal = true;
	return 0;
}

static bool same_ns(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino &&
	       sa.st_dev == sb.st_dev;
}

static int open_container_namespaces(struct create_ctx *x, struct cap_error **err)
{
	for (size_t i = 0; i < CAP_NS_COUNT; i++) {
		char theirs[64], ours[64];
		snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", x->st.pid, cap_ns_table[i].proc);
		snprintf(ours, sizeof(ours), "/proc/self/ns/%s", cap_ns_table[i].proc);
		if (access(theirs, F_OK) < 0 || same_ns(theirs, ours))
			continue;
		x->ns_fds[i] = open(theirs, O_RDONLY | O_CLOEXEC);
		if (x->ns_fds[i] < 0)
			return cap_fail(err, errno, "open %s", theirs);
	}
	return 0;
}

static _Noreturn void exec_child(struct create_ctx *x, const struct exec_opts *o)
{
	close(x->sync[0]);
	/* A non-dumpable process: container processes cannot open our
	 * /proc/<pid>/exe and overwrite the runtime (CVE-2019-5736 class). */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	struct init_ctx c = {
	    .spec = x->spec,
	    .process = &x->spec->process,
	    .rootfs = x->rootfs,
	    .seccomp = x->seccomp,
	    .sync_fd = x->sync[1],
	    .console_fd = x->console_fd,
	    .fifo_dirfd = -1,
	    .preserve_fds = o->preserve_fds,
	    .is_exec = true,
	    .memory_merge = rt_memory_merge(x->st.annotations, x->st.n_annotations),
	};
	memcpy(c.ns_fds, x->ns_fds, sizeof(c.ns_fds));
	rt_init_main(&c);
}

static int spawn_exec(struct create_ctx *x, const struct exec_opts *o, struct cap_error **err)
{
	int saved = -1;
	int *pidns = &x->ns_fds[CAP_NS_PID];
	if (*pidns >= 0) {
		if (cap_ns_enter_for_children(*pidns, CLONE_NEWPID, &saved, err) < 0) {
			cap_ns_leave_for_children(&saved, CLONE_NEWPID, err);
			return -1;
		}
		close(*pidns);
		*pidns = -1;
	}
	pid_t pid = rt_clone3_into(0, &x->pidfd, x->cg ? cgroup_dirfd(x->cg) : -1);
	if (pid == 0)
		exec_child(x, o);
	int e = errno;
	if (pid > 0)
		x->pid = pid; /* the caller kills it on any later failure */
	/* Back to our own pid namespace for later children.  exec makes no other child, and a
	 * rootless runtime (in podman's user namespace) has no privilege over the pid
	 * namespace it came from, so a refused return is not an error here (create's hooks
	 * make it one there, spawn.c). */
	cleanup_error struct cap_error *not_back = NULL;
	cap_ns_leave_for_children(&saved, CLONE_NEWPID, &not_back);
	if (pid < 0)
		return cap_fail(err, e, "clone3 exec process");
	x->pid = pid;
	close(x->sync[1]);
	x->sync[1] = -1;
	return 0;
}

/* The container's cgroup, or with --cgroup a sub-cgroup of it (runc: on v2
 * a path relative to the container's cgroup, "" or "/" for the cgroup itself). */
static int open_exec_cgroup(struct create_ctx *x, const char *sub, struct cap_error **err)
{
	if (sub) {
		const char *colon = strchr(sub, ':');
		if (colon && colon != sub)
			return cap_fail(err, 0,
					"--cgroup %.200s: cgroup v2 takes a path only, "
					"no controller names",
					sub);
		if (colon)
			sub = colon + 1;
		if (!x->st.cgroup_path)
			return cap_fail(err, 0, "--cgroup %.200s: the container has no cgroup",
					sub);
		for (const char *p = sub; *p;) {
			size_t len = strcspn(p, "/");
			if (len == 2 && p[0] == '.' && p[1] == '.')
				return cap_fail(err, 0, "--cgroup %.200s: \"..\" is not allowed",
						sub);
			p += len + (p[len] == '/');
		}
	}
	if (!x->st.cgroup_path)
		return 0;
	cleanup_free char *path = NULL;
	if (asprintf(&path, "%s/%s", x->st.cgroup_path, sub ? sub : "") < 0)
		return cap_fail(err, ENOMEM, "cgroup path");
	return cgroup_open(path, &x->cg, err);
}

static int prepare_exec(struct create_ctx *x, const struct exec_opts *o, struct cap_error **err)
{
	if (state_dir_open(o->root, o->id, &x->sd, err) < 0 || state_load(&x->sd, &x->st, err) < 0)
		return -1;
	enum container_status status = state_status(&x->sd, &x->st);
	if (status == STATUS_STOPPED)
		return cap_fail(err, 0, "cannot exec in a stopped container");
	if (status == STATUS_PAUSED && !o->ignore_paused)
		return cap_fail(
		    err, 0, "cannot exec in a paused container (use --ignore-paused to override)");
	x->frozen_ok = o->ignore_paused;
	x->config_raw = cap_read_file_at(x->sd.fd, "config.json", &x->config_len, err);
	if (!x->config_raw || !(x->spec = spec_parse(x->config_raw, x->config_len, err)))
		return -1;
	if (load_process(x->spec, o, err) < 0 ||
	    cloned_binary_ensure(cloned_binary_memfd_needed(x->spec, &x->spec->process), err) < 0)
		return -1;
	if (x->spec->process.terminal && !o->console_socket && o->detach)
		return cap_fail(err, 0,
				"cannot allocate tty if capsule will detach without setting "
				"console socket");
	x->bundle = strdup(x->st.bundle);
	x->rootfs = strdup(x->st.rootfs ? x->st.rootfs : "/");
	if (open_exec_cgroup(x, o->sub_cgroup, err) < 0)
		return -1;
	if (rt_build_seccomp(x, o->root, o->debug, err) < 0)
		return -1;
	if (o->console_socket &&
	    (x->console_fd = rt_console_socket_connect(o->console_socket, err)) < 0)
		return -1;
	if (open_container_namespaces(x, err) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, x->sync) < 0)
		return cap_fail(err, errno, "socketpair");
	return 0;
}

static int start_exec(struct create_ctx *x, const struct exec_opts *o, struct cap_error **err)
{
	if (rt_handshake(x, err) < 0)
		return -1;
	if (rt_write_pid_file(o->pid_file, x->pid, err) < 0)
		return -1;
	if (rt_pidfd_socket_send(o->pidfd_socket, x->pidfd, err) < 0)
		return -1;
	if (sync_send(x->sync[0], SYNC_START, NULL, 0, -1) < 0)
		return cap_fail(err, errno, "start exec process");
	struct sync_msg m;
	struct cap_error *eof = NULL;
	int rc = 0;
	if (rt_ctx_recv(x, &m, &eof) == 0) {
		if (m.type == SYNC_ERROR)
			rc = sync_error(err, &m);
		sync_msg_free(&m);
	} else if (eof && eof->errnum != 0) { /* not the EOF of a successful execve */
		*err = steal_pointer(&eof);
		rc = -1;
	}
	cap_error_free(eof);
	return rc;
}

int container_exec(const struct exec_opts *o, int *exit_code, struct cap_error **err)
{
	struct create_opts co = {.id = o->id, .root = o->root, .debug = o->debug};
	struct create_ctx x;
	rt_ctx_init(&x, &co, true);
	sigset_t fwd, old;
	rt_forwarded_signals(&fwd);
	if (!o->detach)
		sigprocmask(SIG_BLOCK, &fwd, &old);
	int rc = prepare_exec(&x, o, err);
	if (rc == 0) {
		/* the lock is not needed once the process is spawned */
		rc = spawn_exec(&x, o, err);
		state_dir_close(&x.sd);
		fault_point("exec-spawned");
	}
	if (rc == 0 && start_exec(&x, o, err) < 0) {
		kill(x.pid, SIGKILL);
		rc = -1;
	}
	if (rc == 0)
		fault_point("exec-started");
	/* Reap the child either way; its status is the exit code only if the program ran (a
	 * failed exec is the runtime's error: whether the child had exited or was killed must
	 * not change the caller's exit code). */
	if (x.pid > 0 && (!o->detach || rc < 0)) {
		int code = rt_exit_code_of(rt_forward_and_wait(&x, &fwd));
		if (rc == 0)
			*exit_code = code;
	}
	if (!o->detach)
		sigprocmask(SIG_SETMASK, &old, NULL);
	rt_ctx_free(&x);
	return rc;
}
