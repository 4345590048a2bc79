/* `job check`: the job run as given, once more unchanged, and once under each variation a
 * reproducible step must not depend on; every output (and stdout/stderr) compared.  In the
 * spirit of Debian's reprotest.
 *
 * Timing: the wall clock cannot be shifted (time namespaces move only monotonic and
 * boottime), so each variation runs side by side with an unchanged reference run, timed
 * so that both read the same wall-clock second (run_pair): only the variation tells them
 * apart.  The clock variation is the exception: it starts one or more
 * seconds after the first run, with monotonic and boottime shifted by 400 days.  An output
 * that differs between the first two unchanged runs is reported as run-to-run (randomness,
 * or a clock read finer than a second) and not blamed on a variation. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "../lib/cleanup.h"
#include "../lib/file.h"
#include "internal.h"

enum { V_BASE, V_CONTROL, V_HOSTNAME, V_ENV, V_CPUS, V_TMP, V_INPUTS, V_CLOCK, V_N };
static const char *const names[V_N] = {"baseline", "run-to-run", "hostname",	"env-order",
				       "cpus",	   "tmp-layout", "input-paths", "clock"};

struct run {
	struct job_variation v;
	struct job_spec s;
	char *dir, *out, *rec;
	pid_t pid;
	int status;
};

static int copy_tree(const char *src, const char *dst, struct cap_error **err);

static int copy_file(const char *src, const char *dst, mode_t mode, struct cap_error **err)
{
	cleanup_close int in = open(src, O_RDONLY | O_CLOEXEC);
	cleanup_close int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 07777);
	if (in < 0 || out < 0)
		return cap_fail(err, errno, "copy %s", src);
	char buf[1 << 16];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (cap_write_all(out, buf, (size_t)n) < 0)
			return cap_fail(err, errno, "write %s", dst);
	return n < 0 ? cap_fail(err, errno, "read %s", src) : 0;
}

static int copy_tree(const char *src, const char *dst, struct cap_error **err)
{
	struct stat st;
	if (lstat(src, &st) < 0)
		return cap_fail(err, errno, "stat %s", src);
	if (S_ISREG(st.st_mode))
		return copy_file(src, dst, st.st_mode, err);
	if (S_ISLNK(st.st_mode)) {
		char t[4096];
		ssize_t n = readlink(src, t, sizeof(t) - 1);
		if (n < 0)
			return cap_fail(err, errno, "readlink %s", src);
		t[n] = '\0';
		return symlink(t, dst) < 0 ? cap_fail(err, errno, "symlink %s", dst) : 0;
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (mkdir(dst, st.st_mode & 07777) < 0)
		return cap_fail(err, errno, "mkdir %s", dst);
	cleanup_dir DIR *d = opendir(src);
	if (!d)
		return cap_fail(err, errno, "open %s", src);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		cleanup_free char *a = cap_strdupf("%s/%s", src, e->d_name);
		cleanup_free char *b = cap_strdupf("%s/%s", dst, e->d_name);
		if (!a || !b)
			return cap_fail(err, ENOMEM, "copy");
		if (copy_tree(a, b, err) < 0)
			return -1;
	}
	return 0;
}

/* The variation of each run, relative to the spec as given. */
static int vary(struct run *r, int i, const struct job_spec *s, const char *base,
		const char *suffix, struct cap_error **err)
{
	r->s = *s;
	r->dir = cap_strdupf("%s/%s%s", base, names[i], suffix);
	r->out = cap_strdupf("%s/output", r->dir ? r->dir : "");
	r->rec = cap_strdupf("%s/record.json", r->dir ? r->dir : "");
	if (!r->dir || !r->out || !r->rec || mkdir(r->dir, 0700) < 0)
		return cap_fail(err, errno ? errno : ENOMEM, "check dir %s", base);
	r->s.output = r->out;
	r->s.record = r->rec;
	switch (*suffix ? V_BASE : i) {
	case V_HOSTNAME:
		r->v.hostname = "check-host.example";
		break;
	case V_ENV:
		r->v.reverse_env = true;
		break;
	case V_CPUS: {
		long have = sysconf(_SC_NPROCESSORS_ONLN);
		unsigned now = s->cpus ? s->cpus : (unsigned)have;
		r->v.cpus = now == 1 ? 2 : 1;
		if (r->v.cpus > have)
			r->v.cpus = 0; /* a single CPU: nothing to vary */
		break;
	}
	case V_TMP:
		r->v.tmp_layout = true;
		break;
	case V_INPUTS: {
		r->v.inputs_copy = cap_strdupf("%s/moved-inputs", r->dir);
		if (!r->v.inputs_copy || mkdir(r->v.inputs_copy, 0755) < 0)
			return cap_fail(err, errno, "mkdir %s", r->dir);
		for (size_t k = 0; k < s->n_inputs; k++) {
			cleanup_free char *to =
			    cap_strdupf("%s/%s", r->v.inputs_copy, s->inputs[k].name);
			if (!to || copy_tree(s->inputs[k].path, to, err) < 0)
				return -1;
		}
		break;
	}
	case V_CLOCK:
		r->v.clock = true;
		break;
	}
	return 0;
}

