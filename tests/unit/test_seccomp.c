/* seccomp/: build profiles, load them in forked children and watch the effect.
 *
 * Needs a kernel with seccomp filters, user notification and pidfd_getfd
 * (Linux >= 5.6); runs unprivileged (children set no_new_privs). */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "unit.h"
#include "../../lib/cleanup.h"
#include "../../oci/tables.h"
#include "../../seccomp/seccomp.h"

/* ---- profile construction ---------------------------------------------- */

#define MAX_RULES 8
struct profile {
	struct spec_seccomp sc;
	struct spec_seccomp_syscall rules[MAX_RULES];
	char *names[MAX_RULES][8]; /* NULL-terminated */
	struct spec_seccomp_arg args[MAX_RULES][6];
};

static void profile_init(struct profile *p, uint32_t def)
{
	memset(p, 0, sizeof(*p));
	p->sc.default_action = def;
	p->sc.syscalls = p->rules;
	p->sc.listener_path = "/nonexistent/listener"; /* required with NOTIFY */
}

static struct spec_seccomp_syscall *rule(struct profile *p, const char *name, uint32_t action)
{
	size_t i = p->sc.n_syscalls++;
	struct spec_seccomp_syscall *r = &p->rules[i];
	p->names[i][0] = (char *)name;
	r->names = p->names[i];
	r->n_names = 1;
	r->action = action;
	r->args = p->args[i];
	return r;
}

static void errno_ret(struct spec_seccomp_syscall *r, uint32_t e)
{
	r->has_errno_ret = true;
	r->errno_ret = e;
}

static void arg(struct spec_seccomp_syscall *r, unsigned idx, int op, uint64_t v, uint64_t v2)
{
	r->args[r->n_args++] = (struct spec_seccomp_arg){idx, v, v2, op};
}

static struct sc_program *build(const struct profile *p, struct cap_error **err)
{
	struct sc_program *prog = NULL;
	if (sc_program_build(&p->sc, &prog, NULL, err) < 0)
		return NULL;
	return prog;
}

/* Build must succeed; on failure print why. */
static struct sc_program *must_build(const struct profile *p)
{
	cleanup_error struct cap_error *err = NULL;
	struct sc_program *prog = build(p, &err);
	if (!prog)
		fprintf(stderr, "build: %s\n", err && err->msg ? err->msg : "?");
	CHECK(prog != NULL);
	return prog;
}

/* ---- running a check in a filtered child -------------------------------- */

/* Fork, load `prog` (after no_new_privs) and return fn()'s exit status as
 * waitpid reports it. */
static int in_child(struct sc_program *prog, int (*fn)(void))
{
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0) {
		struct cap_error *err = NULL;
		int fd;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(120);
		if (sc_program_load(prog, &fd, &err) < 0)
			_exit(121);
		_exit(fn());
	}
	int st = 0;
	waitpid(pid, &st, 0);
	return st;
}

static bool exited_ok(int st)
{
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static bool killed_by(int st, int sig)
{
	return WIFSIGNALED(st) && WTERMSIG(st) == sig;
}

static int expect_errno(long rc, int e)
{
	return (rc == -1 && errno == e) ? 0 : 1;
}

static int uname_eperm(void)
{
	struct utsname u;
	return expect_errno(syscall(SYS_uname, &u), EPERM);
}
static int uname_42(void)
{
	struct utsname u;
	return expect_errno(syscall(SYS_uname, &u), 42);
}
static int uname_enosys(void)
{
	struct utsname u;
	return expect_errno(syscall(SYS_uname, &u), ENOSYS);
}
static int uname_ok(void)
{
	struct utsname u;
	return syscall(SYS_uname, &u) == 0 ? 0 : 1;
}
static int uname_eacces_getpid_ok(void)
{
	struct utsname u;
	if (syscall(SYS_getpid) <= 0)
		return 2;
	return expect_errno(syscall(SYS_uname, &u), EACCES);
}

static volatile sig_atomic_t trapped_nr = -1;
static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	trapped_nr = si->si_syscall;
}
static int uname_traps(void)
{
	struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
	sigaction(SIGSYS, &sa, NULL);
	struct utsname u;
	syscall(SYS_uname, &u);
	return trapped_nr == SYS_uname ? 0 : 1;
}

