/* runtime/spec*.c: config.json -> struct spec.  Every field valid and
 * invalid, with the exact one-line error messages callers see.
 *
 * JSON is written with single quotes for readability; q() turns them into
 * double quotes (no test string needs a real apostrophe). */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../oci/spec.h"
#include "../../seccomp/seccomp.h"
#include "unit.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define BIT(n) (UINT64_C(1) << (n))

/* ---- helpers ------------------------------------------------------------ */

static char *q(const char *s)
{
	char *d = strdup(s);
	for (char *c = d; *c; c++)
		if (*c == '\'')
			*c = '"';
	return d;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, f);
	if (vasprintf(&s, f, ap) < 0)
		abort();
	va_end(ap);
	char *r = q(s);
	free(s);
	return r;
}

#define BASE "'ociVersion': '1.2.0', 'root': {'path': 'rootfs'}"

/* Config with extra top-level members (may be ""). */
static char *cfg(const char *extra)
{
	return fmt("{" BASE "%s%s}", *extra ? ", " : "", extra);
}
static char *with_process(const char *extra)
{
	return fmt("{" BASE ", 'process': {'args': ['sh']%s%s}}", *extra ? ", " : "", extra);
}
static char *with_linux(const char *extra)
{
	return fmt("{" BASE ", 'linux': {%s}}", extra);
}
static char *with_resources(const char *extra)
{
	return fmt("{" BASE ", 'linux': {'resources': {%s}}}", extra);
}

/* Parse (takes ownership of json); NULL and a message in *msg on failure. */
static struct spec *parse_owned(char *json, char **msg)
{
	struct cap_error *err = NULL;
	struct spec *s = spec_parse(json, strlen(json), &err);
	free(json);
	if (msg)
		*msg = (!s && err && err->msg) ? strdup(err->msg) : NULL;
	cap_error_free(err);
	return s;
}

static struct spec *ok_at(char *json, int line)
{
	char *msg = NULL;
	struct spec *s = parse_owned(json, &msg);
	unit_result(s != NULL, __FILE__, line, "config parses");
	if (!s)
		fprintf(stderr, "     error: %s\n", msg);
	free(msg);
	return s;
}
#define OK(json) ok_at((json), __LINE__)

static void err_at(char *json, const char *want, int line)
{
	char *msg = NULL;
	struct spec *s = parse_owned(json, &msg);
	int good = !s && msg && strcmp(msg, want) == 0;
	unit_result(good, __FILE__, line, want);
	if (!good)
		fprintf(stderr, "     got: %s\n", s ? "(parsed)" : msg ? msg : "(no message)");
	spec_free(s);
	free(msg);
}
#define ERR(json, want) err_at((json), (want), __LINE__)

/* The error of spec_parse_resources / spec_parse_process on raw JSON. */
static void res_err_at(const char *json, const char *want, int line)
{
	char *j = q(json);
	struct cap_error *err = NULL;
	struct spec_resources *r = spec_parse_resources(j, strlen(j), &err);
	int good = !r && err && err->msg && strcmp(err->msg, want) == 0;
	unit_result(good, __FILE__, line, want);
	if (!good)
		fprintf(stderr, "     got: %s\n", r ? "(parsed)" : err ? err->msg : "(no error)");
	spec_resources_free(r);
	cap_error_free(err);
	free(j);
}
#define RES_ERR(json, want) res_err_at((json), (want), __LINE__)

static void proc_err_at(const char *json, const char *want, int line)
{
	char *j = q(json);
	struct cap_error *err = NULL;
	struct spec_process *p = spec_parse_process(j, strlen(j), &err);
	int good = !p && err && err->msg && strcmp(err->msg, want) == 0;
	unit_result(good, __FILE__, line, want);
	if (!good)
		fprintf(stderr, "     got: %s\n", p ? "(parsed)" : err ? err->msg : "(no error)");
	spec_process_free(p);
	cap_error_free(err);
	free(j);
}
#define PROC_ERR(json, want) proc_err_at((json), (want), __LINE__)

/* ---- top level ---------------------------------------------------------- */

static void test_minimal(void)
{
	struct spec *s = OK(cfg(""));
	if (s) {
		CHECK_STR(s->oci_version, "1.2.0");
		CHECK_STR(s->root_path, "rootfs");
		CHECK(!s->root_readonly);
		CHECK(!s->has_process);
		CHECK(!s->has_linux);
		CHECK(s->hostname == NULL && s->domainname == NULL);
		CHECK(s->n_mounts == 0 && s->mounts == NULL);
		CHECK(s->n_annotations == 0);
		CHECK(s->linux_.seccomp == NULL);
		CHECK(!s->linux_.resources.present);
		CHECK(spec_find_namespace(s, CLONE_NEWPID) == NULL);
	}
	spec_free(s);

	s = OK(cfg("'hostname': 'box', 'domainname': 'example.org', 'unknownField': [1, {}],"
		   "'annotations': {'a': 'b', 'c.d': ''}"));
	if (s) {
		CHECK_STR(s->hostname, "box");
		CHECK_STR(s->domainname, "example.org");
		CHECK_INT(s->n_annotations, 2);
		CHECK_STR(s->annotations[0].key, "a");
		CHECK_STR(s->annotations[0].value, "b");
		CHECK_STR(s->annotations[1].key, "c.d");
		CHECK_STR(s->annotations[1].value, "");
	}
	spec_free(s);

	/* null reads as absent, as in Go */
	s = OK(cfg("'hostname': null, 'process': null, 'linux': null"));
	if (s)
		CHECK(!s->hostname && !s->has_process && !s->has_linux);
	spec_free(s);

	s = OK(q("{'ociVersion': '1.0.2', 'root': {'path': '/abs/rootfs', 'readonly': true}}"));
	if (s) {
		CHECK_STR(s->root_path, "/abs/rootfs");
		CHECK(s->root_readonly);
	}
	spec_free(s);
}

static void test_top_level_errors(void)
{
	ERR(q("{'root': {'path': 'r'}}"), "ociVersion: required");
	ERR(q("{'ociVersion': 1, 'root': {'path': 'r'}}"),
	    "ociVersion: expected a string, got a number");
	ERR(q("{'ociVersion': '1.2.0'}"), "root: required");
	ERR(q("{'ociVersion': 'invalid', 'root': {'path': 'r'}}"),
	    "ociVersion: unsupported version \"invalid\" (want 1.x.y)");
	ERR(q("{'ociVersion': '2.0.0', 'root': {'path': 'r'}}"),
	    "ociVersion: unsupported version \"2.0.0\" (want 1.x.y)");
	spec_free(OK(q("{'ociVersion': '1.0.2-dev', 'root': {'path': 'r'}}")));
	ERR(q("{'ociVersion': '1.2.0', 'root': {}}"), "root.path: required");
	ERR(q("{'ociVersion': '1.2.0', 'root': {'path': ''}}"), "root.path: required");
	ERR(q("{'ociVersion': '1.2.0', 'root': 'rootfs'}"),
	    "root: expected an object, got a string");
	ERR(q("{'ociVersion': '1.2.0', 'root': {'path': 'r', 'readonly': 'yes'}}"),
	    "root.readonly: expected a boolean, got a string");
	ERR(cfg("'hostname': 7"), "hostname: expected a string, got a number");
	ERR(cfg("'domainname': []"), "domainname: expected a string, got an array");
	ERR(cfg("'annotations': []"), "annotations: expected an object, got an array");
	ERR(cfg("'annotations': {'x': 1}"), "annotations.x: expected a string, got a number");
	ERR(cfg("'process': []"), "process: expected an object, got an array");
	ERR(cfg("'linux': true"), "linux: expected an object, got a boolean");
	ERR(cfg("'mounts': {}"), "mounts: expected an array, got an object");
	ERR(cfg("'hooks': []"), "hooks: expected an object, got an array");
	ERR(q("[1, 2]"), "config.json: expected a JSON object");
}

static void test_malformed(void)
{
	ERR(q("{'ociVersion': '1.2.0',"), "config.json: parse error: premature EOF");
	ERR(q("{'ociVersion' '1.2.0'}"),
	    "config.json: parse error: object key and value must be separated by a colon (':')");
	ERR(q("{'a': tru}"),
	    "config.json: parse error: lexical error: invalid string in json text.");
	ERR(q(""), "config.json: parse error: premature EOF");
	ERR(q("{} {}"), "config.json: parse error: trailing garbage");

	/* One line whatever yajl says. */
	char *msg = NULL;
	struct spec *s = parse_owned(q("{\n'a': [1, 2,,]\n}"), &msg);
	CHECK(!s && msg && !strchr(msg, '\n'));
	CHECK(msg && strncmp(msg, "config.json: parse error: ", 26) == 0);
	free(msg);

	/* Not NUL-terminated at len: the parser must not read past it. */
	char buf[64];
	const char *j = "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\"}}";
	size_t n = strlen(j);
	memcpy(buf, j, n);
	memset(buf + n, 'x', sizeof(buf) - n);
	struct cap_error *err = NULL;
	s = spec_parse(buf, n, &err);
	CHECK(s != NULL);
	spec_free(s);
	cap_error_free(err);

	/* An embedded NUL is not JSON. */
	err = NULL;
	s = spec_parse("{}\0{}", 5, &err);
	CHECK(!s && err);
	cap_error_free(err);
}

/* ---- process ------------------------------------------------------------ */

