/* `job verify`: an output dir against a record's subjects, or a rerun from the record. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cleanup.h"
#include "internal.h"

static int add_diff(struct job_diff **v, size_t *n, enum job_diff_kind k, const char *name)
{
	struct job_diff *nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv)
		return -1;
	*v = nv;
	nv[*n].kind = k;
	if (!(nv[*n].name = strdup(name)))
		return -1;
	(*n)++;
	return 0;
}

int job_compare(const struct job_file *want, size_t nw, const struct job_file *have, size_t nh,
		struct job_diff **out, size_t *n, struct cap_error **err)
{
	*out = NULL;
	*n = 0;
	size_t i = 0, k = 0;
	while (i < nw || k < nh) {
		int c = i == nw ? 1 : k == nh ? -1 : strcmp(want[i].name, have[k].name);
		int rc = 0;
		if (c < 0)
			rc = add_diff(out, n, JOB_DIFF_MISSING, want[i++].name);
		else if (c > 0)
			rc = add_diff(out, n, JOB_DIFF_EXTRA, have[k++].name);
		else if (strcmp(want[i++].sha256, have[k++].sha256))
			rc = add_diff(out, n, JOB_DIFF_CHANGED, want[i - 1].name);
		if (rc < 0) {
			job_diffs_free(*out, *n);
			*out = NULL;
			*n = 0;
			return cap_fail(err, ENOMEM, "compare");
		}
	}
	return 0;
}

void job_diffs_free(struct job_diff *d, size_t n)
{
	for (size_t i = 0; d && i < n; i++)
		free(d[i].name);
	free(d);
}

int job_verify_dir(const struct job_record *r, const char *dir, struct job_diff **out, size_t *n,
		   struct cap_error **err)
{
	struct job_file *have = NULL;
	size_t nh = 0;
	if (job_hash_tree(dir, &have, &nh, err) < 0)
		return -1;
	int rc = job_compare(r->subjects, r->n_subjects, have, nh, out, n, err);
	job_files_free(have, nh);
	return rc;
}

/* Inputs must hash as recorded before anything runs. */
static int check_inputs(const struct job_record *r, struct cap_error **err)
{
	struct job_file *now = NULL;
	size_t n_now = 0;
	if (job_inputs_check(&r->spec, err) < 0 || job_inputs_hash(&r->spec, &now, &n_now, err) < 0)
		return cap_wrap(err, "rerun: inputs");
	struct job_diff *d = NULL;
	size_t nd = 0;
	int rc = job_compare(r->inputs, r->n_inputs, now, n_now, &d, &nd, err);
	job_files_free(now, n_now);
	if (rc == 0 && nd)
		rc = cap_fail(err, 0, "rerun: input %s %s since the record was made", d[0].name,
			      d[0].kind == JOB_DIFF_CHANGED   ? "changed"
			      : d[0].kind == JOB_DIFF_MISSING ? "is missing"
							      : "appeared");
	job_diffs_free(d, nd);
	return rc;
}

int job_rerun(const struct job_record *r, const char *out_dir, const struct job_env *e,
	      int *exit_code, struct job_diff **out, size_t *n, struct cap_error **err)
{
	if (check_inputs(r, err) < 0)
		return -1;
	struct job_spec s = r->spec;
	s.image = r->image_digest; /* what ran, even when the record's ref was a tag */
	s.allow_tag = false;
	s.output = (char *)out_dir;
	cleanup_free char *rec = job_record_default(out_dir);
	s.record = rec;
	cleanup_free char *rec_path = NULL;
	if (!rec)
		return cap_fail(err, ENOMEM, "record path");
	if (job_run(&s, e, exit_code, &rec_path, err) < 0)
		return -1;
	return job_verify_dir(r, out_dir, out, n, err);
}