/* ---- build-time checks --------------------------------------------------- */

static const uint32_t all_actions[] = {
    SCMP_ACT_KILL,  SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD,
    SCMP_ACT_TRAP,  SCMP_ACT_ERRNO(0),	   SCMP_ACT_TRACE(0),
    SCMP_ACT_ALLOW, SCMP_ACT_LOG,	   SCMP_ACT_NOTIFY,
};

static void test_build_actions(void)
{
	for (size_t i = 0; i < sizeof(all_actions) / sizeof(all_actions[0]); i++) {
		struct profile p;
		uint32_t def =
		    all_actions[i] == SCMP_ACT_ALLOW ? SCMP_ACT_ERRNO(0) : SCMP_ACT_ALLOW;
		profile_init(&p, def);
		rule(&p, "uname", all_actions[i]);
		struct sc_program *prog = must_build(&p);
		CHECK(sc_program_needs_listener(prog) == (all_actions[i] == SCMP_ACT_NOTIFY));
		sc_program_free(prog);
	}
}

static void test_build_ops(void)
{
	static const int ops[] = {SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE,       SCMP_CMP_EQ,
				  SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		struct profile p;
		profile_init(&p, SCMP_ACT_ALLOW);
		arg(rule(&p, "personality", SCMP_ACT_ERRNO(0)), 0, ops[i], 8, 8);
		sc_program_free(must_build(&p));
	}
}

static char last_note[256];
static int n_notes;
static void note(const char *msg)
{
	snprintf(last_note, sizeof(last_note), "%s", msg);
	n_notes++;
}

static void test_unknown_syscall_skipped(void)
{
	struct profile p;
	profile_init(&p, SCMP_ACT_ALLOW);
	struct spec_seccomp_syscall *r = rule(&p, "no_such_syscall_xyz", SCMP_ACT_ERRNO(0));
	p.names[0][1] = "uname";
	r->n_names = 2;
	struct sc_program *prog = NULL;
	cleanup_error struct cap_error *err = NULL;
	CHECK(sc_program_build(&p.sc, &prog, note, &err) == 0);
	CHECK(n_notes == 1);
	CHECK(strcmp(last_note,
		     "seccomp: syscall \"no_such_syscall_xyz\" unknown to libseccomp, skipped") ==
	      0);
	/* The known name of the same rule is still applied. */
	if (prog)
		CHECK(exited_ok(in_child(prog, uname_eperm)));
	sc_program_free(prog);
}

static void expect_build_error(const struct profile *p, const char *needle)
{
	cleanup_error struct cap_error *err = NULL;
	struct sc_program *prog = build(p, &err);
	CHECK(prog == NULL);
	CHECK(err && err->msg && strstr(err->msg, needle));
	if (err && err->msg && !strstr(err->msg, needle))
		fprintf(stderr, "  got: %s\n", err->msg);
	sc_program_free(prog);
}

static void test_build_errors(void)
{
	struct profile p;
	profile_init(&p, SCMP_ACT_ALLOW);
	arg(rule(&p, "personality", SCMP_ACT_ERRNO(0)), 6, SCMP_CMP_EQ, 1, 0);
	expect_build_error(&p, "argument index 6 out of range");

	profile_init(&p, SCMP_ACT_ALLOW);
	errno_ret(rule(&p, "uname", SCMP_ACT_KILL), 5);
	expect_build_error(&p, "errnoRet is only valid");

	profile_init(&p, SCMP_ACT_ALLOW);
	p.sc.has_default_errno_ret = true;
	expect_build_error(&p, "defaultAction: errnoRet is only valid");

	profile_init(&p, SCMP_ACT_NOTIFY);
	expect_build_error(&p, "cannot be the default action");

	profile_init(&p, SCMP_ACT_ALLOW);
	rule(&p, "uname", SCMP_ACT_NOTIFY);
	p.sc.listener_path = NULL;
	expect_build_error(&p, "requires listenerPath");

	profile_init(&p, SCMP_ACT_ALLOW);
	uint32_t bogus_arch = 0x12345;
	p.sc.architectures = &bogus_arch;
	p.sc.n_architectures = 1;
	expect_build_error(&p, "add architecture");
}