static void test_process_basic(void)
{
	struct spec *s = OK(with_process(
	    "'terminal': true, 'consoleSize': {'height': 24, 'width': 80},"
	    "'user': {'uid': 1000, 'gid': 100, 'umask': 18, 'additionalGids': [5, 6],"
	    "         'username': 'me'},"
	    "'env': ['PATH=/bin', 'TERM=xterm'], 'cwd': '/home',"
	    "'noNewPrivileges': true, 'oomScoreAdj': -500,"
	    "'apparmorProfile': 'docker-default', 'selinuxLabel': 'system_u:system_r:t'"));
	if (s) {
		struct spec_process *p = &s->process;
		CHECK(s->has_process);
		CHECK(p->terminal);
		CHECK(p->has_console_size);
		CHECK_INT(p->console_height, 24);
		CHECK_INT(p->console_width, 80);
		CHECK_INT(p->user.uid, 1000);
		CHECK_INT(p->user.gid, 100);
		CHECK(p->user.has_umask);
		CHECK_INT(p->user.umask, 022);
		CHECK_INT(p->user.n_additional_gids, 2);
		CHECK_INT(p->user.additional_gids[1], 6);
		CHECK_STR(p->user.username, "me");
		CHECK_INT(p->n_args, 1);
		CHECK_STR(p->args[0], "sh");
		CHECK(p->args[1] == NULL);
		CHECK_INT(p->n_env, 2);
		CHECK_STR(p->env[1], "TERM=xterm");
		CHECK(p->env[2] == NULL);
		CHECK_STR(p->cwd, "/home");
		CHECK(p->no_new_privileges);
		CHECK(p->has_oom_score_adj);
		CHECK_INT(p->oom_score_adj, -500);
		CHECK_STR(p->apparmor_profile, "docker-default");
		CHECK_STR(p->selinux_label, "system_u:system_r:t");
		CHECK(!p->has_capabilities);
		CHECK(!p->scheduler.present && !p->io_priority.present);
	}
	spec_free(s);

	s = OK(with_process(""));
	if (s) {
		CHECK(!s->process.terminal && !s->process.has_console_size);
		CHECK(!s->process.user.has_umask && s->process.user.uid == 0);
		CHECK(s->process.env == NULL && s->process.cwd == NULL);
		CHECK(!s->process.has_oom_score_adj);
	}
	spec_free(s);

	/* largest valid ids */
	s = OK(with_process("'user': {'uid': 4294967294, 'gid': 0, 'additionalGids': []}"));
	if (s) {
		CHECK_INT(s->process.user.uid, 4294967294u);
		CHECK_INT(s->process.user.n_additional_gids, 0);
	}
	spec_free(s);
}

static void test_process_errors(void)
{
	ERR(cfg("'process': {}"), "process.args: required");
	ERR(cfg("'process': {'args': []}"), "process.args: must contain at least one entry");
	ERR(cfg("'process': {'args': 'sh'}"), "process.args: expected an array, got a string");
	ERR(cfg("'process': {'args': ['sh', 1]}"),
	    "process.args[1]: expected a string, got a number");
	ERR(cfg("'process': {'commandLine': 'sh -c true', 'args': ['sh']}"),
	    "process.commandLine: not supported on Linux");
	ERR(with_process("'terminal': 1"), "process.terminal: expected a boolean, got a number");
	ERR(with_process("'consoleSize': {'height': -1, 'width': 80}"),
	    "process.consoleSize.height: expected a non-negative integer");
	ERR(with_process("'consoleSize': [24, 80]"),
	    "process.consoleSize: expected an object, got an array");
	ERR(with_process("'user': {'uid': -1}"),
	    "process.user.uid: expected a non-negative integer");
	ERR(with_process("'user': {'uid': 4294967295}"),
	    "process.user.uid: 4294967295 is out of range (0 to 4294967294)");
	ERR(with_process("'user': {'uid': 99999999999999999999999}"),
	    "process.user.uid: 99999999999999999999999 is out of range");
	ERR(with_process("'user': {'uid': 1.5}"), "process.user.uid: expected an integer, got 1.5");
	ERR(with_process("'user': {'uid': 1e3}"), "process.user.uid: expected an integer, got 1e3");
	ERR(with_process("'user': {'uid': '0'}"),
	    "process.user.uid: expected an integer, got a string");
	ERR(with_process("'user': {'gid': true}"),
	    "process.user.gid: expected an integer, got a boolean");
	ERR(with_process("'user': {'umask': 4096}"),
	    "process.user.umask: 4096 is out of range (0 to 4095)");
	ERR(with_process("'user': {'additionalGids': [1, -2]}"),
	    "process.user.additionalGids[1]: expected a non-negative integer");
	ERR(with_process("'user': {'additionalGids': 5}"),
	    "process.user.additionalGids: expected an array, got a number");
	ERR(with_process("'user': {'username': 0}"),
	    "process.user.username: expected a string, got a number");
	ERR(with_process("'env': 'A=B'"), "process.env: expected an array, got a string");
	ERR(with_process("'env': [null]"), "process.env[0]: expected a string, got null");
	ERR(with_process("'cwd': 'relative'"),
	    "process.cwd: must be an absolute path, got \"relative\"");
	ERR(with_process("'cwd': 1"), "process.cwd: expected a string, got a number");
	ERR(with_process("'noNewPrivileges': 'true'"),
	    "process.noNewPrivileges: expected a boolean, got a string");
	ERR(with_process("'oomScoreAdj': 1001"),
	    "process.oomScoreAdj: 1001 is out of range (-1000 to 1000)");
	ERR(with_process("'oomScoreAdj': -1001"),
	    "process.oomScoreAdj: -1001 is out of range (-1000 to 1000)");
	ERR(with_process("'apparmorProfile': {}"),
	    "process.apparmorProfile: expected a string, got an object");
	ERR(with_process("'selinuxLabel': false"),
	    "process.selinuxLabel: expected a string, got a boolean");
}

static void test_capabilities(void)
{
	struct spec *s = OK(with_process(
	    "'capabilities': {'bounding': ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],"
	    "'effective': ['CAP_SYS_ADMIN'], 'inheritable': [], 'permitted': ['CAP_CHOWN'],"
	    "'ambient': ['CAP_KILL', 'CAP_KILL']}"));
	if (s) {
		struct spec_capabilities *c = &s->process.caps;
		CHECK(s->process.has_capabilities);
		CHECK(c->bounding == (BIT(29) | BIT(5) | BIT(10)));
		CHECK(c->effective == BIT(21));
		CHECK(c->has_inheritable && c->inheritable == 0);
		CHECK(c->permitted == BIT(0));
		CHECK(c->ambient == BIT(5));
		CHECK(c->has_bounding && c->has_effective && c->has_permitted && c->has_ambient);
	}
	spec_free(s);

	s = OK(with_process("'capabilities': {'bounding': ['CAP_CHECKPOINT_RESTORE']}"));
	if (s) {
		CHECK(s->process.caps.bounding == BIT(40));
		CHECK(!s->process.caps.has_effective);
	}
	spec_free(s);

	ERR(with_process("'capabilities': {'bounding': ['CAP_KILL', 'CAP_CHOWN', 'CAP_KILL', "
			 "'CAP_FOO']}"),
	    "process.capabilities.bounding[3]: unknown capability \"CAP_FOO\"");
	ERR(with_process("'capabilities': {'effective': ['cap_kill']}"),
	    "process.capabilities.effective[0]: unknown capability \"cap_kill\"");
	ERR(with_process("'capabilities': {'permitted': ['21']}"),
	    "process.capabilities.permitted[0]: unknown capability \"21\"");
	ERR(with_process("'capabilities': {'ambient': [5]}"),
	    "process.capabilities.ambient[0]: expected a string, got a number");
	ERR(with_process("'capabilities': {'inheritable': 'CAP_KILL'}"),
	    "process.capabilities.inheritable: expected an array, got a string");
	ERR(with_process("'capabilities': ['CAP_KILL']"),
	    "process.capabilities: expected an object, got an array");
}

static void test_rlimits(void)
{
	struct spec *s =
	    OK(with_process("'rlimits': [{'type': 'RLIMIT_NOFILE', 'hard': 1024, 'soft': 512},"
			    "{'type': 'RLIMIT_CORE', 'soft': 18446744073709551615, 'hard': "
			    "18446744073709551615}]"));
	if (s) {
		CHECK_INT(s->process.n_rlimits, 2);
		CHECK_INT(s->process.rlimits[0].resource, RLIMIT_NOFILE);
		CHECK_INT(s->process.rlimits[0].soft, 512);
		CHECK_INT(s->process.rlimits[0].hard, 1024);
		CHECK_INT(s->process.rlimits[1].resource, RLIMIT_CORE);
		CHECK(s->process.rlimits[1].soft == UINT64_MAX);
	}
	spec_free(s);

	ERR(with_process("'rlimits': [{'type': 'RLIMIT_NOFILE', 'hard': 1, 'soft': 1},"
			 "{'type': 'RLIMIT_CPU', 'hard': 1, 'soft': 1},"
			 "{'type': 'RLIMIT_FOO', 'hard': 1, 'soft': 1}]"),
	    "process.rlimits[2].type: unknown rlimit \"RLIMIT_FOO\"");
	ERR(with_process("'rlimits': [{'hard': 1, 'soft': 1}]"),
	    "process.rlimits[0].type: required");
	ERR(with_process("'rlimits': [{'type': 'RLIMIT_AS', 'hard': 1}]"),
	    "process.rlimits[0].soft: required");
	ERR(with_process("'rlimits': [{'type': 'RLIMIT_AS', 'soft': 1}]"),
	    "process.rlimits[0].hard: required");
	ERR(with_process("'rlimits': [{'type': 'RLIMIT_AS', 'soft': -1, 'hard': 1}]"),
	    "process.rlimits[0].soft: expected a non-negative integer");
	ERR(with_process(
		"'rlimits': [{'type': 'RLIMIT_AS', 'soft': 1, 'hard': 18446744073709551616}]"),
	    "process.rlimits[0].hard: 18446744073709551616 is out of range");
	ERR(with_process("'rlimits': [{'type': 'RLIMIT_NOFILE', 'hard': 1, 'soft': 1},"
			 "{'type': 'RLIMIT_NOFILE', 'hard': 2, 'soft': 2}]"),
	    "process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\"");
	ERR(with_process("'rlimits': ['RLIMIT_NOFILE']"),
	    "process.rlimits[0]: expected an object, got a string");
	ERR(with_process("'rlimits': [{'type': 7, 'hard': 1, 'soft': 1}]"),
	    "process.rlimits[0].type: expected a string, got a number");
}

