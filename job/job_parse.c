/* Reading a record back (yajl_tree): what `job verify` needs, every field checked.  Bad
 * input fails with one line naming the field.  Fuzzed by tests/fuzz/fuzz_provenance.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cleanup.h"
#include "../lib/file.h"
#include "../lib/json.h"
#include "internal.h"

#define MAX_RECORD (64 << 20)

/* A string value, never NULL (yajl_tree's macro may return NULL). */
static const char *sv(yajl_val v)
{
	const char *s = YAJL_IS_STRING(v) ? v->u.string : NULL;
	return s ? s : "";
}

static int req(yajl_val v, const char *key, yajl_type t, const char *where, yajl_val *out,
	       struct cap_error **err)
{
	if (!(*out = cap_json_get(v, key, t)))
		return cap_fail(err, 0, "record: %s.%s: missing or of the wrong type", where, key);
	return 0;
}

static int dup_str(yajl_val v, const char *key, const char *where, bool required, char **out,
		   struct cap_error **err)
{
	yajl_val s = cap_json_get(v, key, yajl_t_string);
	if (!s)
		return required
			   ? cap_fail(err, 0, "record: %s.%s: missing or not a string", where, key)
			   : 0;
	return (*out = strdup(sv(s))) ? 0 : cap_fail(err, ENOMEM, "record");
}

/* {"digest": {"sha256": hex}} -> hex */
static int digest_of(yajl_val v, const char *where, char hex[JOB_HEX_LEN + 1],
		     struct cap_error **err)
{
	const char *p[] = {"digest", "sha256", NULL};
	yajl_val d = yajl_tree_get(v, p, yajl_t_string);
	if (!d || !job_is_hex64(sv(d)))
		return cap_fail(err, 0, "record: %s.digest.sha256: missing or not 64 hex digits",
				where);
	memcpy(hex, sv(d), JOB_HEX_LEN + 1);
	return 0;
}

static int strv(yajl_val v, const char *key, const char *where, char ***out, size_t *n,
		struct cap_error **err)
{
	yajl_val a;
	if (req(v, key, yajl_t_array, where, &a, err) < 0)
		return -1;
	size_t len = YAJL_GET_ARRAY(a)->len;
	*out = calloc(len + 1, sizeof(char *));
	if (!*out)
		return cap_fail(err, ENOMEM, "record");
	for (*n = 0; *n < len; (*n)++) {
		yajl_val s = YAJL_GET_ARRAY(a)->values[*n];
		if (!YAJL_IS_STRING(s))
			return cap_fail(err, 0, "record: %s.%s[%zu]: not a string", where, key, *n);
		if (!((*out)[*n] = strdup(sv(s))))
			return cap_fail(err, ENOMEM, "record");
	}
	return 0;
}

/* [{"name", "digest": {"sha256"}}] -> files; names must be safe relative paths */
static int files(yajl_val a, const char *where, struct job_file **out, size_t *n,
		 struct cap_error **err)
{
	size_t len = YAJL_GET_ARRAY(a)->len;
	*out = calloc(len + 1, sizeof(**out));
	if (!*out)
		return cap_fail(err, ENOMEM, "record");
	for (*n = 0; *n < len; (*n)++) {
		char w[96];
		snprintf(w, sizeof(w), "%s[%zu]", where, *n);
		yajl_val f = YAJL_GET_ARRAY(a)->values[*n];
		if (dup_str(f, "name", w, true, &(*out)[*n].name, err) < 0 ||
		    digest_of(f, w, (*out)[*n].sha256, err) < 0) {
			free((*out)[*n].name); /* the caller frees the first *n */
			(*out)[*n].name = NULL;
			return -1;
		}
		const char *nm = (*out)[*n].name;
		if (!*nm || nm[0] == '/' || !strcmp(nm, "..") || !strncmp(nm, "../", 3) ||
		    strstr(nm, "/../") || (strlen(nm) >= 3 && !strcmp(nm + strlen(nm) - 3, "/..")))
			return (*n)++, cap_fail(err, 0,
						"record: %s.name: not a relative path inside the "
						"output dir: \"%.200s\"",
						w, nm);
	}
	for (size_t i = 1; i < *n; i++)
		if (strcmp((*out)[i - 1].name, (*out)[i].name) >= 0)
			return cap_fail(err, 0, "record: %s: names not sorted or repeated at [%zu]",
					where, i);
	return 0;
}