static void test_redundant_rule_and_archs(void)
{
	/* A rule with the default action is skipped, not an error (runc). */
	struct profile p;
	profile_init(&p, SCMP_ACT_ALLOW);
	rule(&p, "uname", SCMP_ACT_ALLOW);
	uint32_t archs[] = {seccomp_arch_native(), SCMP_ARCH_X86, SCMP_ARCH_X32};
	p.sc.architectures = archs;
	p.sc.n_architectures = 3;
	struct sc_program *prog = must_build(&p);
	if (prog)
		CHECK(exited_ok(in_child(prog, uname_ok)));
	sc_program_free(prog);
}

/* ---- load-time effects ---------------------------------------------------- */

static void check_action(uint32_t action, bool has_ret, uint32_t ret, int (*fn)(void),
			 int expect_sig)
{
	struct profile p;
	profile_init(&p, SCMP_ACT_ALLOW);
	struct spec_seccomp_syscall *r = rule(&p, "uname", action);
	if (has_ret)
		errno_ret(r, ret);
	struct sc_program *prog = must_build(&p);
	if (!prog)
		return;
	int st = in_child(prog, fn);
	if (expect_sig)
		CHECK(killed_by(st, expect_sig));
	else
		CHECK(exited_ok(st));
	sc_program_free(prog);
}

static void test_load_actions(void)
{
	check_action(SCMP_ACT_ERRNO(0), true, 42, uname_42, 0);
	check_action(SCMP_ACT_ERRNO(0), false, 0, uname_eperm, 0);
	check_action(SCMP_ACT_TRACE(0), false, 0, uname_enosys, 0); /* no tracer: ENOSYS */
	check_action(SCMP_ACT_KILL, false, 0, uname_ok, SIGSYS);
	check_action(SCMP_ACT_KILL_PROCESS, false, 0, uname_ok, SIGSYS);
	check_action(SCMP_ACT_TRAP, false, 0, uname_traps, 0);
	check_action(SCMP_ACT_LOG, false, 0, uname_ok, 0);

	/* Default ERRNO with defaultErrnoRet; an ALLOW list keeps the child alive. */
	struct profile p;
	profile_init(&p, SCMP_ACT_ERRNO(0));
	p.sc.has_default_errno_ret = true;
	p.sc.default_errno_ret = EACCES;
	struct spec_seccomp_syscall *r = rule(&p, "exit_group", SCMP_ACT_ALLOW);
	p.names[0][1] = "getpid";
	p.names[0][2] = "exit";
	/* What sanitizer runtimes call on the way out. */
	p.names[0][3] = "sigaltstack";
	p.names[0][4] = "munmap";
	r->n_names = 5;
	struct sc_program *prog = must_build(&p);
	if (prog)
		CHECK(exited_ok(in_child(prog, uname_eacces_getpid_ok)));
	sc_program_free(prog);
}

/* getppid ignores its arguments, but the filter sees them: a free probe. */
static long probe(uint64_t a0, uint64_t a1)
{
	return syscall(SYS_getppid, a0, a1);
}

static uint64_t probe_vals[3];
static int probe_expect[3]; /* 1: expect denied (EPERM) */
static int probe_three(void)
{
	for (int i = 0; i < 3; i++) {
		long rc = probe(probe_vals[i], 0);
		bool denied = rc == -1 && errno == EPERM;
		if (denied != (probe_expect[i] == 1))
			return 10 + i;
	}
	return 0;
}

static void check_op(int op, uint64_t v, uint64_t v2, const uint64_t vals[3], const int deny[3])
{
	struct profile p;
	profile_init(&p, SCMP_ACT_ALLOW);
	arg(rule(&p, "getppid", SCMP_ACT_ERRNO(0)), 0, op, v, v2);
	struct sc_program *prog = must_build(&p);
	if (!prog)
		return;
	memcpy(probe_vals, vals, sizeof(probe_vals));
	memcpy(probe_expect, deny, sizeof(probe_expect));
	int st = in_child(prog, probe_three);
	if (!exited_ok(st))
		fprintf(stderr, "  op %d: child status 0x%x\n", op, st);
	CHECK(exited_ok(st));
	sc_program_free(prog);
}