static void test_scheduler_ioprio_affinity(void)
{
	struct spec *s =
	    OK(with_process("'scheduler': {'policy': 'SCHED_DEADLINE', 'nice': -5, 'priority': 0,"
			    "'flags': ['SCHED_FLAG_RESET_ON_FORK', 'SCHED_FLAG_UTIL_CLAMP_MAX'],"
			    "'runtime': 1000, 'deadline': 2000, 'period': 3000},"
			    "'ioPriority': {'class': 'IOPRIO_CLASS_BE', 'priority': 7},"
			    "'execCPUAffinity': {'initial': '0-3,7', 'final': '1'}"));
	if (s) {
		struct spec_process *p = &s->process;
		CHECK(p->scheduler.present);
		CHECK_INT(p->scheduler.policy, 6);
		CHECK_INT(p->scheduler.nice, -5);
		CHECK_INT(p->scheduler.flags, 0x41);
		CHECK_INT(p->scheduler.runtime, 1000);
		CHECK_INT(p->scheduler.deadline, 2000);
		CHECK_INT(p->scheduler.period, 3000);
		CHECK(p->io_priority.present);
		CHECK_INT(p->io_priority.class, 2);
		CHECK_INT(p->io_priority.priority, 7);
		CHECK_STR(p->exec_cpu_affinity.initial, "0-3,7");
		CHECK_STR(p->exec_cpu_affinity.final, "1");
	}
	spec_free(s);

	static const struct {
		const char *name;
		int value;
	} pol[] = {
	    {"SCHED_OTHER", SCHED_OTHER}, {"SCHED_FIFO", SCHED_FIFO}, {"SCHED_RR", SCHED_RR},
	    {"SCHED_BATCH", SCHED_BATCH}, {"SCHED_ISO", 4},	      {"SCHED_IDLE", SCHED_IDLE}};
	for (size_t i = 0; i < sizeof(pol) / sizeof(pol[0]); i++) {
		char extra[128];
		snprintf(extra, sizeof(extra), "'scheduler': {'policy': '%s', 'priority': 10}",
			 pol[i].name);
		s = OK(with_process(extra));
		if (s)
			CHECK_INT(s->process.scheduler.policy, pol[i].value);
		spec_free(s);
	}
	s = OK(with_process("'ioPriority': {'class': 'IOPRIO_CLASS_IDLE'}"));
	if (s)
		CHECK(s->process.io_priority.class == 3 && s->process.io_priority.priority == 0);
	spec_free(s);
	s = OK(with_process("'ioPriority': {'class': 'IOPRIO_CLASS_RT', 'priority': 0}"));
	if (s)
		CHECK_INT(s->process.io_priority.class, 1);
	spec_free(s);

	ERR(with_process("'scheduler': {}"), "process.scheduler.policy: required");
	ERR(with_process("'scheduler': {'policy': 'SCHED_FOO'}"),
	    "process.scheduler.policy: unknown scheduler policy \"SCHED_FOO\"");
	ERR(with_process("'scheduler': {'policy': 'SCHED_OTHER', 'nice': 20}"),
	    "process.scheduler.nice: 20 is out of range (-20 to 19)");
	ERR(with_process("'scheduler': {'policy': 'SCHED_OTHER', 'flags': ['SCHED_FLAG_X']}"),
	    "process.scheduler.flags[0]: unknown scheduler flag \"SCHED_FLAG_X\"");
	ERR(with_process("'scheduler': {'policy': 'SCHED_OTHER', 'runtime': -1}"),
	    "process.scheduler.runtime: expected a non-negative integer");
	ERR(with_process("'scheduler': {'policy': 'SCHED_OTHER', 'priority': 2147483648}"),
	    "process.scheduler.priority: 2147483648 is out of range (-2147483648 to 2147483647)");
	ERR(with_process("'ioPriority': {'priority': 1}"), "process.ioPriority.class: required");
	ERR(with_process("'ioPriority': {'class': 'IOPRIO_CLASS_NONE'}"),
	    "process.ioPriority.class: unknown I/O priority class \"IOPRIO_CLASS_NONE\"");
	ERR(with_process("'ioPriority': {'class': 'IOPRIO_CLASS_BE', 'priority': 8}"),
	    "process.ioPriority.priority: 8 is out of range (0 to 7)");
	ERR(with_process("'execCPUAffinity': {'initial': '0-'}"),
	    "process.execCPUAffinity.initial: invalid CPU list \"0-\"");
	ERR(with_process("'execCPUAffinity': {'final': '3-1'}"),
	    "process.execCPUAffinity.final: invalid CPU list \"3-1\"");
	ERR(with_process("'execCPUAffinity': {'final': ''}"),
	    "process.execCPUAffinity.final: invalid CPU list \"\"");
	ERR(with_process("'execCPUAffinity': {'final': 1}"),
	    "process.execCPUAffinity.final: expected a string, got a number");
}

/* ---- mounts and hooks --------------------------------------------------- */

static void test_mounts(void)
{
	struct spec *s = OK(cfg(
	    "'mounts': [{'destination': '/proc', 'type': 'proc', 'source': 'proc'},"
	    "{'destination': '/data', 'type': 'bind', 'source': '/srv', 'options': ['rbind', 'ro'],"
	    " 'uidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}],"
	    " 'gidMappings': [{'containerID': 0, 'hostID': 2000, 'size': 10}]},"
	    "{'destination': '/tmp'}]"));
	if (s) {
		CHECK_INT(s->n_mounts, 3);
		CHECK_STR(s->mounts[0].destination, "/proc");
		CHECK_STR(s->mounts[0].type, "proc");
		CHECK_STR(s->mounts[0].source, "proc");
		CHECK(s->mounts[0].options == NULL && s->mounts[0].n_options == 0);
		CHECK_INT(s->mounts[1].n_options, 2);
		CHECK_STR(s->mounts[1].options[1], "ro");
		CHECK(s->mounts[1].options[2] == NULL);
		CHECK_INT(s->mounts[1].n_uid_mappings, 1);
		CHECK_INT(s->mounts[1].uid_mappings[0].host_id, 1000);
		CHECK_INT(s->mounts[1].gid_mappings[0].size, 10);
		CHECK(s->mounts[2].type == NULL && s->mounts[2].source == NULL);
	}
	spec_free(s);

	ERR(cfg("'mounts': [{'type': 'tmpfs'}]"), "mounts[0].destination: required");
	ERR(cfg("'mounts': [{'destination': '/a'}, {'destination': 'tmp'}]"),
	    "mounts[1].destination: must be an absolute path, got \"tmp\"");
	ERR(cfg("'mounts': [{'destination': '/a', 'options': 'ro'}]"),
	    "mounts[0].options: expected an array, got a string");
	ERR(cfg("'mounts': [{'destination': '/a', 'options': ['ro', 1]}]"),
	    "mounts[0].options[1]: expected a string, got a number");
	ERR(cfg("'mounts': [{'destination': '/a', 'type': 1}]"),
	    "mounts[0].type: expected a string, got a number");
	ERR(cfg("'mounts': [{'destination': '/a', 'source': 1}]"),
	    "mounts[0].source: expected a string, got a number");
	ERR(cfg("'mounts': [{'destination': '/a', 'uidMappings': [{'hostID': 1, 'size': 1}]}]"),
	    "mounts[0].uidMappings[0].containerID: required");
	ERR(cfg("'mounts': ['/a']"), "mounts[0]: expected an object, got a string");
}

static void test_hooks(void)
{
	struct spec *s = OK(
	    cfg("'hooks': {'prestart': [{'path': '/bin/a'}],"
		"'createRuntime': [{'path': '/bin/b', 'args': ['b', '-x'], 'env': ['K=V'],"
		"                   'timeout': 5}, {'path': '/bin/c'}],"
		"'createContainer': [{'path': '/bin/d'}], 'startContainer': [{'path': '/bin/e'}],"
		"'poststart': [{'path': '/bin/f'}], 'poststop': [{'path': '/bin/g'}],"
		"'someFutureHook': [{'path': 'whatever'}]}"));
	if (s) {
		const char *want[] = {"/bin/a", "/bin/b", "/bin/d", "/bin/e", "/bin/f", "/bin/g"};
		for (int k = 0; k < HOOK__COUNT; k++) {
			CHECK(s->hooks.count[k] >= 1);
			if (s->hooks.count[k])
				CHECK_STR(s->hooks.list[k][0].path, want[k]);
		}
		struct spec_hook *h = &s->hooks.list[HOOK_CREATE_RUNTIME][0];
		CHECK_INT(s->hooks.count[HOOK_CREATE_RUNTIME], 2);
		CHECK_INT(h->n_args, 2);
		CHECK_STR(h->args[1], "-x");
		CHECK_STR(h->env[0], "K=V");
		CHECK(h->has_timeout && h->timeout == 5);
		CHECK(!s->hooks.list[HOOK_CREATE_RUNTIME][1].has_timeout);
		CHECK(s->hooks.list[HOOK_CREATE_RUNTIME][1].args == NULL);
	}
	spec_free(s);

	ERR(cfg("'hooks': {'prestart': [{'args': ['x']}]}"), "hooks.prestart[0].path: required");
	ERR(cfg("'hooks': {'poststop': [{'path': '/a'}, {'path': 'rel'}]}"),
	    "hooks.poststop[1].path: must be an absolute path, got \"rel\"");
	ERR(cfg("'hooks': {'poststart': [{'path': '/a', 'timeout': 0}]}"),
	    "hooks.poststart[0].timeout: expected a positive integer");
	ERR(cfg("'hooks': {'poststart': [{'path': '/a', 'timeout': -3}]}"),
	    "hooks.poststart[0].timeout: expected a positive integer");
	ERR(cfg("'hooks': {'createContainer': [{'path': '/a', 'env': [1]}]}"),
	    "hooks.createContainer[0].env[0]: expected a string, got a number");
	ERR(cfg("'hooks': {'startContainer': {'path': '/a'}}"),
	    "hooks.startContainer: expected an array, got an object");
}

