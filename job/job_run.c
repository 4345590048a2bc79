/* `job run`: checks and hashes everything before the job starts, runs it through the
 * runtime's `run --image` path (overlay_bundle_from_image + container_run) with the job's
 * config.json, then hashes the outputs and writes the record. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "../overlay/overlay.h"
#include "../lib/cleanup.h"
#include "../runtime/container.h"
#include "../lib/file.h"
#include "../runtime/state.h"
#include "internal.h"

/* Notes the runtime emits while our stderr is the job's: kept and passed on afterwards, so
 * they never enter the job's stderr digest. */
#define MAX_NOTES 32
static char *notes[MAX_NOTES];
static size_t n_notes;

static void keep_note(const char *msg)
{
	if (n_notes < MAX_NOTES)
		notes[n_notes++] = strdup(msg);
}

static void flush_notes(void (*fn)(const char *))
{
	for (size_t i = 0; i < n_notes; i++) {
		if (fn && notes[i])
			fn(notes[i]);
		free(notes[i]);
		notes[i] = NULL;
	}
	n_notes = 0;
}

static void make_uuid(char out[37])
{
	unsigned char b[16] = {0};
	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)(rand() & 0xff);
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

/* `job check`'s /tmp variation: a host dir with entries a fresh tmpfs would not have. */
static char *decoy_tmp(struct cap_error **err)
{
	char dir[] = "/tmp/capsule-job-tmp-XXXXXX";
	if (!mkdtemp(dir))
		return cap_fail(err, errno, "mkdtemp %s", dir), NULL;
	const char *names[] = {"zz-left-over", "aa-left-over", "cache"};
	for (size_t i = 0; i < 3; i++) {
		char p[128];
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		if (i == 2 ? mkdir(p, 0700) : mknod(p, S_IFREG | 0600, 0))
			return cap_rm_rf(dir, NULL), cap_fail(err, errno, "create %s", p), NULL;
	}
	chmod(dir, 01777);
	return strdup(dir);
}

struct run_state {
	const struct job_spec *s;
	const struct job_env *e;
	const struct job_variation *v;
	struct job_image img;
	struct job_settings st;
	struct job_file *inputs, *subjects;
	size_t n_inputs, n_subjects;
	char *config_sha, *bundle;
	bool made_output; /* removed again when the job is refused before it runs */
	char id[48], uuid[37], started[64], finished[64];
	char out_sha[JOB_HEX_LEN + 1], err_sha[JOB_HEX_LEN + 1];
};

static void run_state_clear(struct run_state *r)
{
	if (r->bundle)
		cap_rm_rf(r->bundle, NULL);
	if (r->st.tmp_dir)
		cap_rm_rf(r->st.tmp_dir, NULL);
	job_settings_clear(&r->st, r->s->n_inputs);
	job_image_clear(&r->img);
	job_files_free(r->inputs, r->n_inputs);
	job_files_free(r->subjects, r->n_subjects);
	free(r->config_sha);
	free(r->bundle);
}

/* Everything that can refuse the job, before anything runs. */
static int prepare(struct run_state *r, struct cap_error **err)
{
	const struct job_spec *s = r->s;
	if (!s->n_args)
		return cap_fail(err, 0, "job: no command given (after --)");
	if (!s->output)
		return cap_fail(err, 0, "job: --output is required");
	if (job_inputs_check(s, err) < 0 ||
	    job_image_load(r->e->store, s->image, s->allow_tag, &r->img, err) < 0 ||
	    job_inputs_hash(s, &r->inputs, &r->n_inputs, err) < 0)
		return -1;
	int made = job_empty_dir(s->output, err);
	if (made < 0)
		return -1;
	r->made_output = made == 1;
	if (job_settings_build(s, r->v, &r->img, &r->st, err) < 0)
		return -1;
	if (r->v && r->v->tmp_layout && !(r->st.tmp_dir = decoy_tmp(err)))
		return -1;
	r->st.loopback_up = r->e->self_exe != NULL;
	make_uuid(r->uuid);
	snprintf(r->id, sizeof(r->id), "job-%s", r->uuid);
	if (!(r->bundle = container_image_bundle_dir(r->e->root, r->id)))
		return cap_fail(err, ENOMEM, "bundle");
	if (cap_mkdir_p(r->bundle, 0700, err) < 0 ||
	    overlay_bundle_from_image(r->e->store, r->img.digest, r->bundle, s->args, false, NULL,
				      err) < 0 ||
	    job_config_write(r->bundle, s, r->v, &r->st, r->e, &r->config_sha, err) < 0)
		return -1;
	if (r->st.uid > 0 && chown(r->st.output_abs, (uid_t)r->st.uid, (gid_t)r->st.gid) < 0)
		return cap_fail(err, errno, "chown %s", r->st.output_abs);
	return 0;
}