static int parse_inputs(yajl_val ext, struct job_spec *s, struct cap_error **err)
{
	yajl_val a;
	if (req(ext, "inputs", yajl_t_array, "externalParameters", &a, err) < 0)
		return -1;
	size_t len = YAJL_GET_ARRAY(a)->len;
	s->inputs = calloc(len + 1, sizeof(*s->inputs));
	if (!s->inputs)
		return cap_fail(err, ENOMEM, "record");
	for (s->n_inputs = 0; s->n_inputs < len; s->n_inputs++) {
		char w[96];
		snprintf(w, sizeof(w), "externalParameters.inputs[%zu]", s->n_inputs);
		yajl_val in = YAJL_GET_ARRAY(a)->values[s->n_inputs];
		if (dup_str(in, "name", w, true, &s->inputs[s->n_inputs].name, err) < 0 ||
		    dup_str(in, "path", w, true, &s->inputs[s->n_inputs].path, err) < 0) {
			free(s->inputs[s->n_inputs].name);
			s->inputs[s->n_inputs].name = NULL;
			return -1;
		}
	}
	return 0;
}

static int parse_external(yajl_val bd, struct job_spec *s, struct cap_error **err)
{
	const char *w = "externalParameters";
	yajl_val ext, cpus;
	if (req(bd, "externalParameters", yajl_t_object, "buildDefinition", &ext, err) < 0 ||
	    dup_str(ext, "image", w, true, &s->image, err) < 0 ||
	    strv(ext, "command", w, &s->args, &s->n_args, err) < 0 ||
	    strv(ext, "env", w, &s->env, &s->n_env, err) < 0 || parse_inputs(ext, s, err) < 0 ||
	    dup_str(ext, "output", w, true, &s->output, err) < 0 ||
	    dup_str(ext, "workdir", w, false, &s->workdir, err) < 0 ||
	    dup_str(ext, "user", w, false, &s->user, err) < 0 ||
	    dup_str(ext, "memory", w, false, &s->memory, err) < 0)
		return -1;
	if (!s->n_args)
		return cap_fail(err, 0, "record: %s.command: empty", w);
	s->allow_tag = YAJL_IS_TRUE(cap_json_get(ext, "allowTag", yajl_t_true));
	if ((cpus = cap_json_get(ext, "cpus", yajl_t_number))) {
		long long c = YAJL_IS_INTEGER(cpus) ? YAJL_GET_INTEGER(cpus) : -1;
		if (c < 0 || c > 4096)
			return cap_fail(err, 0, "record: %s.cpus: want 0 to 4096", w);
		s->cpus = (unsigned)c;
	}
	return 0;
}

/* resolvedDependencies: the image and the inputs. */
static int parse_deps(yajl_val bd, struct job_record *r, struct cap_error **err)
{
	yajl_val a;
	if (req(bd, "resolvedDependencies", yajl_t_array, "buildDefinition", &a, err) < 0)
		return -1;
	size_t len = YAJL_GET_ARRAY(a)->len;
	r->inputs = calloc(len + 1, sizeof(*r->inputs));
	if (!r->inputs)
		return cap_fail(err, ENOMEM, "record");
	for (size_t i = 0; i < len; i++) {
		char w[96], hex[JOB_HEX_LEN + 1];
		snprintf(w, sizeof(w), "resolvedDependencies[%zu]", i);
		yajl_val d = YAJL_GET_ARRAY(a)->values[i];
		yajl_val name = cap_json_get(d, "name", yajl_t_string);
		if (!name)
			return cap_fail(err, 0, "record: %s.name: missing", w);
		const char *nm = sv(name);
		if (digest_of(d, w, hex, err) < 0)
			return -1;
		if (!strcmp(nm, "image")) {
			free(r->image_digest);
			if (!(r->image_digest = cap_strdupf("sha256:%s", hex)))
				return cap_fail(err, ENOMEM, "record");
		} else if (!strncmp(nm, "inputs/", 7)) {
			struct job_file *f = &r->inputs[r->n_inputs++];
			memcpy(f->sha256, hex, sizeof(hex));
			if (!(f->name = strdup(nm)))
				return cap_fail(err, ENOMEM, "record");
		}
	}
	if (!r->image_digest)
		return cap_fail(err, 0, "record: resolvedDependencies: no \"image\" entry");
	job_files_sort(r->inputs, r->n_inputs);
	return 0;
}