/* ---- linux ------------------------------------------------------------- */

static void test_namespaces_and_mappings(void)
{
	struct spec *s = OK(with_linux(
	    "'namespaces': [{'type': 'pid'}, {'type': 'network', 'path': '/var/run/netns/x'},"
	    "{'type': 'mount'}, {'type': 'ipc'}, {'type': 'uts'}, {'type': 'user'},"
	    "{'type': 'cgroup', 'path': ''}, {'type': 'time'}],"
	    "'uidMappings': [{'containerID': 0, 'hostID': 100000, 'size': 65536}],"
	    "'gidMappings': [{'containerID': 0, 'hostID': 200000, 'size': 65536},"
	    "                {'containerID': 65536, 'hostID': 4294967295, 'size': 1}],"
	    "'timeOffsets': {'monotonic': {'secs': -10, 'nanosecs': 5},"
	    "                'boottime': {'secs': 86400}}"));
	if (s) {
		CHECK(s->has_linux);
		CHECK_INT(s->linux_.n_namespaces, 8);
		const struct spec_namespace *ns = spec_find_namespace(s, CLONE_NEWNET);
		CHECK(ns && ns->path && strcmp(ns->path, "/var/run/netns/x") == 0);
		ns = spec_find_namespace(s, CLONE_NEWPID);
		CHECK(ns && ns->path == NULL);
		ns = spec_find_namespace(s, CLONE_NEWCGROUP);
		CHECK(ns && ns->path == NULL); /* "" = new */
		CHECK(spec_find_namespace(s, CLONE_NEWTIME) != NULL);
		CHECK(spec_find_namespace(s, CLONE_NEWUSER) != NULL);
		CHECK(spec_find_namespace(s, CLONE_NEWNS) != NULL);
		CHECK_INT(s->linux_.n_uid_mappings, 1);
		CHECK_INT(s->linux_.uid_mappings[0].host_id, 100000);
		CHECK_INT(s->linux_.uid_mappings[0].size, 65536);
		CHECK_INT(s->linux_.n_gid_mappings, 2);
		CHECK_INT(s->linux_.gid_mappings[1].container_id, 65536);
		CHECK(s->linux_.gid_mappings[1].host_id == UINT32_MAX);
		CHECK(s->linux_.time_monotonic.present);
		CHECK_INT(s->linux_.time_monotonic.secs, -10);
		CHECK_INT(s->linux_.time_monotonic.nanosecs, 5);
		CHECK(s->linux_.time_boottime.present);
		CHECK_INT(s->linux_.time_boottime.secs, 86400);
	}
	spec_free(s);

	s = OK(with_linux(""));
	if (s) {
		CHECK(s->has_linux && s->linux_.n_namespaces == 0);
		CHECK(!s->linux_.time_monotonic.present && !s->linux_.time_boottime.present);
	}
	spec_free(s);

	ERR(with_linux("'namespaces': [{'type': 'pid'}, {'type': 'foo'}]"),
	    "linux.namespaces[1].type: unknown namespace \"foo\"");
	ERR(with_linux("'namespaces': [{'type': 'pid'}, {'type': 'uts'}, {'type': 'pid'}]"),
	    "linux.namespaces[2].type: duplicate namespace \"pid\"");
	ERR(with_linux("'namespaces': [{'path': '/proc/1/ns/pid'}]"),
	    "linux.namespaces[0].type: required");
	ERR(with_linux("'namespaces': [{'type': 'net'}]"),
	    "linux.namespaces[0].type: unknown namespace \"net\"");
	ERR(with_linux("'namespaces': [{'type': 'pid', 'path': 3}]"),
	    "linux.namespaces[0].path: expected a string, got a number");
	ERR(with_linux("'namespaces': {'type': 'pid'}"),
	    "linux.namespaces: expected an array, got an object");
	ERR(with_linux("'uidMappings': [{'containerID': 0, 'hostID': 0}]"),
	    "linux.uidMappings[0].size: required");
	ERR(with_linux("'gidMappings': [{'containerID': 0, 'hostID': -1, 'size': 1}]"),
	    "linux.gidMappings[0].hostID: expected a non-negative integer");
	ERR(with_linux("'uidMappings': [{'containerID': 4294967296, 'hostID': 0, 'size': 1}]"),
	    "linux.uidMappings[0].containerID: 4294967296 is out of range (0 to 4294967295)");
	ERR(with_linux("'timeOffsets': {'realtime': {'secs': 1}}"),
	    "linux.timeOffsets: unknown clock \"realtime\"");
	ERR(with_linux("'timeOffsets': {'monotonic': {'nanosecs': 1000000000}}"),
	    "linux.timeOffsets.monotonic.nanosecs: 1000000000 is out of range (0 to 999999999)");
	ERR(with_linux("'timeOffsets': {'boottime': {'secs': '1'}}"),
	    "linux.timeOffsets.boottime.secs: expected an integer, got a string");
	ERR(with_linux("'timeOffsets': {'boottime': 5}"),
	    "linux.timeOffsets.boottime: expected an object, got a number");
}

static void test_devices(void)
{
	struct spec *s = OK(
	    with_linux("'devices': [{'type': 'c', 'path': '/dev/fuse', 'major': 10, 'minor': 229,"
		       "             'fileMode': 438, 'uid': 0, 'gid': 5},"
		       "{'type': 'b', 'path': '/dev/sda', 'major': 8, 'minor': 0},"
		       "{'type': 'u', 'path': '/dev/u', 'major': 1, 'minor': 2},"
		       "{'type': 'p', 'path': '/dev/fifo'}]"));
	if (s) {
		struct spec_device *d = s->linux_.devices;
		CHECK_INT(s->linux_.n_devices, 4);
		CHECK(d[0].type == 'c');
		CHECK_STR(d[0].path, "/dev/fuse");
		CHECK_INT(d[0].major, 10);
		CHECK_INT(d[0].minor, 229);
		CHECK(d[0].has_file_mode && d[0].file_mode == 0666);
		CHECK(d[0].has_uid && d[0].uid == 0);
		CHECK(d[0].has_gid && d[0].gid == 5);
		CHECK(d[1].type == 'b' && !d[1].has_file_mode && !d[1].has_uid && !d[1].has_gid);
		CHECK(d[2].type == 'u');
		CHECK(d[3].type == 'p');
	}
	spec_free(s);

	ERR(with_linux("'devices': [{'path': '/dev/x', 'major': 1, 'minor': 1}]"),
	    "linux.devices[0].type: required");
	ERR(with_linux("'devices': [{'type': 'x', 'path': '/dev/x', 'major': 1, 'minor': 1}]"),
	    "linux.devices[0].type: unknown device type \"x\"");
	ERR(with_linux("'devices': [{'type': 'cc', 'path': '/dev/x', 'major': 1, 'minor': 1}]"),
	    "linux.devices[0].type: unknown device type \"cc\"");
	ERR(with_linux("'devices': [{'type': 'c', 'major': 1, 'minor': 1}]"),
	    "linux.devices[0].path: required");
	ERR(with_linux("'devices': [{'type': 'c', 'path': 'dev/x', 'major': 1, 'minor': 1}]"),
	    "linux.devices[0].path: must be an absolute path, got \"dev/x\"");
	ERR(with_linux(
		"'devices': [{'type': 'c', 'path': '/dev/../../x', 'major': 1, 'minor': 3}]"),
	    "linux.devices[0].path: must be a clean path under /dev, got \"/dev/../../x\"");
	ERR(with_linux("'devices': [{'type': 'c', 'path': '/etc/x', 'major': 1, 'minor': 3}]"),
	    "linux.devices[0].path: must be a clean path under /dev, got \"/etc/x\"");
	ERR(with_linux("'devices': [{'type': 'c', 'path': '/dev/', 'major': 1, 'minor': 3}]"),
	    "linux.devices[0].path: must be a clean path under /dev, got \"/dev/\"");
	ERR(with_linux("'devices': [{'type': 'c', 'path': '/dev//x', 'major': 1, 'minor': 3}]"),
	    "linux.devices[0].path: must be a clean path under /dev, got \"/dev//x\"");
	ERR(with_linux("'maskedPaths': ['/proc/kcore', 'proc/keys']"),
	    "linux.maskedPaths[1]: must be an absolute path, got \"proc/keys\"");
	ERR(with_linux("'readonlyPaths': ['../sys']"),
	    "linux.readonlyPaths[0]: must be an absolute path, got \"../sys\"");
	CHECK(spec_path_is_clean("/"));
	CHECK(spec_path_is_clean("/dev/net/tun"));
	CHECK(spec_path_is_clean("/dev/..x"));
	CHECK(!spec_path_is_clean("dev/x"));
	CHECK(!spec_path_is_clean("/dev/../x"));
	CHECK(!spec_path_is_clean("/dev/./x"));
	CHECK(!spec_path_is_clean("/dev/x/"));
	CHECK(!spec_path_is_clean("/dev/x/.."));
	CHECK(!spec_path_is_clean("//dev"));
	CHECK(!spec_path_is_clean(""));
	ERR(with_linux("'devices': [{'type': 'c', 'path': '/dev/x', 'minor': 1}]"),
	    "linux.devices[0].major: required");
	ERR(with_linux("'devices': [{'type': 'b', 'path': '/dev/x', 'major': 1}]"),
	    "linux.devices[0].minor: required");
	ERR(with_linux("'devices': [{'type': 'c', 'path': '/dev/x', 'major': -1, 'minor': 1}]"),
	    "linux.devices[0].major: expected a non-negative integer");
	ERR(with_linux("'devices': [{'type': 'c', 'path': '/dev/x', 'major': 1, 'minor': 1,"
		       "'fileMode': -1}]"),
	    "linux.devices[0].fileMode: expected a non-negative integer");
	ERR(with_linux("'devices': [{'type': 'c', 'path': '/dev/x', 'major': 1, 'minor': 1,"
		       "'uid': 4294967295}]"),
	    "linux.devices[0].uid: 4294967295 is out of range (0 to 4294967294)");
	ERR(with_linux("'devices': [{'type': 'c', 'path': '/dev/x', 'major': 1, 'minor': 1,"
		       "'gid': 'root'}]"),
	    "linux.devices[0].gid: expected an integer, got a string");
}

