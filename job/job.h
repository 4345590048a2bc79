/* job/: reproducible pipeline jobs on top of the runtime and the layer store.
 *
 * `job run` turns a pinned image, read-only inputs and an empty output dir into one
 * foreground container with a deterministic environment (job_config.c lists every
 * setting), hashes every output file, stdout and stderr, and writes an in-toto Statement
 * v1 with a SLSA provenance v1 predicate (job_record.c).  `job verify` compares an output
 * dir (or a fresh rerun) with a record; `job check` reruns a job under deliberate
 * variations and names the outputs each variation changes. */
#ifndef CAPSULE_JOB_H
#define CAPSULE_JOB_H

#include <stdbool.h>
#include <stddef.h>

#include "../lib/error.h"

#define JOB_HEX_LEN 64

struct job_input {
	char *name; /* mounted at /inputs/<name> */
	char *path; /* host path as given */
};

/* What the caller asks for: the record's externalParameters. */
struct job_spec {
	char *image; /* NAME@sha256:<hex>, sha256:<hex>, or a tag with allow_tag */
	bool allow_tag;
	struct job_input *inputs;
	size_t n_inputs;
	char *output;  /* host dir mounted at /output; created, must be empty */
	char *workdir; /* cwd in the job (default /output) */
	char *user;    /* "uid[:gid]" (default: the image's user) */
	char **env;    /* --env K=V, in the order given */
	size_t n_env;
	char **args; /* the command */
	size_t n_args;
	unsigned cpus; /* 0: not pinned */
	char *memory;  /* as given ("512M"); NULL: no limit */
	char *record;  /* NULL: <output>.provenance.json */
};

/* Deliberate changes `job check` makes; all zero for a normal run. */
struct job_variation {
	const char *hostname;	 /* instead of the fixed one */
	bool reverse_env;	 /* env entries in reverse order */
	unsigned cpus;		 /* pin this many CPUs instead */
	bool tmp_layout;	 /* /tmp pre-populated and bind-mounted instead of a fresh tmpfs */
	const char *inputs_copy; /* inputs copied under this host dir (new paths, inodes, mtimes) */
	bool clock;		 /* time namespace: monotonic and boottime shifted */
};

/* How to reach the rest of the system; from cmd/. */
struct job_env {
	const char *root;	  /* runtime state root */
	const char *store;	  /* layer store */
	const char *seccomp_json; /* the default seccomp profile (a JSON object) */
	const char
	    *self_exe; /* capsule's binary, run as the loopback-up hook; NULL: lo stays down */
	void (*debug)(const char *msg);
	void (*warn)(const char *msg);
};

/* Run the job in the foreground; stdout/stderr stream through.  *exit_code gets the job's
 * exit status (128+N for a signal).  The record is written whenever the container was
 * created, also when the job fails; *record_path (optional) gets its path.  Refusals
 * (tag without allow_tag, missing input, non-empty output) fail before anything runs. */
int job_run(const struct job_spec *s, const struct job_env *e, int *exit_code, char **record_path,
	    struct cap_error **err);
int job_run_varied(const struct job_spec *s, const struct job_env *e, const struct job_variation *v,
		   int *exit_code, char **record_path, struct cap_error **err);

/* `capsule job loopback-up` (a createRuntime hook): join the network namespace of the
 * container whose OCI state is state_json and set lo up (job_net.c). */
int job_loopback_up(const char *state_json, struct cap_error **err);

/* --- records --- */

struct job_file {
	char *name; /* relative path */
	char sha256[JOB_HEX_LEN + 1];
};

struct job_record {
	struct job_spec spec;
	char *image_digest;	   /* sha256:<manifest hex> actually run */
	struct job_file *subjects; /* sorted by name */
	size_t n_subjects;
	struct job_file *inputs; /* "inputs/<name>[/<rel>]" + sha256 */
	size_t n_inputs;
	char *stdout_sha256, *stderr_sha256;
	int exit_status;
};

/* Parse a record (yajl).  Bad input fails with one line naming the field. */
int job_record_parse(const char *buf, size_t len, struct job_record *r, struct cap_error **err);
int job_record_load(const char *path, struct job_record *r, struct cap_error **err);
void job_record_free(struct job_record *r);
void job_spec_free(struct job_spec *s);

/* --- verify --- */

enum job_diff_kind { JOB_DIFF_CHANGED, JOB_DIFF_MISSING, JOB_DIFF_EXTRA };
struct job_diff {
	enum job_diff_kind kind;
	char *name;
};
void job_diffs_free(struct job_diff *d, size_t n);
/* Files of dir (recursively, regular files and symlinks) with their sha256, sorted. */
int job_hash_tree(const char *dir, struct job_file **out, size_t *n, struct cap_error **err);
void job_files_free(struct job_file *f, size_t n);
/* Compare want (sorted) with have (sorted). */
int job_compare(const struct job_file *want, size_t nw, const struct job_file *have, size_t nh,
		struct job_diff **out, size_t *n, struct cap_error **err);
/* Compare dir with the record's subjects. */
int job_verify_dir(const struct job_record *r, const char *dir, struct job_diff **out, size_t *n,
		   struct cap_error **err);
/* Run the record's job again into out_dir (must not exist or be empty): the image must be in
 * the store and every input must hash as recorded, else it fails before running.  Then the
 * new outputs are compared with the record's subjects. */
int job_rerun(const struct job_record *r, const char *out_dir, const struct job_env *e,
	      int *exit_code, struct job_diff **out, size_t *n, struct cap_error **err);

/* --- check --- */

struct job_check_result {
	const char *variation; /* static name, "run-to-run" for the unchanged rerun */
	char *what;	       /* what was varied, for the report */
	struct job_diff *diffs;
	size_t n_diffs;
	int exit_code;
};
/* Run the job as given and again under each variation; results[i] lists the outputs that
 * differ from the first run.  Output dirs are temporary and removed. */
int job_check(const struct job_spec *s, const struct job_env *e, struct job_check_result **out,
	      size_t *n, struct cap_error **err);
void job_check_results_free(struct job_check_result *r, size_t n);

#endif
