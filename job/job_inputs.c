/* Inputs: checked and hashed before anything runs (a missing input or one whose content
 * changed is refused before the job starts). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

static bool valid_name(const char *n)
{
	if (!*n || !strcmp(n, ".") || !strcmp(n, "..") || strlen(n) > 255)
		return false;
	return strchr(n, '/') == NULL;
}

int job_inputs_check(const struct job_spec *s, struct cap_error **err)
{
	for (size_t i = 0; i < s->n_inputs; i++) {
		const struct job_input *in = &s->inputs[i];
		struct stat st;
		if (!valid_name(in->name))
			return cap_fail(err, 0, "--input %.200s: bad name \"%.200s\"", in->path,
					in->name);
		for (size_t k = 0; k < i; k++)
			if (!strcmp(s->inputs[k].name, in->name))
				return cap_fail(err, 0, "--input %.200s: name \"%s\" given twice",
						in->path, in->name);
		if (stat(in->path, &st) < 0)
			return cap_fail(err, errno, "--input %.200s", in->path);
		if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
			return cap_fail(err, 0, "--input %.200s: not a file or directory",
					in->path);
	}
	return 0;
}

static int add(struct job_file **v, size_t *n, char *name, const char *hex)
{
	struct job_file *nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv || !name)
		return free(name), -1;
	*v = nv;
	nv[*n].name = name;
	memcpy(nv[*n].sha256, hex, JOB_HEX_LEN + 1);
	(*n)++;
	return 0;
}

static int hash_input(const struct job_input *in, struct job_file **v, size_t *n,
		      struct cap_error **err)
{
	struct stat st;
	if (stat(in->path, &st) < 0)
		return cap_fail(err, errno, "input %.200s", in->path);
	if (S_ISREG(st.st_mode)) {
		char hex[JOB_HEX_LEN + 1];
		if (job_sha_file(in->path, hex, err) < 0)
			return -1;
		if (add(v, n, cap_strdupf("inputs/%s", in->name), hex) < 0)
			return cap_fail(err, ENOMEM, "inputs");
		return 0;
	}
	struct job_file *files = NULL;
	size_t nf = 0;
	if (job_hash_tree(in->path, &files, &nf, err) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < nf; i++)
		if (add(v, n, cap_strdupf("inputs/%s/%s", in->name, files[i].name),
			files[i].sha256) < 0)
			rc = cap_fail(err, ENOMEM, "inputs");
	job_files_free(files, nf);
	return rc;
}

int job_inputs_hash(const struct job_spec *s, struct job_file **out, size_t *n,
		    struct cap_error **err)
{
	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < s->n_inputs; i++)
		if (hash_input(&s->inputs[i], out, n, err) < 0) {
			job_files_free(*out, *n);
			*out = NULL;
			*n = 0;
			return -1;
		}
	job_files_sort(*out, *n);
	return 0;
}