static void test_linux_misc(void)
{
	struct spec *s = OK(with_linux(
	    "'cgroupsPath': '/capsule/x', 'rootfsPropagation': 'rslave',"
	    "'sysctl': {'net.ipv4.ip_forward': '1', 'kernel.msgmax': '65536'},"
	    "'maskedPaths': ['/proc/kcore', '/sys/firmware'], 'readonlyPaths': ['/proc/sys'],"
	    "'mountLabel': 'system_u:object_r:svirt_sandbox_file_t:s0',"
	    "'personality': {'domain': 'LINUX32', 'flags': []},"
	    "'intelRdt': {'closID': 'guaranteed', 'l3CacheSchema': 'L3:0=7f0',"
	    "             'memBwSchema': 'MB:0=20'}"));
	if (s) {
		struct spec_linux *l = &s->linux_;
		CHECK_STR(l->cgroups_path, "/capsule/x");
		CHECK(l->rootfs_propagation == (MS_SLAVE | MS_REC));
		CHECK_INT(l->n_sysctl, 2);
		CHECK_STR(l->sysctl[0].key, "net.ipv4.ip_forward");
		CHECK_STR(l->sysctl[0].value, "1");
		CHECK_STR(l->sysctl[1].value, "65536");
		CHECK_INT(l->n_masked_paths, 2);
		CHECK_STR(l->masked_paths[1], "/sys/firmware");
		CHECK(l->masked_paths[2] == NULL);
		CHECK_INT(l->n_readonly_paths, 1);
		CHECK_STR(l->readonly_paths[0], "/proc/sys");
		CHECK_STR(l->mount_label, "system_u:object_r:svirt_sandbox_file_t:s0");
		CHECK(l->personality.present && l->personality.domain == PER_LINUX32);
		CHECK(l->intel_rdt.present);
		CHECK_STR(l->intel_rdt.clos_id, "guaranteed");
		CHECK_STR(l->intel_rdt.l3_cache_schema, "L3:0=7f0");
		CHECK_STR(l->intel_rdt.mem_bw_schema, "MB:0=20");
	}
	spec_free(s);

	static const struct {
		const char *name;
		unsigned long flag;
	} props[] = {{"shared", MS_SHARED},
		     {"rshared", MS_SHARED | MS_REC},
		     {"slave", MS_SLAVE},
		     {"private", MS_PRIVATE},
		     {"rprivate", MS_PRIVATE | MS_REC},
		     {"unbindable", MS_UNBINDABLE},
		     {"runbindable", MS_UNBINDABLE | MS_REC}};
	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
		char extra[64];
		snprintf(extra, sizeof(extra), "'rootfsPropagation': '%s'", props[i].name);
		s = OK(with_linux(extra));
		if (s)
			CHECK(s->linux_.rootfs_propagation == props[i].flag);
		spec_free(s);
	}
	s = OK(with_linux("'rootfsPropagation': '', 'personality': {'domain': 'LINUX'}"));
	if (s) {
		CHECK(s->linux_.rootfs_propagation == 0);
		CHECK(s->linux_.personality.present && s->linux_.personality.domain == PER_LINUX);
		CHECK(!s->linux_.intel_rdt.present);
	}
	spec_free(s);

	ERR(with_linux("'rootfsPropagation': 'sideways'"),
	    "linux.rootfsPropagation: unknown propagation \"sideways\"");
	ERR(with_linux("'rootfsPropagation': 'ro'"),
	    "linux.rootfsPropagation: unknown propagation \"ro\"");
	ERR(with_linux("'rootfsPropagation': 1"),
	    "linux.rootfsPropagation: expected a string, got a number");
	ERR(with_linux("'cgroupsPath': ['a']"),
	    "linux.cgroupsPath: expected a string, got an array");
	ERR(with_linux("'sysctl': {'kernel.x': 1}"),
	    "linux.sysctl.kernel.x: expected a string, got a number");
	ERR(with_linux("'sysctl': ['a=b']"), "linux.sysctl: expected an object, got an array");
	ERR(with_linux("'maskedPaths': [1]"),
	    "linux.maskedPaths[0]: expected a string, got a number");
	ERR(with_linux("'readonlyPaths': '/proc'"),
	    "linux.readonlyPaths: expected an array, got a string");
	ERR(with_linux("'mountLabel': 0"), "linux.mountLabel: expected a string, got a number");
	ERR(with_linux("'personality': {}"), "linux.personality.domain: required");
	ERR(with_linux("'personality': {'domain': 'BSD'}"),
	    "linux.personality.domain: unknown personality domain \"BSD\"");
	ERR(with_linux("'personality': {'domain': 'LINUX', 'flags': [1]}"),
	    "linux.personality.flags[0]: expected a string, got a number");
	ERR(with_linux("'intelRdt': {'closID': 1}"),
	    "linux.intelRdt.closID: expected a string, got a number");
	ERR(with_linux("'resources': []"), "linux.resources: expected an object, got an array");
}

/* ---- resources --------------------------------------------------------- */

