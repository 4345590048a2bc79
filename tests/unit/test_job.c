/* job/: record parsing (what verify trusts), output comparison, digest pinning. */
#include <stdlib.h>

#include "../../job/internal.h"
#include "../../job/job.h"
#include "unit.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char *record_fmt =
    "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":%s,"
    "\"predicateType\":\"https://slsa.dev/provenance/v1\",\"predicate\":{"
    "\"buildDefinition\":{\"buildType\":\"https://capsule.invalid/job/v1\","
    "\"externalParameters\":{\"image\":\"x@sha256:" H64 "\",\"command\":[\"true\"],\"env\":[],"
    "\"inputs\":[{\"name\":\"a\",\"path\":\"/in/a\"}],\"output\":\"/out\",\"cpus\":2},"
    "\"resolvedDependencies\":[{\"name\":\"image\",\"digest\":{\"sha256\":\"" H64 "\"}},"
    "{\"name\":\"inputs/a\",\"digest\":{\"sha256\":\"" H64 "\"}}]},"
    "\"runDetails\":{\"builder\":{\"id\":\"x:y\"},\"byproducts\":["
    "{\"name\":\"exitStatus\",\"content\":\"Mw==\",\"annotations\":{\"exitStatus\":3}},"
    "{\"name\":\"stdout\",\"digest\":{\"sha256\":\"" H64 "\"}}]}}}";

static int parse_subjects(const char *subjects, struct job_record *r, char **msg)
{
	char buf[4096];
	struct cap_error *err = NULL;
	snprintf(buf, sizeof(buf), record_fmt, subjects);
	int rc = job_record_parse(buf, strlen(buf), r, &err);
	*msg = err ? strdup(err->msg) : NULL;
	cap_error_free(err);
	return rc;
}

static void test_parse_ok(void)
{
	struct job_record r;
	char *msg;
	CHECK_INT(parse_subjects("[{\"name\":\"a\",\"digest\":{\"sha256\":\"" H64 "\"}},"
				 "{\"name\":\"b/c\",\"digest\":{\"sha256\":\"" H64 "\"}}]",
				 &r, &msg),
		  0);
	CHECK_INT((int)r.n_subjects, 2);
	CHECK_STR(r.subjects[1].name, "b/c");
	CHECK_STR(r.image_digest, "sha256:" H64);
	CHECK_INT((int)r.n_inputs, 1);
	CHECK_STR(r.inputs[0].name, "inputs/a");
	CHECK_STR(r.spec.inputs[0].path, "/in/a");
	CHECK_INT((int)r.spec.cpus, 2);
	CHECK_INT(r.exit_status, 3);
	CHECK_STR(r.stdout_sha256, H64);
	CHECK(r.stderr_sha256 == NULL);
	job_record_free(&r);
	free(msg);
}

static void test_parse_bad(void)
{
	static const struct {
		const char *subjects, *want;
	} cases[] = {
	    {"[{\"name\":\"a\",\"digest\":{\"sha256\":\"ABC\"}}]", "subject[0].digest.sha256"},
	    {"[{\"name\":\"../x\",\"digest\":{\"sha256\":\"" H64 "\"}}]", "not a relative path"},
	    {"[{\"name\":\"/etc/x\",\"digest\":{\"sha256\":\"" H64 "\"}}]", "not a relative path"},
	    {"[{\"name\":\"a/../../x\",\"digest\":{\"sha256\":\"" H64 "\"}}]",
	     "not a relative path"},
	    {"[{\"name\":\"b\",\"digest\":{\"sha256\":\"" H64 "\"}},"
	     "{\"name\":\"a\",\"digest\":{\"sha256\":\"" H64 "\"}}]",
	     "not sorted"},
	    {"[{\"digest\":{\"sha256\":\"" H64 "\"}}]", "subject[0].name"},
	    {"{}", "statement.subject"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct job_record r;
		char *msg;
		CHECK_INT(parse_subjects(cases[i].subjects, &r, &msg), -1);
		CHECK(msg && strstr(msg, cases[i].want));
		if (!(msg && strstr(msg, cases[i].want)))
			fprintf(stderr, "     case %zu: %s\n", i, msg ? msg : "(none)");
		free(msg);
	}
	struct job_record r;
	struct cap_error *err = NULL;
	CHECK_INT(job_record_parse("[1]", 3, &r, &err), -1);
	CHECK(err && strstr(err->msg, "not a JSON object"));
	cap_error_free(err);
	err = NULL;
	CHECK_INT(job_record_parse("{\"_type\":1}", 11, &r, &err), -1);
	CHECK(err && strstr(err->msg, "_type"));
	cap_error_free(err);
}

static void test_compare(void)
{
	struct job_file want[] = {{"a", H64}, {"b", H64}, {"d", H64}};
	struct job_file have[] = {{"a", H64}, {"c", H64}, {"d", "x"}};
	struct job_diff *d = NULL;
	size_t n = 0;
	CHECK_INT(job_compare(want, 3, have, 3, &d, &n, NULL), 0);
	CHECK_INT((int)n, 3);
	CHECK(n == 3 && d[0].kind == JOB_DIFF_MISSING && !strcmp(d[0].name, "b"));
	CHECK(n == 3 && d[1].kind == JOB_DIFF_EXTRA && !strcmp(d[1].name, "c"));
	CHECK(n == 3 && d[2].kind == JOB_DIFF_CHANGED && !strcmp(d[2].name, "d"));
	job_diffs_free(d, n);
	CHECK_INT(job_compare(want, 3, want, 3, &d, &n, NULL), 0);
	CHECK_INT((int)n, 0);
	job_diffs_free(d, n);
}

static void test_pinned(void)
{
	CHECK(job_ref_pinned("busybox@sha256:" H64));
	CHECK(job_ref_pinned("sha256:" H64));
	CHECK(!job_ref_pinned("busybox:latest"));
	CHECK(!job_ref_pinned("busybox@sha256:0123"));
	CHECK(!job_ref_pinned("busybox@sha256:" H64 "0"));
	CHECK(!job_ref_pinned("sha256:"
			      "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
}

int main(void)
{
	test_parse_ok();
	test_parse_bad();
	test_compare();
	test_pinned();
	return UNIT_DONE();
}