static void test_arg_ops(void)
{
	static const uint64_t v[3] = {9, 10, 11};
	check_op(SCMP_CMP_NE, 10, 0, v, (const int[]){1, 0, 1});
	check_op(SCMP_CMP_LT, 10, 0, v, (const int[]){1, 0, 0});
	check_op(SCMP_CMP_LE, 10, 0, v, (const int[]){1, 1, 0});
	check_op(SCMP_CMP_EQ, 10, 0, v, (const int[]){0, 1, 0});
	check_op(SCMP_CMP_GE, 10, 0, v, (const int[]){0, 1, 1});
	check_op(SCMP_CMP_GT, 10, 0, v, (const int[]){0, 0, 1});
	/* value = mask, valueTwo = datum */
	check_op(SCMP_CMP_MASKED_EQ, 0xf0, 0x30, (const uint64_t[]){0x35, 0x45, 0x3f},
		 (const int[]){1, 0, 1});
	/* 64-bit values compare in full. */
	check_op(SCMP_CMP_EQ, 0x100000001ULL, 0,
		 (const uint64_t[]){1, 0x100000001ULL, 0x100000000ULL}, (const int[]){0, 1, 0});
}

static int personality_probe(void)
{
	if (expect_errno(syscall(SYS_personality, 0xffffffffUL), EPERM))
		return 1;
	return syscall(SYS_personality, 0UL) >= 0 ? 0 : 2;
}

static int two_args_and(void)
{
	if (expect_errno(probe(1, 2), EPERM))
		return 1;
	if (probe(1, 3) < 0 || probe(0, 2) < 0)
		return 2;
	return 0;
}

static int same_index_or(void)
{
	if (expect_errno(probe(1, 0), EPERM) || expect_errno(probe(2, 0), EPERM))
		return 1;
	return probe(3, 0) < 0 ? 2 : 0;
}

static void test_arg_rules(void)
{
	struct profile p;
	profile_init(&p, SCMP_ACT_ALLOW);
	arg(rule(&p, "personality", SCMP_ACT_ERRNO(0)), 0, SCMP_CMP_EQ, 0xffffffffULL, 0);
	struct sc_program *prog = must_build(&p);
	if (prog)
		CHECK(exited_ok(in_child(prog, personality_probe)));
	sc_program_free(prog);

	/* Different indexes: one rule, conditions ANDed. */
	profile_init(&p, SCMP_ACT_ALLOW);
	struct spec_seccomp_syscall *r = rule(&p, "getppid", SCMP_ACT_ERRNO(0));
	arg(r, 0, SCMP_CMP_EQ, 1, 0);
	arg(r, 1, SCMP_CMP_EQ, 2, 0);
	prog = must_build(&p);
	if (prog)
		CHECK(exited_ok(in_child(prog, two_args_and)));
	sc_program_free(prog);

	/* A repeated index: one rule per condition, i.e. ORed (runc). */
	profile_init(&p, SCMP_ACT_ALLOW);
	r = rule(&p, "getppid", SCMP_ACT_ERRNO(0));
	arg(r, 0, SCMP_CMP_EQ, 1, 0);
	arg(r, 0, SCMP_CMP_EQ, 2, 0);
	prog = must_build(&p);
	if (prog)
		CHECK(exited_ok(in_child(prog, same_index_or)));
	sc_program_free(prog);
}

static void test_flags(void)
{
	static const unsigned flags[] = {SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG,
					 SECCOMP_FILTER_FLAG_SPEC_ALLOW,
					 SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG};
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		struct profile p;
		profile_init(&p, SCMP_ACT_ALLOW);
		p.sc.flags = flags[i];
		rule(&p, "uname", SCMP_ACT_ERRNO(0));
		struct sc_program *prog = must_build(&p);
		if (prog)
			CHECK(exited_ok(in_child(prog, uname_eperm)));
		sc_program_free(prog);
	}
}