static void test_resources(void)
{
	struct spec *s = OK(with_resources(
	    "'devices': [{'allow': false, 'access': 'rwm'},"
	    "            {'allow': true, 'type': 'c', 'major': 1, 'minor': 3, 'access': 'rw'},"
	    "            {'allow': true, 'type': 'b', 'major': -1}],"
	    "'memory': {'limit': 536870912, 'reservation': -1, 'swap': 1073741824,"
	    "           'kernel': -1, 'kernelTCP': 0, 'swappiness': 60, 'disableOOMKiller': true,"
	    "           'useHierarchy': false, 'checkBeforeUpdate': true},"
	    "'cpu': {'shares': 1024, 'quota': -1, 'burst': 1000, 'period': 100000,"
	    "        'realtimeRuntime': 950000, 'realtimePeriod': 1000000, 'cpus': '0-1',"
	    "        'mems': '0', 'idle': 1},"
	    "'pids': {'limit': 100},"
	    "'blockIO': {'weight': 500, 'leafWeight': 300,"
	    "  'weightDevice': [{'major': 8, 'minor': 0, 'weight': 600}],"
	    "  'throttleReadBpsDevice': [{'major': 8, 'minor': 0, 'rate': 1048576}],"
	    "  'throttleWriteBpsDevice': [{'major': 8, 'minor': 16, 'rate': 2}],"
	    "  'throttleReadIOPSDevice': [{'major': 8, 'minor': 0, 'rate': 3}],"
	    "  'throttleWriteIOPSDevice': [{'major': 8, 'minor': 0, 'rate': 4},"
	    "                              {'major': 9, 'minor': 1, 'rate': 5}]},"
	    "'hugepageLimits': [{'pageSize': '2MB', 'limit': 209715200}],"
	    "'network': {'classID': 1048577, 'priorities': [{'name': 'eth0', 'priority': 500},"
	    "                                              {'name': 'lo', 'priority': 1}]},"
	    "'unified': {'memory.high': '1G', 'io.weight': 'default 100'}"));
	if (s) {
		struct spec_resources *r = &s->linux_.resources;
		CHECK(r->present);
		CHECK_INT(r->n_devices, 3);
		CHECK(!r->devices[0].allow && r->devices[0].type == 'a');
		CHECK(!r->devices[0].has_major && r->devices[0].major == -1);
		CHECK(r->devices[0].minor == -1);
		CHECK_STR(r->devices[0].access, "rwm");
		CHECK(r->devices[1].allow && r->devices[1].type == 'c');
		CHECK(r->devices[1].has_major && r->devices[1].major == 1);
		CHECK(r->devices[1].has_minor && r->devices[1].minor == 3);
		CHECK_STR(r->devices[1].access, "rw");
		CHECK(r->devices[2].type == 'b' && r->devices[2].has_major);
		CHECK(r->devices[2].major == -1 && !r->devices[2].has_minor);
		CHECK(r->devices[2].access == NULL);

		CHECK(r->memory.limit.set && r->memory.limit.v == 536870912);
		CHECK(r->memory.reservation.set && r->memory.reservation.v == -1);
		CHECK(r->memory.swap.set && r->memory.swap.v == 1073741824);
		CHECK(r->memory.kernel.set && r->memory.kernel.v == -1);
		CHECK(r->memory.kernel_tcp.set && r->memory.kernel_tcp.v == 0);
		CHECK(r->memory.swappiness.set && r->memory.swappiness.v == 60);
		CHECK(r->memory.has_disable_oom_killer && r->memory.disable_oom_killer);
		CHECK(r->memory.has_use_hierarchy && !r->memory.use_hierarchy);
		CHECK(r->memory.has_check_before_update && r->memory.check_before_update);

		CHECK(r->cpu.shares.set && r->cpu.shares.v == 1024);
		CHECK(r->cpu.quota.set && r->cpu.quota.v == -1);
		CHECK(r->cpu.burst.set && r->cpu.burst.v == 1000);
		CHECK(r->cpu.period.set && r->cpu.period.v == 100000);
		CHECK(r->cpu.realtime_runtime.set && r->cpu.realtime_runtime.v == 950000);
		CHECK(r->cpu.realtime_period.set && r->cpu.realtime_period.v == 1000000);
		CHECK_STR(r->cpu.cpus, "0-1");
		CHECK_STR(r->cpu.mems, "0");
		CHECK(r->cpu.idle.set && r->cpu.idle.v == 1);

		CHECK(r->pids.set && r->pids.limit == 100);

		CHECK(r->block_io.weight.set && r->block_io.weight.v == 500);
		CHECK(r->block_io.leaf_weight.set && r->block_io.leaf_weight.v == 300);
		CHECK_INT(r->block_io.n_weight_devices, 1);
		CHECK(r->block_io.weight_devices[0].has_weight);
		CHECK_INT(r->block_io.weight_devices[0].weight, 600);
		CHECK(!r->block_io.weight_devices[0].has_leaf_weight);
		CHECK_INT(r->block_io.n_read_bps, 1);
		CHECK_INT(r->block_io.read_bps[0].rate, 1048576);
		CHECK_INT(r->block_io.write_bps[0].minor, 16);
		CHECK_INT(r->block_io.read_iops[0].rate, 3);
		CHECK_INT(r->block_io.n_write_iops, 2);
		CHECK_INT(r->block_io.write_iops[1].major, 9);

		CHECK_INT(r->n_hugepage_limits, 1);
		CHECK_STR(r->hugepage_limits[0].page_size, "2MB");
		CHECK_INT(r->hugepage_limits[0].limit, 209715200);

		CHECK(r->network.has_class_id && r->network.class_id == 1048577);
		CHECK_INT(r->network.n_priorities, 2);

		CHECK_INT(r->n_unified, 2);
		CHECK_STR(r->unified[1].key, "io.weight");
		CHECK_STR(r->unified[1].value, "default 100");
	}
	spec_free(s);

	s = OK(with_resources(""));
	if (s) {
		struct spec_resources *r = &s->linux_.resources;
		CHECK(r->present && !r->memory.limit.set && !r->cpu.shares.set && !r->pids.set);
		CHECK(!r->network.has_class_id && r->n_devices == 0);
	}
	spec_free(s);
}

static void test_resources_errors(void)
{
	ERR(with_resources("'devices': [{'access': 'rwm'}]"),
	    "linux.resources.devices[0].allow: required");
	ERR(with_resources("'devices': [{'allow': 'no'}]"),
	    "linux.resources.devices[0].allow: expected a boolean, got a string");
	ERR(with_resources("'devices': [{'allow': true, 'type': 'u'}]"),
	    "linux.resources.devices[0].type: unknown device type \"u\"");
	ERR(with_resources("'devices': [{'allow': true, 'access': 'rwx'}]"),
	    "linux.resources.devices[0].access: invalid access \"rwx\" (expected letters of "
	    "\"rwm\")");
	ERR(with_resources("'devices': [{'allow': true, 'major': -2}]"),
	    "linux.resources.devices[0].major: -2 is out of range (-1 to 9223372036854775807)");
	ERR(with_resources("'memory': {'limit': -2}"),
	    "linux.resources.memory.limit: -2 is out of range (-1 to 9223372036854775807)");
	ERR(with_resources("'memory': {'limit': '1G'}"),
	    "linux.resources.memory.limit: expected an integer, got a string");
	ERR(with_resources("'memory': {'swap': 9223372036854775808}"),
	    "linux.resources.memory.swap: 9223372036854775808 is out of range");
	ERR(with_resources("'memory': {'swappiness': 101}"),
	    "linux.resources.memory.swappiness: 101 is out of range (0 to 100)");
	ERR(with_resources("'memory': {'swappiness': -1}"),
	    "linux.resources.memory.swappiness: expected a non-negative integer");
	ERR(with_resources("'memory': {'disableOOMKiller': 1}"),
	    "linux.resources.memory.disableOOMKiller: expected a boolean, got a number");
	ERR(with_resources("'memory': []"),
	    "linux.resources.memory: expected an object, got an array");
	ERR(with_resources("'cpu': {'shares': -1}"),
	    "linux.resources.cpu.shares: expected a non-negative integer");
	ERR(with_resources("'cpu': {'quota': -5}"),
	    "linux.resources.cpu.quota: -5 is out of range (-1 to 9223372036854775807)");
	ERR(with_resources("'cpu': {'cpus': 3}"),
	    "linux.resources.cpu.cpus: expected a string, got a number");
	ERR(with_resources("'cpu': {'realtimePeriod': 1.5}"),
	    "linux.resources.cpu.realtimePeriod: expected an integer, got 1.5");
	ERR(with_resources("'pids': {'limit': '10'}"),
	    "linux.resources.pids.limit: expected an integer, got a string");
	ERR(with_resources("'blockIO': {'weight': 65536}"),
	    "linux.resources.blockIO.weight: 65536 is out of range (0 to 65535)");
	ERR(with_resources("'blockIO': {'weightDevice': [{'minor': 0, 'weight': 1}]}"),
	    "linux.resources.blockIO.weightDevice[0].major: required");
	ERR(with_resources("'blockIO': {'weightDevice': [{'major': 8, 'minor': 0,"
			   "'leafWeight': 70000}]}"),
	    "linux.resources.blockIO.weightDevice[0].leafWeight: 70000 is out of range (0 to "
	    "65535)");
	ERR(with_resources("'blockIO': {'throttleReadBpsDevice': [{'major': 8, 'minor': 0}]}"),
	    "linux.resources.blockIO.throttleReadBpsDevice[0].rate: required");
	ERR(with_resources("'blockIO': {'throttleWriteIOPSDevice': [{'major': 8, 'rate': 1}]}"),
	    "linux.resources.blockIO.throttleWriteIOPSDevice[0].minor: required");
	ERR(with_resources("'hugepageLimits': [{'limit': 1}]"),
	    "linux.resources.hugepageLimits[0].pageSize: required");
	ERR(with_resources("'hugepageLimits': [{'pageSize': '2MB'}]"),
	    "linux.resources.hugepageLimits[0].limit: required");
	ERR(with_resources("'network': {'classID': -1}"),
	    "linux.resources.network.classID: expected a non-negative integer");
	ERR(with_resources("'network': {'priorities': [{'priority': 1}]}"),
	    "linux.resources.network.priorities[0].name: required");
	ERR(with_resources("'network': {'priorities': [{'name': 'eth0'}]}"),
	    "linux.resources.network.priorities[0].priority: required");
	ERR(with_resources("'unified': {'memory.max': 100}"),
	    "linux.resources.unified.memory.max: expected a string, got a number");
}

static void test_parse_resources(void)
{
	const char *j = "{\"memory\": {\"limit\": 1048576, \"swap\": -1},"
			" \"cpu\": {\"shares\": 512, \"cpus\": \"0\"}, \"pids\": {\"limit\": -1},"
			" \"unified\": {\"cpu.weight\": \"100\"}}";
	struct cap_error *err = NULL;
	struct spec_resources *r = spec_parse_resources(j, strlen(j), &err);
	CHECK(r != NULL && err == NULL);
	if (r) {
		CHECK(r->present);
		CHECK(r->memory.limit.set && r->memory.limit.v == 1048576);
		CHECK(r->memory.swap.set && r->memory.swap.v == -1);
		CHECK(r->cpu.shares.v == 512);
		CHECK_STR(r->cpu.cpus, "0");
		CHECK(r->pids.set && r->pids.limit == -1);
		CHECK_STR(r->unified[0].key, "cpu.weight");
	}
	spec_resources_free(r);
	cap_error_free(err);

	err = NULL;
	r = spec_parse_resources("{}", 2, &err);
	CHECK(r && r->present && !r->memory.limit.set);
	spec_resources_free(r);
	cap_error_free(err);

	RES_ERR("{'memory': {'limit': true}}", "memory.limit: expected an integer, got a boolean");
	RES_ERR("{'devices': [{'allow': true, 'access': 'q'}]}",
		"devices[0].access: invalid access \"q\" (expected letters of \"rwm\")");
	RES_ERR("[]", "expected an object, got an array");
	RES_ERR("{'memory': ", "resources: parse error: premature EOF");
	spec_resources_free(NULL);
}

