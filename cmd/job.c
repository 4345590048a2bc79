/* `capsule job run|verify|check`: flags and output for job/ (reproducible jobs). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../job/job.h"
#include "../runtime/cloned_binary.h"
#include "../runtime/container.h"
#include "../seccomp/seccomp.h"
#include "cmd.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: capsule job run --image NAME@sha256:DIGEST [--input [NAME=]PATH]...\n"
		   "           --output DIR [--workdir P] [--env K=V]... [--user UID[:GID]]\n"
		   "           [--cpus N] [--memory SIZE] [--record FILE] [--allow-tag] -- CMD "
		   "[ARGS...]\n"
		   "       capsule job verify RECORD [--rerun] [--output DIR]\n"
		   "       capsule job check (the flags of run; --output and --record unused) "
		   "-- CMD [ARGS...]\n");
}

static int fail(const struct global_opts *g, struct cap_error *err)
{
	int rc = cmd_report(g, err);
	cap_error_free(err);
	return rc;
}

static int push(char ***v, size_t *n, char *s)
{
	char **nv = realloc(*v, (*n + 2) * sizeof(char *));
	if (!nv)
		return -1;
	*v = nv;
	nv[(*n)++] = s;
	nv[*n] = NULL;
	return 0;
}

static int add_input(struct job_spec *s, char *arg)
{
	struct job_input *v = realloc(s->inputs, (s->n_inputs + 1) * sizeof(*v));
	if (!v)
		return -1;
	s->inputs = v;
	char *eq = strchr(arg, '=');
	if (eq) {
		*eq = '\0';
		v[s->n_inputs].name = arg;
		v[s->n_inputs].path = eq + 1;
	} else {
		size_t n = strlen(arg);
		while (n > 1 && arg[n - 1] == '/')
			arg[--n] = '\0';
		char *slash = strrchr(arg, '/');
		v[s->n_inputs].name = slash ? slash + 1 : arg;
		v[s->n_inputs].path = arg;
	}
	s->n_inputs++;
	return 0;
}

static int parse_spec(const struct global_opts *g, int argc, char **argv, struct job_spec *s)
{
	enum {
		O_IMAGE = 256,
		O_INPUT,
		O_OUTPUT,
		O_WORKDIR,
		O_ENV,
		O_CPUS,
		O_MEMORY,
		O_RECORD,
		O_ALLOW_TAG,
		O_USER
	};
	static const struct option opts[] = {
	    {"image", required_argument, 0, O_IMAGE},
	    {"input", required_argument, 0, O_INPUT},
	    {"output", required_argument, 0, O_OUTPUT},
	    {"workdir", required_argument, 0, O_WORKDIR},
	    {"env", required_argument, 0, O_ENV},
	    {"cpus", required_argument, 0, O_CPUS},
	    {"memory", required_argument, 0, O_MEMORY},
	    {"record", required_argument, 0, O_RECORD},
	    {"allow-tag", no_argument, 0, O_ALLOW_TAG},
	    {"user", required_argument, 0, O_USER},
	    {0, 0, 0, 0},
	};
	int c;
	char *end;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case O_IMAGE:
			s->image = optarg;
			break;
		case O_INPUT:
			if (add_input(s, optarg) < 0)
				return cmd_errorf(g, "out of memory");
			break;
		case O_OUTPUT:
			s->output = optarg;
			break;
		case O_WORKDIR:
			s->workdir = optarg;
			break;
		case O_ENV:
			if (push(&s->env, &s->n_env, optarg) < 0)
				return cmd_errorf(g, "out of memory");
			break;
		case O_CPUS:
			s->cpus = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !*optarg || s->cpus == 0 || s->cpus > 4096)
				return cmd_errorf(g, "--cpus %s: want a number from 1 to 4096",
						  optarg);
			break;
		case O_MEMORY:
			s->memory = optarg;
			break;
		case O_RECORD:
			s->record = optarg;
			break;
		case O_ALLOW_TAG:
			s->allow_tag = true;
			break;
		case O_USER:
			s->user = optarg;
			break;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (!s->image)
		return cmd_errorf(g, "job: --image is required");
	for (int i = optind; i < argc; i++)
		if (push(&s->args, &s->n_args, argv[i]) < 0)
			return cmd_errorf(g, "out of memory");
	if (!s->n_args)
		return cmd_errorf(g,
				  "job: no command given (capsule job run ... -- CMD [ARGS...])");
	return 0;
}

static void env_of(const struct global_opts *g, struct job_env *e)
{
	/* the host's binary, not the sealed copy we run from: the loopback
	 * hook runs on the host; without it lo stays down */
	const char *self = cloned_binary_host_path();
	e->self_exe = self && access(self, X_OK) == 0 ? self : NULL;
	e->root = g->root;
	e->store = container_store();
	e->seccomp_json = sc_default_profile_json();
	e->debug = cmd_debug_callback(g);
	e->warn = cmd_warn_callback(g);
}

static int do_run(struct global_opts *g, int argc, char **argv)
{
	struct job_spec s = {0};
	if (parse_spec(g, argc, argv, &s))
		return 1;
	if (!s.output)
		return cmd_errorf(g, "job run: --output is required");
	struct job_env e;
	env_of(g, &e);
	int code = 0;
	char *record = NULL;
	struct cap_error *err = NULL;
	int rc = job_run(&s, &e, &code, &record, &err);
	if (record)
		fprintf(stderr, "capsule job: record %s (exit status %d)\n", record, code);
	free(record);
	free(s.inputs), free(s.env), free(s.args);
	if (rc < 0) {
		int r = fail(g, err);
		return code ? code : r;
	}
	return code;
}

