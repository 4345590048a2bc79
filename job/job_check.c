/* `job check`: the job run as given, once more unchanged, and once under each variation a
 * reproducible step must not depend on; every output (and stdout/stderr) compared with the
 * first run.  In the spirit of Debian's reprotest.
 *
 * Timing: the clock cannot be shifted (time namespaces move only monotonic and boottime),
 * so the first run, the unchanged rerun and every variation but the clock one start
 * together just after a second boundary and see the same wall-clock second; the clock
 * variation starts at least one second later, with monotonic and boottime shifted by 400
 * days.  An output that also differs in the unchanged rerun is reported as run-to-run
 * (randomness, or a clock read finer than a second) and not blamed on a variation. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "../runtime/cleanup.h"
#include "../runtime/fsutil.h"
#include "internal.h"

enum { V_BASE, V_CONTROL, V_HOSTNAME, V_ENV, V_CPUS, V_TMP, V_INPUTS, V_CLOCK, V_N };
static const char *const names[V_N] = {"baseline", "run-to-run", "hostname",   "env-order",
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
		if (write_all(out, buf, (size_t)n) < 0)
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
		cleanup_free char *a = job_strdupf("%s/%s", src, e->d_name);
		cleanup_free char *b = job_strdupf("%s/%s", dst, e->d_name);
		if (!a || !b)
			return cap_fail(err, ENOMEM, "copy");
		if (copy_tree(a, b, err) < 0)
			return -1;
	}
	return 0;
}

/* The variation of each run, relative to the spec as given. */
static int vary(struct run *r, int i, const struct job_spec *s, const char *base,
		struct cap_error **err)
{
	r->s = *s;
	r->dir = job_strdupf("%s/%s", base, names[i]);
	r->out = job_strdupf("%s/%s/output", base, names[i]);
	r->rec = job_strdupf("%s/%s/record.json", base, names[i]);
	if (!r->dir || !r->out || !r->rec || mkdir(r->dir, 0700) < 0)
		return cap_fail(err, errno ? errno : ENOMEM, "check dir %s", base);
	r->s.output = r->out;
	r->s.record = r->rec;
	switch (i) {
	case V_HOSTNAME: r->v.hostname = "check-host.example"; break;
	case V_ENV: r->v.reverse_env = true; break;
	case V_CPUS: {
		long have = sysconf(_SC_NPROCESSORS_ONLN);
		unsigned now = s->cpus ? s->cpus : (unsigned)have;
		r->v.cpus = now == 1 ? 2 : 1;
		if (r->v.cpus > have)
			r->v.cpus = 0; /* a single CPU: nothing to vary */
		break;
	}
	case V_TMP: r->v.tmp_layout = true; break;
	case V_INPUTS: {
		r->v.inputs_copy = job_strdupf("%s/moved-inputs", r->dir);
		if (!r->v.inputs_copy || mkdir(r->v.inputs_copy, 0755) < 0)
			return cap_fail(err, errno, "mkdir %s", r->dir);
		for (size_t k = 0; k < s->n_inputs; k++) {
			cleanup_free char *to = job_strdupf("%s/%s", r->v.inputs_copy, s->inputs[k].name);
			if (!to || copy_tree(s->inputs[k].path, to, err) < 0)
				return -1;
		}
		break;
	}
	case V_CLOCK: r->v.clock = true; break;
	}
	return 0;
}

static pid_t start(struct run *r, const struct job_env *e)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	cleanup_free char *log = job_strdupf("%s/error", r->dir);
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

static void sleep_to_second(double min_wait)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	double frac = (double)now.tv_nsec / 1e9;
	double wait = 1.0 - frac + 0.02;
	while (wait < min_wait)
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
		cleanup_free char *log = job_strdupf("%s/error", r->dir);
		cleanup_free char *msg = log ? read_file_at(AT_FDCWD, log, NULL, NULL) : NULL;
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

static int compare_runs(struct run *runs, struct job_check_result *res, struct cap_error **err)
{
	struct job_file *base = NULL;
	size_t nb = 0;
	if (outcome(&runs[V_BASE], names[V_BASE], &base, &nb, err) < 0)
		return cap_wrap(err, "check: baseline run");
	int rc = 0;
	for (int i = V_CONTROL; rc == 0 && i < V_N; i++) {
		struct job_check_result *r = &res[i - 1];
		r->variation = names[i];
		r->exit_code = WIFEXITED(runs[i].status) ? WEXITSTATUS(runs[i].status) : 128;
		struct job_file *f = NULL;
		size_t nf = 0;
		if (outcome(&runs[i], names[i], &f, &nf, err) < 0) {
			rc = cap_wrap(err, "check: %s run", names[i]);
			break;
		}
		rc = job_compare(base, nb, f, nf, &r->diffs, &r->n_diffs, err);
		job_files_free(f, nf);
		/* blame a variation only for what the unchanged rerun did not change too */
		for (size_t k = 0; rc == 0 && i != V_CONTROL && k < r->n_diffs;) {
			if (in_diffs(res[0].diffs, res[0].n_diffs, r->diffs[k].name)) {
				free(r->diffs[k].name);
				memmove(&r->diffs[k], &r->diffs[k + 1],
					(r->n_diffs - k - 1) * sizeof(*r->diffs));
				r->n_diffs--;
			} else {
				k++;
			}
		}
	}
	job_files_free(base, nb);
	return rc;
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
		res[i - 1].what = i == V_CPUS ? job_strdupf("%u CPU(s) pinned", runs[i].v.cpus)
					      : strdup(what[i]);
}

int job_check(const struct job_spec *s, const struct job_env *e, struct job_check_result **out,
	      size_t *n, struct cap_error **err)
{
	const char *tmp = getenv("TMPDIR");
	cleanup_free char *base = job_strdupf("%s/capsule-check-XXXXXX", tmp && *tmp ? tmp : "/var/tmp");
	if (!base || !mkdtemp(base))
		return cap_fail(err, errno, "mkdtemp %s", base ? base : "");
	struct run runs[V_N] = {0};
	struct job_check_result *res = calloc(V_N, sizeof(*res));
	int rc = res ? 0 : cap_fail(err, ENOMEM, "check");
	for (int i = 0; rc == 0 && i < V_N; i++)
		rc = vary(&runs[i], i, s, base, err);
	if (rc == 0) {
		sleep_to_second(0);
		for (int i = 0; i < V_CLOCK; i++)
			runs[i].pid = start(&runs[i], e);
		for (int i = 0; i < V_CLOCK; i++)
			wait_run(&runs[i]);
		sleep_to_second(1.0);
		runs[V_CLOCK].pid = start(&runs[V_CLOCK], e);
		wait_run(&runs[V_CLOCK]);
		describe(res, runs);
		rc = compare_runs(runs, res, err);
	}
	for (int i = 0; i < V_N; i++) {
		free(runs[i].dir), free(runs[i].out), free(runs[i].rec);
		free((char *)runs[i].v.inputs_copy);
	}
	rm_rf(base, NULL);
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