static void test_parse_process(void)
{
	const char *j = "{\"args\": [\"ls\", \"-l\"], \"env\": [\"A=1\"], \"cwd\": \"/tmp\","
			" \"user\": {\"uid\": 5, \"gid\": 6}, \"terminal\": true,"
			" \"capabilities\": {\"bounding\": [\"CAP_KILL\"]},"
			" \"rlimits\": [{\"type\": \"RLIMIT_NPROC\", \"soft\": 1, \"hard\": 2}]}";
	struct cap_error *err = NULL;
	struct spec_process *p = spec_parse_process(j, strlen(j), &err);
	CHECK(p != NULL && err == NULL);
	if (p) {
		CHECK_INT(p->n_args, 2);
		CHECK_STR(p->args[1], "-l");
		CHECK(p->args[2] == NULL);
		CHECK_STR(p->env[0], "A=1");
		CHECK_STR(p->cwd, "/tmp");
		CHECK(p->user.uid == 5 && p->user.gid == 6);
		CHECK(p->terminal);
		CHECK(p->has_capabilities && p->caps.bounding == BIT(5));
		CHECK(p->n_rlimits == 1 && p->rlimits[0].resource == RLIMIT_NPROC);
	}
	spec_process_free(p);
	cap_error_free(err);

	PROC_ERR("{}", "args: required");
	PROC_ERR("{'args': ['x'], 'user': {'uid': -1}}",
		 "user.uid: expected a non-negative integer");
	PROC_ERR("{'args': ['x'], 'commandLine': 'x'}", "commandLine: not supported on Linux");
	PROC_ERR("{'args': ['x'], 'capabilities': {'ambient': ['CAP_NOPE']}}",
		 "capabilities.ambient[0]: unknown capability \"CAP_NOPE\"");
	PROC_ERR("'sh'", "expected an object, got a string");
	PROC_ERR("{'args': [", "process: parse error: premature EOF");
	spec_process_free(NULL);
}

/* ---- seccomp ------------------------------------------------------------ */

static void test_seccomp(void)
{
	struct spec *s =
	    OK(with_linux("'seccomp': {'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 1,"
			  "'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_AARCH64'],"
			  "'flags': ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'],"
			  "'listenerPath': '/run/agent.sock', 'listenerMetadata': 'meta',"
			  "'syscalls': [{'names': ['read', 'write'], 'action': 'SCMP_ACT_ALLOW'},"
			  "  {'names': ['personality'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 38,"
			  "   'args': [{'index': 0, 'value': 4294967295, 'op': 'SCMP_CMP_EQ'},"
			  "            {'index': 5, 'value': 255, 'valueTwo': 18446744073709551615,"
			  "             'op': 'SCMP_CMP_MASKED_EQ'}]},"
			  "  {'names': ['mkdir'], 'action': 'SCMP_ACT_NOTIFY'}]}"));
	if (s) {
		struct spec_seccomp *sc = s->linux_.seccomp;
		CHECK(sc != NULL);
		if (sc) {
			CHECK(sc->default_action == SCMP_ACT_ERRNO(0));
			CHECK(sc->has_default_errno_ret && sc->default_errno_ret == 1);
			CHECK_INT(sc->n_architectures, 2);
			CHECK(sc->architectures[0] == SCMP_ARCH_X86_64);
			CHECK(sc->architectures[1] == SCMP_ARCH_AARCH64);
			CHECK(sc->flags ==
			      (SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW));
			CHECK_STR(sc->listener_path, "/run/agent.sock");
			CHECK_STR(sc->listener_metadata, "meta");
			CHECK_INT(sc->n_syscalls, 3);
			CHECK_INT(sc->syscalls[0].n_names, 2);
			CHECK_STR(sc->syscalls[0].names[1], "write");
			CHECK(sc->syscalls[0].names[2] == NULL);
			CHECK(sc->syscalls[0].action == SCMP_ACT_ALLOW);
			CHECK(!sc->syscalls[0].has_errno_ret && sc->syscalls[0].n_args == 0);
			struct spec_seccomp_syscall *p = &sc->syscalls[1];
			CHECK(p->has_errno_ret && p->errno_ret == 38);
			CHECK_INT(p->n_args, 2);
			CHECK(p->args[0].index == 0 && p->args[0].value == 4294967295u);
			CHECK(p->args[0].op == SCMP_CMP_EQ && p->args[0].value_two == 0);
			CHECK(p->args[1].index == 5 && p->args[1].value_two == UINT64_MAX);
			CHECK(p->args[1].op == SCMP_CMP_MASKED_EQ);
			CHECK(sc->syscalls[2].action == SCMP_ACT_NOTIFY);
		}
	}
	spec_free(s);

	s = OK(with_linux("'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW'}"));
	if (s && s->linux_.seccomp) {
		CHECK(s->linux_.seccomp->default_action == SCMP_ACT_ALLOW);
		CHECK(!s->linux_.seccomp->has_default_errno_ret);
		CHECK(s->linux_.seccomp->n_syscalls == 0 && s->linux_.seccomp->flags == 0);
	}
	spec_free(s);

#define SC(x) with_linux("'seccomp': {" x "}")
	ERR(SC("'syscalls': []"), "linux.seccomp.defaultAction: required");
	ERR(SC("'defaultAction': 'SCMP_ACT_BOOM'"),
	    "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_BOOM\"");
	ERR(SC("'defaultAction': 'SCMP_ACT_KILL', 'defaultErrnoRet': -1"),
	    "linux.seccomp.defaultErrnoRet: expected a non-negative integer");
	ERR(SC("'defaultAction': 'SCMP_ACT_KILL', 'architectures': ['SCMP_ARCH_X86', "
	       "'SCMP_ARCH_Z80']"),
	    "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_Z80\"");
	ERR(SC("'defaultAction': 'SCMP_ACT_KILL', 'flags': ['SECCOMP_FILTER_FLAG_NOPE']"),
	    "linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_NOPE\"");
	ERR(SC("'defaultAction': 'SCMP_ACT_KILL', 'flags': 'SECCOMP_FILTER_FLAG_LOG'"),
	    "linux.seccomp.flags: expected an array, got a string");
	ERR(SC("'defaultAction': 'SCMP_ACT_KILL', 'listenerPath': 1"),
	    "linux.seccomp.listenerPath: expected a string, got a number");
	ERR(SC("'defaultAction': 'SCMP_ACT_KILL', 'syscalls': [{'action': 'SCMP_ACT_ALLOW'}]"),
	    "linux.seccomp.syscalls[0].names: required");
	ERR(SC("'defaultAction': 'SCMP_ACT_KILL', 'syscalls': [{'names': [],"
	       "'action': 'SCMP_ACT_ALLOW'}]"),
	    "linux.seccomp.syscalls[0].names: required");
	ERR(SC("'defaultAction': 'SCMP_ACT_KILL', 'syscalls': [{'names': ['read']}]"),
	    "linux.seccomp.syscalls[0].action: required");
	ERR(SC("'defaultAction': 'SCMP_ACT_KILL', 'syscalls': [{'names': ['read'],"
	       "'action': 'ALLOW'}]"),
	    "linux.seccomp.syscalls[0].action: unknown action \"ALLOW\"");
	ERR(SC("'defaultAction': 'SCMP_ACT_KILL', 'syscalls': [{'names': ['read'],"
	       "'action': 'SCMP_ACT_ERRNO', 'errnoRet': 4294967296}]"),
	    "linux.seccomp.syscalls[0].errnoRet: 4294967296 is out of range (0 to 4294967295)");
	ERR(SC("'defaultAction': 'SCMP_ACT_KILL', 'syscalls': [{'names': ['read'],"
	       "'action': 'SCMP_ACT_ALLOW', 'args': [{'index': 6, 'value': 1, 'op': "
	       "'SCMP_CMP_EQ'}]}]"),
	    "linux.seccomp.syscalls[0].args[0].index: 6 is out of range (0 to 5)");
	ERR(SC("'defaultAction': 'SCMP_ACT_KILL', 'syscalls': [{'names': ['read'],"
	       "'action': 'SCMP_ACT_ALLOW', 'args': [{'value': 1, 'op': 'SCMP_CMP_EQ'}]}]"),
	    "linux.seccomp.syscalls[0].args[0].index: required");
	ERR(SC("'defaultAction': 'SCMP_ACT_KILL', 'syscalls': [{'names': ['read'],"
	       "'action': 'SCMP_ACT_ALLOW', 'args': [{'index': 0, 'op': 'SCMP_CMP_EQ'}]}]"),
	    "linux.seccomp.syscalls[0].args[0].value: required");
	ERR(SC("'defaultAction': 'SCMP_ACT_KILL', 'syscalls': [{'names': ['read'],"
	       "'action': 'SCMP_ACT_ALLOW', 'args': [{'index': 0, 'value': 1}]}]"),
	    "linux.seccomp.syscalls[0].args[0].op: required");
	ERR(SC("'defaultAction': 'SCMP_ACT_KILL', 'syscalls': [{'names': ['read'],"
	       "'action': 'SCMP_ACT_ALLOW', 'args': [{'index': 0, 'value': 1, 'op': 'EQ'}]}]"),
	    "linux.seccomp.syscalls[0].args[0].op: unknown operator \"EQ\"");
	ERR(SC("'defaultAction': 'SCMP_ACT_KILL', 'syscalls': [{'names': ['read', 2],"
	       "'action': 'SCMP_ACT_ALLOW'}]"),
	    "linux.seccomp.syscalls[0].names[1]: expected a string, got a number");
	ERR(with_linux("'seccomp': []"), "linux.seccomp: expected an object, got an array");
#undef SC
}

/* ---- a full config ------------------------------------------------------- */

