/* The runtime's pure parts: container state (ids, save/load, status), the
 * parent/child sync protocol over a SOCK_SEQPACKET pair, and path resolution
 * inside a root directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../lib/error.h"
#include "../../lib/file.h"
#include "../../runtime/pathres.h"
#include "../../runtime/state.h"
#include "../../runtime/sync.h"
#include "unit.h"
#include "unit_tmp.h"

/* The content of tmpdir/name, NULL when unreadable. */
static char *slurp(const char *name)
{
	char *p = tpath(name);
	struct cap_error *e = NULL;
	char *s = cap_read_file_at(AT_FDCWD, p, NULL, &e);
	cap_error_free(e);
	free(p);
	return s;
}

/* A pid that no longer exists (forked, exited, reaped). */
static pid_t dead_pid(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

/* ---- state ---- */

static bool id_ok(const char *id)
{
	struct cap_error *e = NULL;
	int rc = state_validate_id(id, &e);
	CHECK((rc == 0) == (e == NULL));
	cap_error_free(e);
	return rc == 0;
}

static void test_state_ids(void)
{
	CHECK(id_ok("abc"));
	CHECK(id_ok("A-b_c.d+9"));
	CHECK(id_ok("..."));
	CHECK(!id_ok(""));
	CHECK(!id_ok("."));
	CHECK(!id_ok(".."));
	CHECK(!id_ok("../x"));
	CHECK(!id_ok("a/b"));
	CHECK(!id_ok("/abs"));
	CHECK(!id_ok("a b"));
	CHECK(!id_ok("a\nb"));
	CHECK(!id_ok("é"));
	char long_id[CAPSULE_ID_MAX + 2];
	memset(long_id, 'i', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	struct cap_error *e = NULL;
	CHECK_INT(state_validate_id(long_id, &e), -1);
	CHECK(e && strstr(e->msg, "longer than"));
	CHECK(e && strlen(e->msg) < 300); /* the id itself is not quoted in full */
	cap_error_free(e);
	long_id[CAPSULE_ID_MAX] = '\0';
	CHECK(id_ok(long_id));

	/* a bad id never creates anything under the root */
	char *root = tpath("ids");
	struct state_dir sd;
	e = NULL;
	CHECK_INT(state_dir_create(root, "../escape", &sd, &e), -1);
	CHECK(e && strstr(e->msg, "invalid container id"));
	cap_error_free(e);
	CHECK(!exists("escape"));
	CHECK(!exists("ids"));

	/* valid but longer than a file name: a clean error, nothing left behind */
	long_id[300] = '\0';
	e = NULL;
	CHECK_INT(state_dir_create(root, long_id, &sd, &e), -1);
	CHECK(e && e->errnum == ENAMETOOLONG);
	CHECK(sd.fd == -1 && sd.path == NULL);
	cap_error_free(e);
	CHECK_INT(count_entries(root, ""), 2); /* . and .. */
	free(root);
}

static void fill_state(struct container_state *st, const char *id)
{
	memset(st, 0, sizeof(*st));
	st->id = strdup(id);
	st->bundle = strdup("/bundles/b \"q\"");
	st->rootfs = strdup("/bundles/b/rootfs");
	char now[64];
	rt_rfc3339_now(now, sizeof(now));
	st->created = strdup(now);
	st->owner = strdup("");
	st->cgroup_path = strdup("/sys/fs/cgroup/x/y");
	st->pid = getpid();
	st->start_time = rt_proc_start_time(getpid());
	st->own_pidns = true;
	st->systemd_cgroup = false;
	st->n_annotations = 2;
	st->annotations = calloc(2, sizeof(*st->annotations));
	st->annotations[0].key = strdup("org.example/a");
	st->annotations[0].value = strdup("1");
	st->annotations[1].key = strdup("b");
	st->annotations[1].value = strdup("two words");
}

static void test_state_round_trip(void)
{
	char *root = tpath("root");
	struct state_dir sd;
	struct cap_error *e = NULL;
	CHECK_INT(state_dir_create(root, "c1", &sd, &e), 0);
	CHECK(!e);
	struct stat sst;
	CHECK(stat(root, &sst) == 0 && (sst.st_mode & 0777) == 0700);
	CHECK(fstat(sd.fd, &sst) == 0 && (sst.st_mode & 0777) == 0711);

	/* a second create of the same id fails and leaves the first alone */
	struct state_dir sd2;
	CHECK_INT(state_dir_create(root, "c1", &sd2, &e), -1);
	CHECK(e && strcmp(e->msg, "container \"c1\" already exists") == 0);
	cap_error_free(e);
	e = NULL;

	/* before state.json exists: ENOENT, "does not exist" */
	struct container_state st;
	CHECK_INT(state_load(&sd, &st, &e), -1);
	CHECK(e && e->errnum == ENOENT);
	CHECK(e && strcmp(e->msg, "container \"c1\" does not exist") == 0);
	cap_error_free(e);
	e = NULL;
	state_free(&st);

	struct container_state in;
	fill_state(&in, "c1");
	CHECK_INT(state_save(&sd, &in, &e), 0);
	CHECK(!e);
	CHECK_INT(state_load(&sd, &st, &e), 0);
	CHECK(!e);
	CHECK_STR(st.id, in.id);
	CHECK_STR(st.bundle, in.bundle);
	CHECK_STR(st.rootfs, in.rootfs);
	CHECK_STR(st.created, in.created);
	CHECK_STR(st.owner, "");
	CHECK_STR(st.cgroup_path, in.cgroup_path);
	CHECK_INT(st.pid, in.pid);
	CHECK(st.start_time == in.start_time && st.start_time != 0);
	CHECK(st.own_pidns && !st.systemd_cgroup);
	CHECK_INT(st.n_annotations, 2);
	if (st.n_annotations == 2) {
		CHECK_STR(st.annotations[0].key, "org.example/a");
		CHECK_STR(st.annotations[1].value, "two words");
	}
	state_free(&st);
	CHECK(st.id == NULL && st.n_annotations == 0);
	char *dir = tpath("root/c1");
	CHECK_INT(count_entries(dir, ".tmp"), 0);
	CHECK(stat(dir, &sst) == 0);
	char *sj = tpath("root/c1/state.json");
	CHECK(stat(sj, &sst) == 0 && (sst.st_mode & 0777) == 0600);

	/* the OCI view: pid 0 once stopped, annotations kept */
	char *js = state_to_json(&in, STATUS_STOPPED, false);
	CHECK(js && strstr(js, "\"pid\":0,"));
	CHECK(js && strstr(js, "\"status\":\"stopped\""));
	CHECK(js && strstr(js, "\"bundle\":\"/bundles/b \\\"q\\\"\""));
	CHECK(js && strstr(js, "\"annotations\":{\"org.example/a\":\"1\",\"b\":\"two words\"}"));
	free(js);
	char want[64];
	snprintf(want, sizeof(want), "\"pid\":%d,", (int)in.pid);
	js = state_to_json(&in, STATUS_RUNNING, false);
	CHECK(js && strstr(js, want));
	free(js);

	/* open finds it again; a missing one says so */
	state_dir_close(&sd);
	CHECK_INT(state_dir_open(root, "c1", &sd, &e), 0);
	CHECK(!e);
	CHECK_INT(state_dir_open(root, "nope", &sd2, &e), -1);
	CHECK(e && strcmp(e->msg, "container \"nope\" does not exist") == 0);
	CHECK(sd2.fd == -1 && sd2.path == NULL);
	cap_error_free(e);
	e = NULL;
	CHECK_INT(state_dir_open(root, "../root", &sd2, &e), -1);
	cap_error_free(e);
	e = NULL;

	/* the cgroup record */
	char *cg = NULL;
	CHECK((cg = state_load_cgroup(&sd, &e)) == NULL && !e); /* none recorded */
	CHECK_INT(state_save_cgroup(&sd, NULL, &e), 0);
	CHECK_INT(state_save_cgroup(&sd, "/sys/fs/cgroup/a/b", &e), 0);
	cg = state_load_cgroup(&sd, &e);
	CHECK_STR(cg, "/sys/fs/cgroup/a/b");
	free(cg);
	const char *bad_cg[] = {"relative/path", "/sys/fs/cgroup/../../etc", "/a\n/b"};
	for (size_t i = 0; i < sizeof(bad_cg) / sizeof(bad_cg[0]); i++) {
		CHECK_INT(state_save_cgroup(&sd, bad_cg[i], &e), 0);
		cg = state_load_cgroup(&sd, &e);
		CHECK(cg == NULL);
		CHECK(e && strstr(e->msg, "/cgroup: not a cgroup path"));
		free(cg);
		cap_error_free(e);
		e = NULL;
	}
	CHECK_INT(count_entries(dir, ".tmp"), 0);

	CHECK_INT(state_dir_remove(&sd, &e), 0);
	CHECK(!e);
	CHECK(stat(dir, &sst) < 0 && errno == ENOENT);
	CHECK(sd.fd == -1 && sd.path == NULL);
	state_free(&in);
	free(sj);
	free(dir);
	free(root);
}

/* state.json that is there but unusable: a clear error, never "does not exist". */
static void test_state_corrupt(void)
{
	char *root = tpath("root");
	struct state_dir sd;
	struct cap_error *e = NULL;
	CHECK_INT(state_dir_create(root, "bad", &sd, &e), 0);
	static const struct {
		const char *content;
		size_t len;
		const char *msg;
	} cases[] = {
	    {"", 0, "corrupt (not a JSON object)"},
	    {"{\"id\": \"bad\", \"pid\"", 19, "corrupt (not a JSON object)"},
	    {"[1, 2]", 6, "corrupt (not a JSON object)"},
	    {"{\"id\":\"bad\"}\0{}", 15, "corrupt (not a JSON object)"},
	    {"{\"id\":\"bad\",\"bundle\":\"/b\"}", 26, "corrupt (id, bundle or pid missing)"},
	    {"{\"id\":\"bad\",\"bundle\":\"/b\",\"pid\":-5}", 35,
	     "corrupt (id, bundle or pid missing)"},
	    {"{\"id\":7,\"bundle\":\"/b\",\"pid\":5}", 30, "corrupt (id, bundle or pid missing)"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(cap_write_file_atomic(sd.fd, "state.json", cases[i].content, cases[i].len,
						0600, &e),
			  0);
		struct container_state st;
		CHECK_INT(state_load(&sd, &st, &e), -1);
		CHECK(e && e->errnum != ENOENT);
		CHECK(e && strstr(e->msg, "/bad/state.json: ") && strstr(e->msg, cases[i].msg));
		CHECK(e && !strstr(e->msg, "does not exist"));
		if (e && !strstr(e->msg, cases[i].msg))
			fprintf(stderr, "     case %zu: %s\n", i, e->msg);
		state_free(&st);
		cap_error_free(e);
		e = NULL;
	}
	/* unreadable (a directory in its place): the errno, not "does not exist" */
	unlinkat(sd.fd, "state.json", 0);
	CHECK(mkdirat(sd.fd, "state.json", 0700) == 0);
	struct container_state st;
	CHECK_INT(state_load(&sd, &st, &e), -1);
	CHECK(e && e->errnum == EISDIR && !strstr(e->msg, "does not exist"));
	state_free(&st);
	cap_error_free(e);
	e = NULL;
	CHECK_INT(state_dir_remove(&sd, &e), 0);
	free(root);
}

static void test_state_status(void)
{
	char *root = tpath("root");
	struct state_dir sd;
	struct cap_error *e = NULL;
	CHECK_INT(state_dir_create(root, "s", &sd, &e), 0);
	struct container_state st;
	fill_state(&st, "s");
	free(st.cgroup_path);
	st.cgroup_path = NULL;

	CHECK(state_init_alive(&st));
	CHECK(state_init_exists(&st));
	CHECK_INT(state_status(&sd, &st), STATUS_RUNNING);
	CHECK(mknodat(sd.fd, "exec.fifo", S_IFIFO | 0600, 0) == 0);
	CHECK_INT(state_status(&sd, &st), STATUS_CREATED);
	unlinkat(sd.fd, "exec.fifo", 0);

	/* paused: the cgroup's freezer says 1 */
	CHECK(mkdirat(sd.fd, "fakecg", 0700) == 0);
	st.cgroup_path = cap_strdupf("%s/s/fakecg", root);
	put("root/s/fakecg/cgroup.freeze", "0\n");
	CHECK_INT(state_status(&sd, &st), STATUS_RUNNING);
	put("root/s/fakecg/cgroup.freeze", "1\n");
	CHECK_INT(state_status(&sd, &st), STATUS_PAUSED);

	/* the same pid with another start time is a reused pid: stopped */
	st.start_time += 1;
	CHECK(!state_init_alive(&st));
	CHECK(!state_init_exists(&st));
	CHECK_INT(state_status(&sd, &st), STATUS_STOPPED);
	st.start_time -= 1;

	st.pid = dead_pid();
	CHECK(!state_init_alive(&st));
	CHECK_INT(rt_proc_start_time(st.pid), 0);
	CHECK_INT(state_status(&sd, &st), STATUS_STOPPED);

	/* a zombie is not alive but still exists (its pid is not free yet) */
	pid_t z = fork();
	if (z == 0)
		_exit(0);
	st.pid = z;
	bool zombie_seen = false;
	for (int i = 0; i < 2000 && !zombie_seen; i++) {
		char path[64], buf[512] = "";
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)z);
		int fd = open(path, O_RDONLY);
		if (fd >= 0) {
			ssize_t n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			char *p = n > 0 ? strrchr(buf, ')') : NULL;
			zombie_seen = p && p[2] == 'Z';
		}
		if (!zombie_seen)
			usleep(1000);
	}
	CHECK(zombie_seen);
	CHECK_INT(rt_proc_start_time(z), 0);
	CHECK(!state_init_alive(&st));
	st.start_time = 0;
	CHECK(!state_init_exists(&st)); /* no start time recorded: never "exists" */
	waitpid(z, NULL, 0);

	st.pid = 0;
	CHECK_INT(state_status(&sd, &st), STATUS_CREATING);
	CHECK_STR(state_status_name(STATUS_CREATING), "creating");
	CHECK_STR(state_status_name(STATUS_PAUSED), "paused");
	CHECK_STR(state_status_name(STATUS_STOPPED), "stopped");
	state_free(&st);
	CHECK_INT(state_dir_remove(&sd, &e), 0);
	free(root);
}

static void test_pid_file(void)
{
	struct cap_error *e = NULL;
	CHECK_INT(rt_write_pid_file(NULL, 5, &e), 0);
	char *p = tpath("pidfile");
	CHECK_INT(rt_write_pid_file(p, 12345, &e), 0);
	char *s = slurp("pidfile");
	CHECK_STR(s, "12345");
	free(s);
	free(p);
	p = tpath("no/such/dir/pidfile");
	CHECK_INT(rt_write_pid_file(p, 1, &e), -1);
	CHECK(e && strncmp(e->msg, "--pid-file: ", 12) == 0);
	cap_error_free(e);
	free(p);
	CHECK_INT(count_entries(tmpdir, ".tmp"), 0);
}

/* ---- sync ---- */

static void pair(int sv[2])
{
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;
	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static void test_sync_types(void)
{
	int sv[2];
	pair(sv);
	struct cap_error *e = NULL;
	struct sync_msg m;
	for (uint32_t t = SYNC_CONTINUE; t < SYNC_ERROR; t++) {
		/* no payload, no fd */
		CHECK_INT(sync_send(sv[0], t, NULL, 0, -1), 0);
		CHECK_INT(sync_recv(sv[1], &m, &e), 0);
		CHECK_INT(m.type, t);
		CHECK_INT(m.len, 0);
		CHECK_INT(m.fd, -1);
		CHECK(m.buf && m.buf[0] == '\0');
		sync_msg_free(&m);

		/* payload and an fd */
		char payload[64];
		int plen = snprintf(payload, sizeof(payload), "payload of %u", t) + 1;
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		CHECK_INT(sync_send(sv[0], t, payload, (size_t)plen, fd), 0);
		CHECK_INT(sync_recv(sv[1], &m, &e), 0);
		CHECK_INT(m.type, t);
		CHECK_INT(m.len, plen);
		CHECK_STR(m.buf, payload);
		CHECK(m.fd >= 0 && m.fd != fd && same_file(m.fd, fd));
		CHECK(m.fd >= 0 && (fcntl(m.fd, F_GETFD) & FD_CLOEXEC));
		int got = m.fd;
		sync_msg_free(&m);
		CHECK(m.fd == -1 && m.buf == NULL);
		CHECK(fcntl(got, F_GETFD) < 0); /* freed with the message */
		close(fd);

		/* the child's side: sync_expect of the right type, with payload */
		CHECK_INT(sync_send(sv[1], t, payload, (size_t)plen, -1), 0);
		CHECK_INT(sync_expect(sv[0], t, &m, &e), 0);
		CHECK_INT(m.len, plen);
		CHECK(memcmp(m.buf, payload, (size_t)plen) == 0);
		sync_msg_free(&m);
		CHECK_INT(sync_send(sv[1], t, NULL, 0, -1), 0);
		CHECK_INT(sync_expect(sv[0], t, &m, &e), 0);
		CHECK_INT(m.len, 0);
		sync_msg_free(&m);
	}
	CHECK(!e);
	/* a payload of binary data (SYNC_SECCOMP_FD's int) */
	int probe = 42;
	CHECK_INT(sync_send(sv[0], SYNC_SECCOMP_FD, &probe, sizeof(probe), -1), 0);
	CHECK_INT(sync_recv(sv[1], &m, &e), 0);
	CHECK(m.len == sizeof(int) && memcmp(m.buf, &probe, sizeof(int)) == 0);
	sync_msg_free(&m);
	close(sv[0]);
	close(sv[1]);
}

static void test_sync_errors(void)
{
	int sv[2];
	pair(sv);
	struct sync_msg m;
	struct cap_error *e = NULL;

	/* the wrong type: EPROTO naming it */
	CHECK_INT(sync_send(sv[0], SYNC_READY, NULL, 0, -1), 0);
	CHECK_INT(sync_expect(sv[1], SYNC_START, &m, &e), -1);
	CHECK(e && e->errnum == EPROTO && strstr(e->msg, "unexpected message 6"));
	CHECK(m.buf == NULL && m.fd == -1);
	cap_error_free(e);
	e = NULL;

	/* SYNC_ERROR from the peer: its text and errno, strerror not appended twice */
	struct cap_error *child = NULL;
	cap_fail(&child, ENOENT, "mount /x on /y");
	CHECK_INT(sync_send_error(sv[0], child), 0);
	CHECK_INT(sync_expect(sv[1], SYNC_HOOKS_DONE, &m, &e), -1);
	CHECK(e && e->errnum == ENOENT);
	CHECK(e && strcmp(e->msg, child->msg) == 0);
	cap_error_free(e);
	e = NULL;

	/* the same through the parent's sync_recv + sync_error */
	CHECK_INT(sync_send_error(sv[1], child), 0);
	CHECK_INT(sync_recv(sv[0], &m, &e), 0);
	CHECK_INT(m.type, SYNC_ERROR);
	CHECK_INT(m.errnum, ENOENT);
	CHECK_INT(sync_error(&e, &m), -1);
	CHECK(e && e->errnum == ENOENT);
	CHECK_STR(e ? e->msg : NULL, "mount /x on /y: No such file or directory");
	sync_msg_free(&m);
	cap_error_free(e);
	e = NULL;
	cap_error_free(child);

	/* an error without a message still says something */
	CHECK_INT(sync_send_error(sv[0], NULL), 0);
	CHECK_INT(sync_recv(sv[1], &m, &e), 0);
	CHECK_INT(sync_error(&e, &m), -1);
	CHECK(e && e->errnum == 0 && strcmp(e->msg, "unknown error") == 0);
	sync_msg_free(&m);
	cap_error_free(e);
	e = NULL;

	/* EOF, either side */
	close(sv[0]);
	CHECK_INT(sync_recv(sv[1], &m, &e), -1);
	CHECK(e && strstr(e->msg, "exited before it was ready"));
	cap_error_free(e);
	e = NULL;
	CHECK_INT(sync_expect(sv[1], SYNC_START, &m, &e), -1);
	CHECK(e && strstr(e->msg, "went away"));
	cap_error_free(e);
	close(sv[1]);
}

struct raw_hdr {
	uint32_t type;
	int32_t errnum;
	uint32_t len;
};

/* A datagram of header + n payload bytes, the header claiming `claim` bytes. */
static void send_raw(int sock, uint32_t claim, size_t n)
{
	static char payload[1024];
	memset(payload, 'p', sizeof(payload));
	struct raw_hdr h = {SYNC_HOOKS_DONE, 0, claim};
	struct iovec iov[2] = {{&h, sizeof(h)}, {payload, n}};
	CHECK(writev(sock, iov, n ? 2 : 1) == (ssize_t)(sizeof(h) + n));
}

static void test_sync_malformed(void)
{
	int sv[2];
	struct sync_msg m;
	struct cap_error *e = NULL;

	/* shorter than a header */
	pair(sv);
	CHECK(write(sv[0], "abc", 3) == 3);
	CHECK_INT(sync_recv(sv[1], &m, &e), -1);
	CHECK(e && e->errnum == EPROTO);
	cap_error_free(e);
	e = NULL;
	close(sv[0]);
	close(sv[1]);
	pair(sv);
	CHECK(write(sv[0], "abc", 3) == 3);
	CHECK_INT(sync_expect(sv[1], SYNC_HOOKS_DONE, &m, &e), -1);
	CHECK(e && e->errnum == EPROTO);
	cap_error_free(e);
	e = NULL;
	close(sv[0]);
	close(sv[1]);

	/* a payload size beyond the limit */
	pair(sv);
	send_raw(sv[0], 0x7fffffff, 16);
	CHECK_INT(sync_recv(sv[1], &m, &e), -1);
	CHECK(e && e->errnum == EPROTO && strstr(e->msg, "bad message"));
	cap_error_free(e);
	e = NULL;
	close(sv[0]);
	close(sv[1]);

	/* the header claims more than came (the rest would be uninitialised) and less
	 * than came (the rest would be cut off silently): both refused, both sides */
	const uint32_t claims[] = {100, 0, 10};
	const size_t sent[] = {10, 50, 11};
	for (size_t i = 0; i < 3; i++) {
		pair(sv);
		send_raw(sv[0], claims[i], sent[i]);
		CHECK_INT(sync_recv(sv[1], &m, &e), -1);
		CHECK(e && e->errnum == EPROTO);
		CHECK(m.buf == NULL);
		cap_error_free(e);
		e = NULL;
		send_raw(sv[1], claims[i], sent[i]);
		CHECK_INT(sync_expect(sv[0], SYNC_HOOKS_DONE, &m, &e), -1);
		CHECK(e && e->errnum == EPROTO);
		CHECK(m.buf == NULL);
		cap_error_free(e);
		e = NULL;
		close(sv[0]);
		close(sv[1]);
	}

	/* a refused message carrying an fd does not leak it */
	pair(sv);
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct raw_hdr h = {SYNC_PTY, 0, 100};
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {&h, sizeof(h)};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	CHECK(sendmsg(sv[0], &mh, 0) == sizeof(h));
	close(fd);
	int next = dup(0); /* the lowest free fd: where a leaked one would be */
	close(next);
	CHECK_INT(sync_recv(sv[1], &m, &e), -1);
	cap_error_free(e);
	e = NULL;
	CHECK(fcntl(next, F_GETFD) < 0);
	close(sv[0]);
	close(sv[1]);

	/* two fds where one fits (MSG_CTRUNC): refused, none left open */
	pair(sv);
	int fds[2] = {open("/dev/null", O_RDONLY | O_CLOEXEC),
		      open("/dev/null", O_RDONLY | O_CLOEXEC)};
	char cbuf2[CMSG_SPACE(2 * sizeof(int))] = {0};
	h.len = 0;
	mh.msg_control = cbuf2;
	mh.msg_controllen = sizeof(cbuf2);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(2 * sizeof(int));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	CHECK(sendmsg(sv[0], &mh, 0) == sizeof(h));
	close(fds[0]);
	close(fds[1]);
	CHECK_INT(sync_recv(sv[1], &m, &e), -1);
	CHECK(e && e->errnum == EPROTO);
	cap_error_free(e);
	e = NULL;
	CHECK(fcntl(fds[0], F_GETFD) < 0 && fcntl(fds[1], F_GETFD) < 0);
	close(sv[0]);
	close(sv[1]);
}

/* ---- path resolution ---- */

static int rootfd = -1;

/* What fd points at, as a path relative to tmpdir ("root/etc"), or the absolute
 * path when outside it. */
static char *where(int fd)
{
	char link[64], buf[4096];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, buf, sizeof(buf) - 1);
	if (n < 0)
		return strdup("?");
	buf[n] = '\0';
	size_t tl = strlen(tmpdir);
	if (strncmp(buf, tmpdir, tl) == 0 && buf[tl] == '/')
		return strdup(buf + tl + 1);
	return strdup(buf);
}

static void check_resolves(const char *path, int flags, const char *want, int line)
{
	struct cap_error *e = NULL;
	int fd = pathres_open(rootfd, path, flags, &e);
	char *got = fd >= 0 ? where(fd) : NULL;
	bool ok = got && strcmp(got, want) == 0;
	unit_result(ok, __FILE__, line, path);
	if (!ok)
		fprintf(stderr, "     got %s (%s), want %s\n", got ? got : "error", e ? e->msg : "",
			want);
	free(got);
	cap_error_free(e);
	if (fd >= 0)
		close(fd);
}
#define RESOLVES(path, flags, want) check_resolves(path, flags, want, __LINE__)

static void setup_root(void)
{
	struct cap_error *e = NULL;
	char *p = tpath("root/etc");
	CHECK_INT(cap_mkdir_p(p, 0755, &e), 0);
	free(p);
	p = tpath("etc");
	CHECK(mkdir(p, 0755) == 0);
	free(p);
	put("etc/passwd", "outside");
	put("root/etc/passwd", "inside");
	p = tpath("root/a/b");
	CHECK_INT(cap_mkdir_p(p, 0755, &e), 0);
	free(p);
	p = tpath("root");
	rootfd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(rootfd >= 0);
	free(p);
	CHECK(symlinkat("/etc", rootfd, "abs") == 0);
	CHECK(symlinkat("../../etc", rootfd, "rel") == 0);
	CHECK(symlinkat("../../../../..", rootfd, "a/b/up") == 0);
	CHECK(symlinkat("l2", rootfd, "l1") == 0);
	CHECK(symlinkat("/a/b", rootfd, "l2") == 0);
	char *outside_etc = tpath("etc");
	CHECK(symlinkat(outside_etc, rootfd, "hostpath") == 0);
	free(outside_etc);
	CHECK(symlinkat("loop2", rootfd, "loop1") == 0);
	CHECK(symlinkat("loop1", rootfd, "loop2") == 0);
}

static void test_pathres_open(void)
{
	RESOLVES("etc/passwd", 0, "root/etc/passwd");
	RESOLVES("/etc/passwd", 0, "root/etc/passwd");
	RESOLVES("/../../../etc/passwd", 0, "root/etc/passwd");
	RESOLVES("a/../../a/b/../../etc", O_DIRECTORY, "root/etc");
	RESOLVES("abs/passwd", 0, "root/etc/passwd");
	RESOLVES("rel/passwd", 0, "root/etc/passwd");
	RESOLVES("a/b/up/etc/passwd", 0, "root/etc/passwd");
	RESOLVES("l1/up/rel/passwd", 0, "root/etc/passwd");
	RESOLVES("l1", 0, "root/a/b");
	RESOLVES("/", O_DIRECTORY, "root");
	RESOLVES("..", O_DIRECTORY, "root");
	RESOLVES("abs", O_NOFOLLOW, "root/abs"); /* the link itself */

	struct cap_error *e = NULL;
	/* an absolute link to the host's path is clamped: root/<tmpdir>/etc, missing */
	int fd = pathres_open(rootfd, "hostpath/passwd", 0, &e);
	CHECK_INT(fd, -1);
	CHECK_INT(errno, ENOENT);
	CHECK(e && strncmp(e->msg, "resolve hostpath/passwd: ", 25) == 0);
	cap_error_free(e);
	e = NULL;
	fd = pathres_open(rootfd, "loop1/x", 0, &e);
	CHECK(fd == -1 && errno == ELOOP);
	cap_error_free(e);
	e = NULL;
	fd = pathres_open(rootfd, "etc/passwd", O_DIRECTORY, &e);
	CHECK(fd == -1 && errno == ENOTDIR);
	cap_error_free(e);
	e = NULL;
	CHECK_INT(pathres_try_open(rootfd, "nope", 0), -1);
	CHECK_INT(errno, ENOENT);

	/* the fds are O_PATH: readable through /proc/self/fd */
	fd = pathres_open(rootfd, "abs/passwd", 0, &e);
	CHECK(fd >= 0 && !e);
	cap_error_free(e);
	e = NULL;
	char fdpath[PATHRES_FDPATH_LEN];
	pathres_fdpath(fdpath, fd);
	char want[64];
	snprintf(want, sizeof(want), "/proc/self/fd/%d", fd);
	CHECK_STR(fdpath, want);
	CHECK((fcntl(fd, F_GETFL) & O_PATH) && (fcntl(fd, F_GETFD) & FD_CLOEXEC));
	struct cap_error *re = NULL;
	char *s = cap_read_file_at(AT_FDCWD, fdpath, NULL, &re);
	CHECK_STR(s, "inside");
	free(s);
	cap_error_free(re);
	close(fd);
	pathres_fdpath(fdpath, 0);
	CHECK_STR(fdpath, "/proc/self/fd/0");
	pathres_fdpath(fdpath, 2147483647);
	CHECK_STR(fdpath, "/proc/self/fd/2147483647");
}

static void check_mkdir(const char *path, const char *want, int line)
{
	struct cap_error *e = NULL;
	int fd = pathres_mkdir_p(rootfd, path, 0755, &e);
	char *got = fd >= 0 ? where(fd) : NULL;
	struct stat st;
	bool ok = got && strcmp(got, want) == 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
	unit_result(ok, __FILE__, line, path);
	if (!ok)
		fprintf(stderr, "     got %s (%s), want %s\n", got ? got : "error", e ? e->msg : "",
			want);
	free(got);
	cap_error_free(e);
	if (fd >= 0)
		close(fd);
}
#define MKDIR(path, want) check_mkdir(path, want, __LINE__)

static void test_pathres_create(void)
{
	MKDIR("x/y/z", "root/x/y/z");
	MKDIR("x/y/z", "root/x/y/z"); /* existing: as is */
	MKDIR("/", "root");
	MKDIR("abs/newdir", "root/etc/newdir");
	CHECK(!exists("etc/newdir"));
	MKDIR("../../../up1/up2", "root/up1/up2");
	MKDIR("n1/../n2/./n3", "root/n2/n3");
	CHECK(exists("root/n1"));
	/* dangling symlinks are followed inside the root */
	struct cap_error *e = NULL;
	CHECK(symlinkat("/made/here", rootfd, "dang") == 0);
	MKDIR("dang/sub", "root/made/here/sub");
	CHECK(symlinkat("../escaped", rootfd, "dang2") == 0);
	MKDIR("dang2", "root/escaped");
	CHECK(!exists("escaped"));
	char *hostdir = tpath("hostmade");
	CHECK(symlinkat(hostdir, rootfd, "dang3") == 0);
	char *want = cap_strdupf("root%s/d", hostdir);
	MKDIR("dang3/d", want);
	CHECK(!exists("hostmade"));
	free(want);
	free(hostdir);
	int fd = pathres_mkdir_p(rootfd, "loop1/x", 0755, &e);
	CHECK(fd == -1 && e && e->errnum == ELOOP);
	cap_error_free(e);
	e = NULL;
	/* a file in the way */
	fd = pathres_mkdir_p(rootfd, "etc/passwd/sub", 0755, &e);
	CHECK(fd == -1 && e && e->errnum == ENOTDIR);
	cap_error_free(e);
	e = NULL;

	/* files: parents made, mode kept, existing ones returned as they are */
	mode_t old = umask(0);
	fd = pathres_create_file(rootfd, "f1/f2/file", 0600, &e);
	struct stat st;
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	      (st.st_mode & 0777) == 0600 && st.st_size == 0);
	if (fd >= 0)
		close(fd);
	CHECK(exists("root/f1/f2/file"));
	fd = pathres_create_file(rootfd, "abs/passwd", 0600, &e);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 6);
	if (fd >= 0)
		close(fd);
	fd = pathres_create_file(rootfd, "rel/created", 0644, &e);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK(exists("root/etc/created") && !exists("etc/created"));
	/* a dangling symlink as the last component (an image's /etc/resolv.conf pointing
	 * to a file that is not there yet): created at its target, inside the root */
	CHECK(symlinkat("../run/stub/resolv.conf", rootfd, "etc/resolv.conf") == 0);
	fd = pathres_create_file(rootfd, "/etc/resolv.conf", 0644, &e);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode));
	CHECK(!e);
	if (e)
		fprintf(stderr, "     %s\n", e->msg);
	if (fd >= 0)
		close(fd);
	CHECK(exists("root/run/stub/resolv.conf"));
	CHECK(symlinkat("/../../hostfile", rootfd, "etc/hf") == 0);
	fd = pathres_create_file(rootfd, "etc/hf", 0644, &e);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK(exists("root/hostfile") && !exists("hostfile"));
	cap_error_free(e);
	e = NULL;
	fd = pathres_create_file(rootfd, "loop1", 0644, &e);
	CHECK(fd == -1 && e && e->errnum == ELOOP);
	cap_error_free(e);
	e = NULL;
	umask(old);

	/* parent: the directory (made) and the last name */
	char base[256];
	fd = pathres_parent(rootfd, "/p1/p2/name//", base, sizeof(base), &e);
	char *got = fd >= 0 ? where(fd) : NULL;
	CHECK_STR(got, "root/p1/p2");
	CHECK_STR(base, "name");
	free(got);
	if (fd >= 0)
		close(fd);
	fd = pathres_parent(rootfd, "top", base, sizeof(base), &e);
	got = fd >= 0 ? where(fd) : NULL;
	CHECK_STR(got, "root");
	CHECK_STR(base, "top");
	free(got);
	if (fd >= 0)
		close(fd);
	const char *no_name[] = {"/", "", "a/..", "a/.", ".."};
	for (size_t i = 0; i < sizeof(no_name) / sizeof(no_name[0]); i++) {
		CHECK_INT(pathres_parent(rootfd, no_name[i], base, sizeof(base), &e), -1);
		CHECK(e && e->errnum == EINVAL && strstr(e->msg, "no file name"));
		cap_error_free(e);
		e = NULL;
	}
	CHECK_INT(pathres_parent(rootfd, "dir/toolongname", base, 8, &e), -1);
	cap_error_free(e);
}

int main(void)
{
	if (unit_tmp_init() < 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	test_state_ids();
	test_state_round_trip();
	test_state_corrupt();
	test_state_status();
	test_pid_file();
	test_sync_types();
	test_sync_errors();
	test_sync_malformed();
	setup_root();
	test_pathres_open();
	test_pathres_create();
	if (rootfd >= 0)
		close(rootfd);
	unit_tmp_done();
	return UNIT_DONE();
}