static void print_diffs(FILE *f, const struct job_diff *d, size_t n, const char *indent)
{
	static const char *const kind[] = {"changed", "missing", "extra"};
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%-8s %s\n", indent, kind[d[i].kind], d[i].name);
}

static int verify_report(const char *what, const char *dir, const struct job_record *r,
			 struct job_diff *d, size_t n)
{
	print_diffs(stdout, d, n, "");
	if (n)
		printf("%s: %zu of %zu file(s) differ in %s\n", what, n, r->n_subjects, dir);
	else
		printf("%s: %s matches the record (%zu file(s))\n", what, dir, r->n_subjects);
	job_diffs_free(d, n);
	return n ? 1 : 0;
}

static int do_verify(struct global_opts *g, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"rerun", no_argument, 0, 'r'}, {"output", required_argument, 0, 'o'}, {0, 0, 0, 0}};
	bool rerun = false;
	const char *out = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'r')
			rerun = true;
		else if (c == 'o')
			out = optarg;
		else
			return usage(stderr), 1;
	}
	if (cmd_require_args(g, "job verify", argc - optind, 1) < 0)
		return 1;
	struct job_record r;
	struct cap_error *err = NULL;
	if (job_record_load(argv[optind], &r, &err) < 0)
		return fail(g, err);
	struct job_diff *d = NULL;
	size_t n = 0;
	int rc;
	if (!rerun) {
		const char *dir = out ? out : r.spec.output;
		rc = job_verify_dir(&r, dir, &d, &n, &err) < 0
			 ? fail(g, err)
			 : verify_report("verify", dir, &r, d, n);
		job_record_free(&r);
		return rc;
	}
	char *dir = out ? strdup(out) : NULL;
	if (!dir && asprintf(&dir, "%s.rerun-XXXXXX", r.spec.output) >= 0 && !mkdtemp(dir))
		return job_record_free(&r), free(dir),
		       cmd_errorf(g, "mkdtemp beside %s", r.spec.output);
	struct job_env e;
	env_of(g, &e);
	int code = 0;
	if (job_rerun(&r, dir, &e, &code, &d, &n, &err) < 0) {
		rc = fail(g, err);
	} else {
		rc = verify_report("rerun", dir, &r, d, n);
		if (code != r.exit_status) {
			printf("rerun: exit status %d, recorded %d\n", code, r.exit_status);
			rc = 1;
		}
	}
	free(dir);
	job_record_free(&r);
	return rc;
}

static int do_check(struct global_opts *g, int argc, char **argv)
{
	struct job_spec s = {0};
	if (parse_spec(g, argc, argv, &s))
		return 1;
	struct job_env e;
	env_of(g, &e);
	struct job_check_result *res = NULL;
	size_t n = 0;
	struct cap_error *err = NULL;
	int rc = job_check(&s, &e, &res, &n, &err);
	free(s.inputs), free(s.env), free(s.args);
	if (rc < 0)
		return fail(g, err);
	int differs = 0;
	for (size_t i = 0; i < n; i++) {
		printf("%-12s %-11s %s\n", res[i].variation, res[i].n_diffs ? "DIFFERS" : "same",
		       res[i].what ? res[i].what : "");
		print_diffs(stdout, res[i].diffs, res[i].n_diffs, "    ");
		differs += res[i].n_diffs ? 1 : 0;
	}
	printf("%s\n", differs ? "job check: outputs depend on the variations marked DIFFERS"
			       : "job check: no variation changed the outputs");
	job_check_results_free(res, n);
	return differs ? 1 : 0;
}

/* The createRuntime hook of every job: the OCI state on stdin. */
static int do_loopback_up(struct global_opts *g)
{
	char buf[65536];
	size_t len = fread(buf, 1, sizeof(buf) - 1, stdin);
	buf[len] = '\0';
	struct cap_error *err = NULL;
	return job_loopback_up(buf, &err) < 0 ? fail(g, err) : 0;
}

CMD(job)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2;
	}
	optind = 0; /* full getopt re-initialisation: main parsed with "+" */
	/* run, verify --rerun and check start containers: re-exec from the sealed
	 * binary copy now, before any work, rather than inside container_run,
	 * which restarts the whole command from main() (a forked `check` run
	 * would start the check again). */
	struct cap_error *cerr = NULL;
	if (strcmp(argv[1], "loopback-up") && cloned_binary_ensure(false, &cerr) < 0)
		return fail(g, cerr);
	if (!strcmp(argv[1], "run"))
		return do_run(g, argc - 1, argv + 1);
	if (!strcmp(argv[1], "verify"))
		return do_verify(g, argc - 1, argv + 1);
	if (!strcmp(argv[1], "check"))
		return do_check(g, argc - 1, argv + 1);
	if (!strcmp(argv[1], "loopback-up"))
		return do_loopback_up(g);
	usage(stderr);
	return cmd_errorf(g, "job: unknown subcommand \"%s\"", argv[1]);
}