static int parse_byproducts(yajl_val pred, struct job_record *r, struct cap_error **err)
{
	const char *p[] = {"runDetails", "byproducts", NULL};
	yajl_val a = yajl_tree_get(pred, p, yajl_t_array);
	if (!a)
		return cap_fail(err, 0, "record: predicate.runDetails.byproducts: missing");
	for (size_t i = 0; i < YAJL_GET_ARRAY(a)->len; i++) {
		yajl_val b = YAJL_GET_ARRAY(a)->values[i];
		yajl_val name = cap_json_get(b, "name", yajl_t_string);
		char w[64], hex[JOB_HEX_LEN + 1];
		snprintf(w, sizeof(w), "runDetails.byproducts[%zu]", i);
		const char *nm = name ? sv(name) : "";
		char **slot = !strcmp(nm, "stdout")   ? &r->stdout_sha256
			      : !strcmp(nm, "stderr") ? &r->stderr_sha256
						      : NULL;
		if (slot) {
			if (digest_of(b, w, hex, err) < 0)
				return -1;
			free(*slot);
			if (!(*slot = strdup(hex)))
				return cap_fail(err, ENOMEM, "record");
		} else if (!strcmp(nm, "exitStatus")) {
			const char *ep[] = {"annotations", "exitStatus", NULL};
			yajl_val st = yajl_tree_get(b, ep, yajl_t_number);
			if (!st || !YAJL_IS_INTEGER(st))
				return cap_fail(err, 0,
						"record: %s.annotations.exitStatus: missing", w);
			r->exit_status = (int)YAJL_GET_INTEGER(st);
		}
	}
	return 0;
}

static int parse_tree(yajl_val root, struct job_record *r, struct cap_error **err)
{
	yajl_val t = cap_json_get(root, "_type", yajl_t_string),
		 pt = cap_json_get(root, "predicateType", yajl_t_string);
	yajl_val subj, pred, bd;
	if (!t || strcmp(sv(t), JOB_STATEMENT))
		return cap_fail(err, 0, "record: _type: want \"%s\"", JOB_STATEMENT);
	if (!pt || strcmp(sv(pt), JOB_PREDICATE))
		return cap_fail(err, 0, "record: predicateType: want \"%s\"", JOB_PREDICATE);
	if (req(root, "subject", yajl_t_array, "statement", &subj, err) < 0 ||
	    files(subj, "subject", &r->subjects, &r->n_subjects, err) < 0 ||
	    req(root, "predicate", yajl_t_object, "statement", &pred, err) < 0 ||
	    req(pred, "buildDefinition", yajl_t_object, "predicate", &bd, err) < 0)
		return -1;
	yajl_val bt = cap_json_get(bd, "buildType", yajl_t_string);
	if (!bt || strcmp(sv(bt), JOB_BUILD_TYPE))
		return cap_fail(err, 0, "record: buildDefinition.buildType: want \"%s\"",
				JOB_BUILD_TYPE);
	return parse_external(bd, &r->spec, err) < 0 || parse_deps(bd, r, err) < 0 ||
		       parse_byproducts(pred, r, err) < 0
		   ? -1
		   : 0;
}

int job_record_parse(const char *buf, size_t len, struct job_record *r, struct cap_error **err)
{
	memset(r, 0, sizeof(*r));
	cleanup_free char *copy = strndup(buf, len); /* yajl_tree_parse wants a C string */
	if (!copy)
		return cap_fail(err, ENOMEM, "record");
	if (strlen(copy) != len)
		return cap_fail(err, 0, "record: NUL byte in the JSON");
	char ebuf[256];
	yajl_val root = yajl_tree_parse(copy, ebuf, sizeof(ebuf));
	if (!root)
		return cap_fail(err, 0, "record: not JSON: %.200s", ebuf);
	int rc = YAJL_IS_OBJECT(root) ? parse_tree(root, r, err)
				      : cap_fail(err, 0, "record: not a JSON object");
	yajl_tree_free(root);
	if (rc < 0)
		job_record_free(r);
	return rc;
}

int job_record_load(const char *path, struct job_record *r, struct cap_error **err)
{
	memset(r, 0, sizeof(*r));
	size_t len = 0;
	cleanup_free char *buf = cap_read_file_at(AT_FDCWD, path, &len, err);
	if (!buf)
		return -1;
	if (len > MAX_RECORD)
		return cap_fail(err, EFBIG, "record %s", path);
	if (job_record_parse(buf, len, r, err) < 0)
		return cap_wrap(err, "%s", path);
	return 0;
}

static void free_strs(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void job_spec_free(struct job_spec *s)
{
	free(s->image);
	for (size_t i = 0; s->inputs && i < s->n_inputs; i++) {
		free(s->inputs[i].name);
		free(s->inputs[i].path);
	}
	free(s->inputs);
	free(s->output);
	free(s->workdir);
	free(s->user);
	free_strs(s->env, s->n_env);
	free_strs(s->args, s->n_args);
	free(s->memory);
	free(s->record);
	memset(s, 0, sizeof(*s));
}

void job_record_free(struct job_record *r)
{
	job_spec_free(&r->spec);
	free(r->image_digest);
	job_files_free(r->subjects, r->n_subjects);
	job_files_free(r->inputs, r->n_inputs);
	free(r->stdout_sha256);
	free(r->stderr_sha256);
	memset(r, 0, sizeof(*r));
}