static pid_t start(struct run *r, const struct job_env *e)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	cleanup_free char *log = cap_strdupf("%s/error", r->dir);
	int logfd = log ? open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
	dup2(null, 1);
	dup2(logfd >= 0 ? logfd : null, 2);
	struct job_env quiet = *e;
	quiet.debug = NULL;
	quiet.warn = NULL;
	struct cap_error *err = NULL;
	int code = 0;
	if (job_run_varied(&r->s, &quiet, &r->v, &code, NULL, &err) < 0) {
		fprintf(stderr, "%s\n", err->msg);
		_exit(code ? code : 125);
	}
	_exit(code);
}

static void wait_run(struct run *r)
{
	while (r->pid > 0 && waitpid(r->pid, &r->status, 0) < 0 && errno == EINTR)
		;
	r->pid = 0;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Sleep until the wall clock's fraction of a second is `at` (0 <= at < 1). */
static void sleep_to_fraction(double at)
{
	double now = now_s(), wait = at - (now - (double)(long long)now);
	while (wait <= 0.005)
		wait += 1.0;
	struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Outputs plus stdout/stderr (as "(stdout)", "(stderr)") of one run. */
static int outcome(const struct run *r, const char *name, struct job_file **f, size_t *n,
		   struct cap_error **err)
{
	struct job_record rec;
	if (job_record_load(r->rec, &rec, err) < 0) {
		cleanup_free char *log = cap_strdupf("%s/error", r->dir);
		cleanup_free char *msg = log ? cap_read_file_at(AT_FDCWD, log, NULL, NULL) : NULL;
		if (msg && *msg) { /* the run's own error says more than a missing record */
			msg[strcspn(msg, "\n")] = '\0';
			cap_error_free(*err);
			*err = NULL;
			cap_fail(err, 0, "%s run: %s", name, msg);
		}
		return -1;
	}
	struct job_file *v = calloc(rec.n_subjects + 2, sizeof(*v));
	if (!v)
		return job_record_free(&rec), cap_fail(err, ENOMEM, "check");
	v[0].name = strdup("(stderr)");
	memcpy(v[0].sha256, rec.stderr_sha256 ? rec.stderr_sha256 : "", 65);
	v[1].name = strdup("(stdout)");
	memcpy(v[1].sha256, rec.stdout_sha256 ? rec.stdout_sha256 : "", 65);
	for (size_t i = 0; i < rec.n_subjects; i++) {
		v[i + 2] = rec.subjects[i];
		rec.subjects[i].name = NULL;
	}
	*n = rec.n_subjects + 2;
	*f = v;
	job_files_sort(*f, *n);
	job_record_free(&rec);
	return 0;
}

static bool in_diffs(const struct job_diff *d, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(d[i].name, name))
			return true;
	return false;
}

/* What differs between a reference run and a varied one. */
static int compare_pair(const struct run *ref, const struct run *var, int i,
			struct job_check_result *r, struct cap_error **err)
{
	struct job_file *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	r->variation = names[i];
	r->exit_code = WIFEXITED(var->status) ? WEXITSTATUS(var->status) : 128;
	int rc = outcome(ref, names[i], &a, &na, err);
	if (rc == 0)
		rc = outcome(var, names[i], &b, &nb, err);
	if (rc == 0)
		rc = job_compare(a, na, b, nb, &r->diffs, &r->n_diffs, err);
	job_files_free(a, na);
	job_files_free(b, nb);
	return rc < 0 ? cap_wrap(err, "check: %s", names[i]) : 0;
}

/* keep: drop from r the names not in d (intersection); else drop those in d. */
static void filter(struct job_check_result *r, const struct job_diff *d, size_t n, bool keep)
{
	for (size_t k = 0; k < r->n_diffs;) {
		if (in_diffs(d, n, r->diffs[k].name) == keep) {
			k++;
			continue;
		}
		free(r->diffs[k].name);
		memmove(&r->diffs[k], &r->diffs[k + 1], (r->n_diffs - k - 1) * sizeof(*r->diffs));
		r->n_diffs--;
	}
}

static void reset(struct run *r)
{
	cap_rm_rf(r->out, NULL);
	unlink(r->rec);
}

static void describe(struct job_check_result *res, const struct run *runs)
{
	const char *what[V_N] = {
	    NULL,
	    "the same job again",
	    "hostname " JOB_HOSTNAME " -> check-host.example",
	    "env entries in reverse order",
	    NULL,
	    "/tmp: a host dir with left-over entries instead of a fresh tmpfs",
	    "inputs copied to other host paths (new inodes, mtimes, mount sources)",
	    "started >= 1 s later; monotonic and boottime +400 days (time namespace)",
	};
	for (int i = V_CONTROL; i < V_N; i++)
		res[i - 1].what =
		    i == V_CPUS ? cap_strdupf("%u CPU(s) pinned", runs[i].v.cpus) : strdup(what[i]);
}

/* A reference run and a varied run side by side, from the start of a wall-clock second. */
/* A reference run and a varied run side by side.  They read the wall clock somewhere
 * between their start and their end, a few tens of ms apart: the pair starts so that the
 * middle of the previous pair's duration falls on the middle of a second. */
static double pair_s = 0.5;

static void run_pair(struct run *ref, struct run *var, const struct job_env *e)
{
	double mid = pair_s < 1.0 ? pair_s / 2 : 0.5;
	double at = 0.5 - mid;
	sleep_to_fraction(at < 0 ? at + 1.0 : at);
	double t0 = now_s();
	if (ref)
		ref->pid = start(ref, e);
	var->pid = start(var, e);
	if (ref)
		wait_run(ref);
	wait_run(var);
	pair_s = now_s() - t0;
}

static void free_runs(struct run *r)
{
	for (int i = 0; i < V_N; i++) {
		free(r[i].dir), free(r[i].out), free(r[i].rec);
		free((char *)r[i].v.inputs_copy);
	}
}

/* Run variation i (with its reference run) and compare.  A pair that differs runs again,
 * up to three times, and only what differs every time counts: two runs started together
 * can still read the clock on either side of a second boundary on a loaded host. */
static int check_one(struct run *refs, struct run *vars, int i, const struct job_env *e,
		     struct job_check_result *res, struct cap_error **err)
{
	struct run *ref = i == V_CLOCK ? &refs[V_CONTROL] : &refs[i];
	struct job_check_result *r = &res[i - 1];
	run_pair(i == V_CLOCK ? NULL : ref, &vars[i], e);
	if (compare_pair(ref, &vars[i], i, r, err) < 0)
		return -1;
	for (int attempt = 1; attempt < 3 && r->n_diffs; attempt++) {
		struct job_check_result again = {0};
		if (i != V_CLOCK)
			reset(ref);
		reset(&vars[i]);
		run_pair(i == V_CLOCK ? NULL : ref, &vars[i], e);
		int rc = compare_pair(ref, &vars[i], i, &again, err);
		if (rc == 0)
			filter(r, again.diffs, again.n_diffs, true);
		job_diffs_free(again.diffs, again.n_diffs);
		if (rc < 0)
			return -1;
	}
	/* blame a variation only for what the unchanged rerun did not change too */
	if (i != V_CONTROL)
		filter(r, res[0].diffs, res[0].n_diffs, false);
	return 0;
}

int job_check(const struct job_spec *s, const struct job_env *e, struct job_check_result **out,
	      size_t *n, struct cap_error **err)
{
	const char *tmp = getenv("TMPDIR");
	cleanup_free char *base =
	    cap_strdupf("%s/capsule-check-XXXXXX", tmp && *tmp ? tmp : "/var/tmp");
	if (!base || !mkdtemp(base))
		return cap_fail(err, errno, "mkdtemp %s", base ? base : "");
	/* refs[V_CONTROL] is the first run; the clock variation is compared with it */
	struct run refs[V_N] = {0}, vars[V_N] = {0};
	pair_s = 0.5;
	struct job_check_result *res = calloc(V_N, sizeof(*res));
	int rc = res ? 0 : cap_fail(err, ENOMEM, "check");
	for (int i = V_CONTROL; rc == 0 && i < V_N; i++) {
		rc = vary(&vars[i], i, s, base, "", err);
		if (rc == 0 && i != V_CLOCK)
			rc = vary(&refs[i], i, s, base, "-ref", err);
	}
	if (rc == 0)
		describe(res, vars);
	for (int i = V_CONTROL; rc == 0 && i < V_N; i++)
		rc = check_one(refs, vars, i, e, res, err);
	/* an output that follows the clock is reported under clock only */
	for (int i = V_HOSTNAME; rc == 0 && i < V_CLOCK; i++)
		filter(&res[i - 1], res[V_CLOCK - 1].diffs, res[V_CLOCK - 1].n_diffs, false);
	free_runs(refs);
	free_runs(vars);
	cap_rm_rf(base, NULL);
	if (rc < 0) {
		job_check_results_free(res, V_N - 1);
		return -1;
	}
	*out = res;
	*n = V_N - 1;
	return 0;
}

void job_check_results_free(struct job_check_result *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++) {
		free(r[i].what);
		job_diffs_free(r[i].diffs, r[i].n_diffs);
	}
	free(r);
}