/* ---- NOTIFY: the parent fetches the listener with pidfd_getfd ------------ */

static int notify_child(struct sc_program *prog, int announce)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return 120;
	int n = fcntl(announce, F_DUPFD_CLOEXEC, 0);
	close(n);
	if (write(announce, &n, sizeof(n)) != sizeof(n))
		return 121;
	struct cap_error *err = NULL;
	int fd = -1;
	if (sc_program_load(prog, &fd, &err) < 0 || fd != n)
		return 122;
	return syscall(SYS_getppid) == 4242 ? 0 : 123;
}

static int answer_one(int fd, int64_t val)
{
	struct seccomp_notif *req = NULL;
	struct seccomp_notif_resp *resp = NULL;
	if (seccomp_notify_alloc(&req, &resp) < 0)
		return -1;
	int rc = seccomp_notify_receive(fd, req);
	if (rc == 0 && req->data.nr == SYS_getppid) {
		resp->id = req->id;
		resp->val = val;
		resp->error = 0;
		resp->flags = 0;
		rc = seccomp_notify_respond(fd, resp);
	} else if (rc == 0) {
		rc = -1;
	}
	seccomp_notify_free(req, resp);
	return rc;
}

/* Child loads a NOTIFY filter; parent fetches the fd (pidfd_getfd) and, via
 * `relay`, optionally passes it through sc_send_listener to itself. */
static void run_notify(unsigned extra_flags, bool relay)
{
	struct profile p;
	profile_init(&p, SCMP_ACT_ALLOW);
	p.sc.flags = extra_flags;
	rule(&p, "getppid", SCMP_ACT_NOTIFY);
	struct sc_program *prog = must_build(&p);
	if (!prog)
		return;
	CHECK(sc_program_needs_listener(prog));
	int pipefd[2];
	CHECK(pipe2(pipefd, O_CLOEXEC) == 0);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0)
		_exit(notify_child(prog, pipefd[1]));
	close(pipefd[1]);
	int n = -1, fd = -1, st = 0;
	CHECK(read(pipefd[0], &n, sizeof(n)) == sizeof(n));
	close(pipefd[0]);
	cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	cleanup_error struct cap_error *err = NULL;
	CHECK(sc_fetch_listener(pidfd, n, 5000, &fd, &err) == 0);
	if (relay && fd >= 0) {
		char path[108];
		snprintf(path, sizeof(path), "/tmp/capsule-test-seccomp-%d.sock", getpid());
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		strcpy(sa.sun_path, path);
		unlink(path);
		cleanup_close int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		CHECK(bind(ls, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(ls, 1) == 0);
		const char *json = "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"]}";
		CHECK(sc_send_listener(path, fd, json, &err) == 0);
		close(fd);
		fd = -1;
		cleanup_close int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
		char buf[256] = {0};
		union {
			char b[CMSG_SPACE(sizeof(int))];
			struct cmsghdr a;
		} u;
		struct iovec iov = {buf, sizeof(buf) - 1};
		struct msghdr msg = {.msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = u.b,
				     .msg_controllen = sizeof(u.b)};
		ssize_t got = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
		CHECK(got == (ssize_t)strlen(json) && strcmp(buf, json) == 0);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		CHECK(cm && cm->cmsg_type == SCM_RIGHTS);
		if (cm)
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
		unlink(path);
	}
	if (err)
		fprintf(stderr, "  notify: %s\n", err->msg);
	CHECK(fd >= 0 && answer_one(fd, 4242) == 0);
	if (fd < 0)
		kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	CHECK(exited_ok(st));
	if (fd >= 0)
		close(fd);
	sc_program_free(prog);
}

static void test_notify(void)
{
	run_notify(0, false);
	run_notify(0, true);
	run_notify(SECCOMP_FILTER_FLAG_TSYNC, false); /* needs TSYNC_ESRCH */
	run_notify(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, false);
}

static void test_fetch_listener_child_died(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int st, fd = -1;
	waitpid(pid, &st, 0);
	cleanup_error struct cap_error *err = NULL;
	CHECK(sc_fetch_listener(pidfd, 3, 5000, &fd, &err) < 0 && fd == -1);
	CHECK(err && err->errnum == ESRCH);
}