/* `runc spec` output, plus one of everything else. */
static const char full_config[] =
    "{'ociVersion': '1.2.0',"
    " 'process': {'terminal': true, 'user': {'uid': 0, 'gid': 0},"
    "  'args': ['sh'],"
    "  'env': ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',"
    "          'TERM=xterm'],"
    "  'cwd': '/',"
    "  'capabilities': {"
    "   'bounding': ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],"
    "   'effective': ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],"
    "   'permitted': ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],"
    "   'ambient': ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE']},"
    "  'rlimits': [{'type': 'RLIMIT_NOFILE', 'hard': 1024, 'soft': 1024}],"
    "  'noNewPrivileges': true, 'oomScoreAdj': 100},"
    " 'root': {'path': 'rootfs', 'readonly': true},"
    " 'hostname': 'runc',"
    " 'mounts': ["
    "  {'destination': '/proc', 'type': 'proc', 'source': 'proc'},"
    "  {'destination': '/dev', 'type': 'tmpfs', 'source': 'tmpfs',"
    "   'options': ['nosuid', 'strictatime', 'mode=755', 'size=65536k']},"
    "  {'destination': '/dev/pts', 'type': 'devpts', 'source': 'devpts',"
    "   'options': ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5']},"
    "  {'destination': '/dev/shm', 'type': 'tmpfs', 'source': 'shm',"
    "   'options': ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k']},"
    "  {'destination': '/dev/mqueue', 'type': 'mqueue', 'source': 'mqueue',"
    "   'options': ['nosuid', 'noexec', 'nodev']},"
    "  {'destination': '/sys', 'type': 'sysfs', 'source': 'sysfs',"
    "   'options': ['nosuid', 'noexec', 'nodev', 'ro']},"
    "  {'destination': '/sys/fs/cgroup', 'type': 'cgroup', 'source': 'cgroup',"
    "   'options': ['nosuid', 'noexec', 'nodev', 'relatime', 'ro']}],"
    " 'hooks': {'createRuntime': [{'path': '/usr/bin/netns-setup', 'timeout': 10}]},"
    " 'annotations': {'org.opencontainers.image.ref.name': 'busybox'},"
    " 'linux': {"
    "  'resources': {'devices': [{'allow': false, 'access': 'rwm'}],"
    "                'memory': {'limit': 268435456}, 'pids': {'limit': 64}},"
    "  'cgroupsPath': 'system.slice:capsule:full',"
    "  'namespaces': [{'type': 'pid'}, {'type': 'network'}, {'type': 'ipc'},"
    "                 {'type': 'uts'}, {'type': 'mount'}, {'type': 'cgroup'}],"
    "  'devices': [{'type': 'c', 'path': '/dev/fuse', 'major': 10, 'minor': 229}],"
    "  'sysctl': {'net.ipv4.ping_group_range': '0 2147483647'},"
    "  'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW',"
    "              'syscalls': [{'names': ['kexec_load'], 'action': 'SCMP_ACT_ERRNO'}]},"
    "  'rootfsPropagation': 'private',"
    "  'maskedPaths': ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys',"
    "    '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug',"
    "    '/sys/firmware', '/proc/scsi'],"
    "  'readonlyPaths': ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys',"
    "    '/proc/sysrq-trigger']}}";

static void check_full(const struct spec *s)
{
	CHECK_STR(s->oci_version, "1.2.0");
	CHECK(s->root_readonly);
	CHECK(s->has_process && s->process.terminal);
	CHECK(s->process.caps.ambient == (BIT(29) | BIT(5) | BIT(10)));
	CHECK(s->process.n_rlimits == 1 && s->process.rlimits[0].hard == 1024);
	CHECK(s->process.no_new_privileges && s->process.oom_score_adj == 100);
	CHECK_STR(s->hostname, "runc");
	CHECK_INT(s->n_mounts, 7);
	CHECK_STR(s->mounts[6].destination, "/sys/fs/cgroup");
	CHECK_INT(s->mounts[2].n_options, 6);
	CHECK_INT(s->hooks.count[HOOK_CREATE_RUNTIME], 1);
	CHECK_INT(s->hooks.count[HOOK_PRESTART], 0);
	CHECK_STR(s->annotations[0].value, "busybox");
	CHECK(s->has_linux);
	CHECK_INT(s->linux_.n_namespaces, 6);
	CHECK(spec_find_namespace(s, CLONE_NEWCGROUP) != NULL);
	CHECK(spec_find_namespace(s, CLONE_NEWUSER) == NULL);
	CHECK(s->linux_.resources.present && s->linux_.resources.pids.limit == 64);
	CHECK_STR(s->linux_.cgroups_path, "system.slice:capsule:full");
	CHECK_INT(s->linux_.n_devices, 1);
	CHECK(s->linux_.seccomp && s->linux_.seccomp->n_syscalls == 1);
	CHECK(s->linux_.rootfs_propagation == MS_PRIVATE);
	CHECK_INT(s->linux_.n_masked_paths, 10);
	CHECK_INT(s->linux_.n_readonly_paths, 5);
}

static void test_full_config(void)
{
	struct spec *s = OK(q(full_config));
	if (s)
		check_full(s);
	spec_free(s);
}

static void test_load(void)
{
	char dir[] = "/tmp/test_spec.XXXXXX";
	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	char path[64];
	snprintf(path, sizeof(path), "%s/config.json", dir);
	char *json = q(full_config);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(json, f);
		fclose(f);
	}
	free(json);

	struct cap_error *err = NULL;
	struct spec *s = spec_load(path, &err);
	CHECK(s != NULL && err == NULL);
	if (s)
		check_full(s);
	spec_free(s);
	cap_error_free(err);

	/* malformed on disk */
	f = fopen(path, "w");
	if (f) {
		fputs("{\"ociVersion\": ", f);
		fclose(f);
	}
	err = NULL;
	s = spec_load(path, &err);
	CHECK(!s && err);
	if (err)
		CHECK_STR(err->msg, "config.json: parse error: premature EOF");
	cap_error_free(err);

	/* empty file */
	f = fopen(path, "w");
	if (f)
		fclose(f);
	err = NULL;
	s = spec_load(path, &err);
	CHECK(!s && err);
	cap_error_free(err);
	unlink(path);

	err = NULL;
	s = spec_load(path, &err);
	CHECK(!s && err);
	if (err) {
		char want[128];
		snprintf(want, sizeof(want), "open %s: No such file or directory", path);
		CHECK_STR(err->msg, want);
		CHECK_INT(err->errnum, ENOENT);
	}
	cap_error_free(err);

	/* a directory: read fails with EISDIR */
	err = NULL;
	s = spec_load(dir, &err);
	CHECK(!s && err && err->errnum == EISDIR);
	cap_error_free(err);
	rmdir(dir);

	/* not a regular file: size unknown to stat */
	err = NULL;
	s = spec_load("/dev/null", &err);
	CHECK(!s && err);
	cap_error_free(err);
}

/* Errors deep in arrays must free what was built before them (valgrind). */
static void test_partial_cleanup(void)
{
	ERR(q("{'ociVersion': '1.0.0', 'root': {'path': 'r'}, 'hostname': 'h',"
	      " 'annotations': {'a': 'b'},"
	      " 'mounts': [{'destination': '/a', 'options': ['x', 'y']}],"
	      " 'hooks': {'prestart': [{'path': '/x', 'args': ['a']}]},"
	      " 'process': {'args': ['a', 'b'], 'env': ['X=1'], 'cwd': '/',"
	      "  'user': {'additionalGids': [1, 2]},"
	      "  'rlimits': [{'type': 'RLIMIT_AS', 'soft': 1, 'hard': 1}],"
	      "  'execCPUAffinity': {'initial': '1'}},"
	      " 'linux': {'namespaces': [{'type': 'pid', 'path': '/p'}],"
	      "  'sysctl': {'a': 'b'}, 'maskedPaths': ['/m'],"
	      "  'devices': [{'type': 'c', 'path': '/dev/x', 'major': 1, 'minor': 1}],"
	      "  'resources': {'devices': [{'allow': true, 'access': 'r'}],"
	      "    'hugepageLimits': [{'pageSize': '2MB', 'limit': 1}],"
	      "    'unified': {'a': 'b'}, 'cpu': {'cpus': '1'}},"
	      "  'seccomp': {'defaultAction': 'SCMP_ACT_KILL', 'architectures': ['SCMP_ARCH_X86'],"
	      "   'syscalls': [{'names': ['read'], 'action': 'SCMP_ACT_ALLOW',"
	      "                 'args': [{'index': 0, 'value': 1, 'op': 'SCMP_CMP_EQ'}]},"
	      "                {'names': ['write', 'close'], 'action': 'SCMP_ACT_X'}]}}}"),
	    "linux.seccomp.syscalls[1].action: unknown action \"SCMP_ACT_X\"");
	ERR(q("{'ociVersion': '1.0.0', 'root': {'path': 'r'},"
	      " 'mounts': [{'destination': '/a', 'options': ['x', 'y', 3]}]}"),
	    "mounts[0].options[2]: expected a string, got a number");
	ERR(q("{'ociVersion': '1.0.0', 'root': {'path': 'r'},"
	      " 'annotations': {'a': 'b', 'c': 'd', 'e': null}}"),
	    "annotations.e: expected a string, got null");
}

int main(void)
{
	test_minimal();
	test_top_level_errors();
	test_malformed();
	test_process_basic();
	test_process_errors();
	test_capabilities();
	test_rlimits();
	test_scheduler_ioprio_affinity();
	test_mounts();
	test_hooks();
	test_namespaces_and_mappings();
	test_devices();
	test_linux_misc();
	test_resources();
	test_resources_errors();
	test_parse_resources();
	test_parse_process();
	test_seccomp();
	test_full_config();
	test_load();
	test_partial_cleanup();
	return UNIT_DONE();
}
