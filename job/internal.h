/* job/ internals shared between its files; not a public header. */
#ifndef CAPSULE_JOB_INTERNAL_H
#define CAPSULE_JOB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "../lib/file.h"
#include "job.h"

#define JOB_BUILD_TYPE "https://capsule.invalid/job/v1"
#define JOB_HOSTNAME   "capsule-job"
#define JOB_DOMAINNAME "capsule"
#define JOB_STATEMENT  "https://in-toto.io/Statement/v1"
#define JOB_PREDICATE  "https://slsa.dev/provenance/v1"

/* --- job_hash.c --- */
struct job_sha;
int job_sha_init(struct job_sha **out, struct cap_error **err);
void job_sha_update(struct job_sha *h, const void *buf, size_t len);
void job_sha_final(struct job_sha *h, char hex[JOB_HEX_LEN + 1]);
void job_sha_free(struct job_sha *h);
int job_sha_buf(const void *buf, size_t len, char hex[JOB_HEX_LEN + 1], struct cap_error **err);
int job_sha_fd(int fd, const char *what, char hex[JOB_HEX_LEN + 1], struct cap_error **err);
int job_sha_file(const char *path, char hex[JOB_HEX_LEN + 1], struct cap_error **err);
void job_files_sort(struct job_file *f, size_t n);

/* --- job_image.c: the pinned image --- */
struct job_image {
	char *digest;	     /* sha256:<manifest hex> */
	char *config_digest; /* sha256:<config hex> */
	char **layers;	     /* manifest layer (blob) digests, bottom first, NULL-terminated */
	char **diff_ids;     /* NULL-terminated */
	char **env;	     /* the image config's Env, NULL-terminated */
	char *user;	     /* the image config's User ("" when unset) */
	long long created;   /* seconds since the epoch; 0 when the image has no date */
};
/* Refuse an unpinned ref unless allow_tag, resolve it, verify it as import did. */
int job_image_load(const char *store, const char *ref, bool allow_tag, struct job_image *img,
		   struct cap_error **err);
void job_image_clear(struct job_image *img);
bool job_ref_pinned(const char *ref);

/* --- job_inputs.c --- */
/* Hash every input (a file, or every file under a dir) as "inputs/<name>[/<rel>]". */
int job_inputs_hash(const struct job_spec *s, struct job_file **out, size_t *n,
		    struct cap_error **err);
/* Names valid and unique, paths present. */
int job_inputs_check(const struct job_spec *s, struct cap_error **err);

/* --- job_config.c: the bundle's config.json --- */
struct job_settings {
	char **env; /* final env, NULL-terminated */
	size_t n_env;
	char *cwd;
	long uid, gid;	    /* -1: keep the image's */
	char cpu_list[256]; /* "" when not pinned */
	bool cpuset_cgroup; /* cpu_list also written to the cgroup's cpuset */
	long long memory;   /* bytes, 0: none */
	long long source_date_epoch;
	char *output_abs;
	char **input_abs; /* n_inputs, absolute host paths */
	char *tmp_dir;	  /* variation: bind this instead of a tmpfs /tmp */
	bool loopback_up; /* the loopback-up hook is in the config */
};
int job_settings_build(const struct job_spec *s, const struct job_variation *v,
		       const struct job_image *img, struct job_settings *st,
		       struct cap_error **err);
void job_settings_clear(struct job_settings *st, size_t n_inputs);
/* Rewrite BUNDLE/config.json (made by overlay_bundle_from_image) for the job; fills
 * st->uid/gid from the image's user when they are -1. */
int job_config_write(const char *bundle, const struct job_spec *s, const struct job_variation *v,
		     struct job_settings *st, const struct job_env *e, char **config_sha,
		     struct cap_error **err);
/* The fixed rlimits, for the config and the record. */
struct job_rlimit {
	const char *type;
	unsigned long long soft, hard;
};
extern const struct job_rlimit job_rlimits[];
extern const size_t job_n_rlimits;
void job_gen_rlimits(yajl_gen g); /* "rlimits": [{"type","soft","hard"}...] */

/* --- job_stdio.c: stdout/stderr through a hashing relay --- */
struct job_stdio;
int job_stdio_start(struct job_stdio **out, struct cap_error **err);
/* Restore our stdout/stderr and collect the digests (waits for the relay). */
int job_stdio_finish(struct job_stdio *io, char out_hex[JOB_HEX_LEN + 1],
		     char err_hex[JOB_HEX_LEN + 1], struct cap_error **err);

/* --- job_record.c --- */
struct job_outcome {
	const struct job_spec *spec;
	const struct job_image *img;
	const struct job_settings *st;
	const struct job_file *inputs, *subjects;
	size_t n_inputs, n_subjects;
	const char *invocation_id, *started, *finished;
	char stdout_sha[JOB_HEX_LEN + 1], stderr_sha[JOB_HEX_LEN + 1];
	char *config_sha;
	int exit_status;
};
int job_record_write(const char *path, const struct job_outcome *o, struct cap_error **err);

/* --- small helpers (job_util.c) --- */
bool job_is_hex64(const char *s);
char *job_record_default(const char *output); /* <output>.provenance.json */
/* An empty dir, created when missing (mode 0755): 1 when created, 0 when it was there. */
int job_empty_dir(const char *dir, struct cap_error **err);

#endif