static void test_pass_fd(void)
{
	int sp[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0);
	cleanup_error struct cap_error *err = NULL;
	int fd = -1;
	CHECK(sc_pass_fd(sp[0], STDERR_FILENO, &err) == 0);
	CHECK(sc_recv_fd(sp[1], &fd, &err) == 0 && fd > STDERR_FILENO);
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);
	close(fd);
	close(sp[0]);
	CHECK(sc_recv_fd(sp[1], &fd, &err) < 0 && fd == -1);
	close(sp[1]);
}

static void test_send_listener_errors(void)
{
	cleanup_error struct cap_error *err = NULL;
	CHECK(sc_send_listener("/nonexistent/dir/sock", 0, "{}", &err) < 0);
	CHECK(err && err->errnum == ENOENT && strstr(err->msg, "/nonexistent/dir/sock"));
}

/* ---- the default profile ------------------------------------------------- */

static char **str_list(yajl_val arr, size_t *n)
{
	*n = arr ? YAJL_GET_ARRAY(arr)->len : 0;
	char **v = calloc(*n + 1, sizeof(char *));
	for (size_t i = 0; i < *n; i++)
		v[i] = YAJL_GET_STRING(YAJL_GET_ARRAY(arr)->values[i]);
	return v;
}

/* Just enough of runtime/spec.c for the profile (strings stay in the tree). */
static int parse_rule(yajl_val o, struct spec_seccomp_syscall *r)
{
	static const char *names[] = {"names", NULL}, *action[] = {"action", NULL},
			  *ret[] = {"errnoRet", NULL}, *args[] = {"args", NULL};
	r->names = str_list(yajl_tree_get(o, names, yajl_t_array), &r->n_names);
	if (oci_seccomp_action_from_name(YAJL_GET_STRING(yajl_tree_get(o, action, yajl_t_string)),
					 &r->action) < 0)
		return -1;
	yajl_val e = yajl_tree_get(o, ret, yajl_t_number);
	r->has_errno_ret = e != NULL;
	r->errno_ret = e ? (uint32_t)YAJL_GET_INTEGER(e) : 0;
	yajl_val a = yajl_tree_get(o, args, yajl_t_array);
	r->n_args = a ? YAJL_GET_ARRAY(a)->len : 0;
	r->args = calloc(r->n_args + 1, sizeof(*r->args));
	for (size_t i = 0; i < r->n_args; i++) {
		yajl_val x = YAJL_GET_ARRAY(a)->values[i];
		static const char *idx[] = {"index", NULL}, *val[] = {"value", NULL},
				  *val2[] = {"valueTwo", NULL}, *op[] = {"op", NULL};
		yajl_val v2 = yajl_tree_get(x, val2, yajl_t_number);
		r->args[i].index = (unsigned)YAJL_GET_INTEGER(yajl_tree_get(x, idx, yajl_t_number));
		r->args[i].value =
		    strtoull(YAJL_GET_NUMBER(yajl_tree_get(x, val, yajl_t_number)), NULL, 10);
		r->args[i].value_two = v2 ? strtoull(YAJL_GET_NUMBER(v2), NULL, 10) : 0;
		if (oci_seccomp_op_from_name(YAJL_GET_STRING(yajl_tree_get(x, op, yajl_t_string)),
					     &r->args[i].op) < 0)
			return -1;
	}
	return 0;
}