static int execute(struct run_state *r, int *exit_code, struct cap_error **err)
{
	struct create_opts o = {
	    .id = r->id,
	    .bundle = r->bundle,
	    .root = r->e->root,
	    .debug = r->e->debug ? keep_note : NULL,
	    .warn = keep_note,
	};
	struct job_stdio *io;
	if (job_stdio_start(&io, err) < 0)
		return -1;
	rt_rfc3339_now(r->started, sizeof(r->started));
	int rc = container_run(&o, false, exit_code, err);
	rt_rfc3339_now(r->finished, sizeof(r->finished));
	cleanup_error struct cap_error *ioerr = NULL;
	if (job_stdio_finish(io, r->out_sha, r->err_sha, &ioerr) < 0 && rc == 0)
		rc = cap_fail(err, 0, "%s", ioerr->msg);
	if (rc < 0 && *exit_code == 0)
		*exit_code = 125; /* the runtime failed, not the job (podman's code) */
	return rc;
}

static int record(struct run_state *r, int exit_code, char **record_path, struct cap_error **err)
{
	if (job_hash_tree(r->st.output_abs, &r->subjects, &r->n_subjects, err) < 0)
		return -1;
	struct job_outcome out = {
	    .spec = r->s,
	    .img = &r->img,
	    .st = &r->st,
	    .inputs = r->inputs,
	    .n_inputs = r->n_inputs,
	    .subjects = r->subjects,
	    .n_subjects = r->n_subjects,
	    .invocation_id = r->uuid,
	    .started = r->started,
	    .finished = r->finished,
	    .config_sha = r->config_sha,
	    .exit_status = exit_code,
	};
	memcpy(out.stdout_sha, r->out_sha, sizeof(out.stdout_sha));
	memcpy(out.stderr_sha, r->err_sha, sizeof(out.stderr_sha));
	cleanup_free char *path =
	    r->s->record ? strdup(r->s->record) : job_record_default(r->s->output);
	if (!path)
		return cap_fail(err, ENOMEM, "record path");
	if (job_record_write(path, &out, err) < 0)
		return -1;
	if (record_path)
		*record_path = steal_pointer(&path);
	return 0;
}

int job_run_varied(const struct job_spec *s, const struct job_env *e, const struct job_variation *v,
		   int *exit_code, char **record_path, struct cap_error **err)
{
	struct run_state r = {.s = s, .e = e, .v = v};
	*exit_code = 0;
	if (record_path)
		*record_path = NULL;
	int rc = prepare(&r, err);
	if (rc < 0 && r.made_output)
		rmdir(s->output);
	if (rc == 0) {
		cleanup_error struct cap_error *run_err = NULL;
		int run_rc = execute(&r, exit_code, &run_err);
		flush_notes(e->warn);
		/* The record is written also when the job (or the runtime) failed. */
		rc = record(&r, *exit_code, record_path, err);
		if (run_rc < 0) {
			cap_error_free(*err);
			*err = steal_pointer(&run_err);
			rc = -1;
		}
	}
	run_state_clear(&r);
	return rc;
}

int job_run(const struct job_spec *s, const struct job_env *e, int *exit_code, char **record_path,
	    struct cap_error **err)
{
	return job_run_varied(s, e, NULL, exit_code, record_path, err);
}