static int parse_profile(yajl_val t, struct spec_seccomp *sc)
{
	static const char *def[] = {"defaultAction", NULL}, *ret[] = {"defaultErrnoRet", NULL},
			  *arch[] = {"architectures", NULL}, *sys[] = {"syscalls", NULL};
	if (oci_seccomp_action_from_name(YAJL_GET_STRING(yajl_tree_get(t, def, yajl_t_string)),
					 &sc->default_action) < 0)
		return -1;
	yajl_val e = yajl_tree_get(t, ret, yajl_t_number);
	sc->has_default_errno_ret = e != NULL;
	sc->default_errno_ret = e ? (uint32_t)YAJL_GET_INTEGER(e) : 0;
	size_t na;
	char **archs = str_list(yajl_tree_get(t, arch, yajl_t_array), &na);
	sc->architectures = calloc(na + 1, sizeof(uint32_t));
	for (size_t i = 0; i < na; i++)
		if (oci_seccomp_arch_from_name(archs[i], &sc->architectures[i]) < 0)
			return -1;
	sc->n_architectures = na;
	free(archs);
	yajl_val s = yajl_tree_get(t, sys, yajl_t_array);
	sc->n_syscalls = YAJL_GET_ARRAY(s)->len;
	sc->syscalls = calloc(sc->n_syscalls, sizeof(*sc->syscalls));
	for (size_t i = 0; i < sc->n_syscalls; i++)
		if (parse_rule(YAJL_GET_ARRAY(s)->values[i], &sc->syscalls[i]) < 0)
			return -1;
	return 0;
}

static void free_profile(struct spec_seccomp *sc)
{
	for (size_t i = 0; i < sc->n_syscalls; i++) {
		free(sc->syscalls[i].names);
		free(sc->syscalls[i].args);
	}
	free(sc->syscalls);
	free(sc->architectures);
}

static int run_tools(void)
{
	/* What the profile must keep working, and what it must stop. */
	if (syscall(SYS_clone3, NULL, 0) != -1 || errno != ENOSYS)
		return 1;
	if (syscall(SYS_unshare, 0x10000000 /* CLONE_NEWUSER */) != -1 || errno != EPERM)
		return 2;
	if (syscall(SYS_personality, 0xffffffffUL) < 0)
		return 3;
	char *argv[] = {"sh", "-c",
			"ls -la / >/dev/null && cat /proc/self/status >/dev/null && "
			"ps aux >/dev/null && busybox sh -c 'busybox ls / && busybox ps && "
			"busybox cat /etc/hostname' >/dev/null && echo ok | busybox grep -q ok",
			NULL};
	execv("/bin/sh", argv);
	return 4;
}

static void test_default_profile(void)
{
	char ebuf[256] = "";
	yajl_val t = yajl_tree_parse(sc_default_profile_json(), ebuf, sizeof(ebuf));
	CHECK(t != NULL);
	if (!t) {
		fprintf(stderr, "  default profile: %s\n", ebuf);
		return;
	}
	struct spec_seccomp sc = {0};
	CHECK(parse_profile(t, &sc) == 0);
	CHECK(sc.default_action == SCMP_ACT_ERRNO(0) && sc.default_errno_ret == EPERM);
	struct sc_program *prog = NULL;
	cleanup_error struct cap_error *err = NULL;
	n_notes = 0;
	CHECK(sc_program_build(&sc, &prog, note, &err) == 0);
	if (err)
		fprintf(stderr, "  default profile: %s\n", err->msg);
	CHECK(!sc_program_needs_listener(prog));
	if (prog) {
		int st = in_child(prog, run_tools);
		if (!exited_ok(st))
			fprintf(stderr, "  default profile: tools status 0x%x\n", st);
		CHECK(exited_ok(st));
	}
	sc_program_free(prog);
	free_profile(&sc);
	yajl_tree_free(t);
}

/* The profile `capsule spec` writes parses in the OCI model. */
static void test_default_profile_parses(void)
{
	char *json = NULL;
	if (asprintf(&json,
		     "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"r\"},"
		     " \"linux\": {\"seccomp\": %s}}",
		     sc_default_profile_json()) < 0)
		abort();
	struct cap_error *err = NULL;
	struct spec *s = spec_parse(json, strlen(json), &err);
	CHECK(s && s->linux_.seccomp && s->linux_.seccomp->n_syscalls > 5);
	spec_free(s);
	cap_error_free(err);
	free(json);
}

int main(void)
{
	test_default_profile_parses();
	test_build_actions();
	test_build_ops();
	test_unknown_syscall_skipped();
	test_build_errors();
	test_redundant_rule_and_archs();
	test_load_actions();
	test_arg_ops();
	test_arg_rules();
	test_flags();
	test_notify();
	test_fetch_listener_child_died();
	test_pass_fd();
	test_send_listener_errors();
	test_default_profile();
	return UNIT_DONE();
}
