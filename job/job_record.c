/* The provenance record: an in-toto Statement v1 whose predicate is SLSA provenance v1.
 *   subject                  every output file (path relative to the output dir, sha256)
 *   buildDefinition          buildType, externalParameters (what the caller asked for),
 *                            internalParameters (the deterministic settings applied),
 *                            resolvedDependencies (image manifest, layers, input files)
 *   runDetails               builder (capsule version + commit), metadata, byproducts
 *                            (exit status, stdout, stderr, config.json) */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cleanup.h"
#include "../lib/file.h"
#include "../lib/json.h"
#include "internal.h"

#ifndef CAPSULE_VERSION
#define CAPSULE_VERSION "unknown"
#endif
#ifndef CAPSULE_COMMIT
#define CAPSULE_COMMIT "unknown"
#endif

static void gen_int(yajl_gen g, const char *k, long long v)
{
	cap_json_str(g, k);
	yajl_gen_integer(g, v);
}

static void gen_bool(yajl_gen g, const char *k, bool v)
{
	cap_json_str(g, k);
	yajl_gen_bool(g, v);
}

/* {"sha256": hex}; hex may carry a "sha256:" prefix. */
static void gen_digest(yajl_gen g, const char *hex)
{
	cap_json_str(g, "digest");
	yajl_gen_map_open(g);
	cap_json_kv_str(g, "sha256", strncmp(hex, "sha256:", 7) ? hex : hex + 7);
	yajl_gen_map_close(g);
}

static void gen_subjects(yajl_gen g, const struct job_outcome *o)
{
	cap_json_str(g, "subject");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < o->n_subjects; i++) {
		yajl_gen_map_open(g);
		cap_json_kv_str(g, "name", o->subjects[i].name);
		gen_digest(g, o->subjects[i].sha256);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

static void gen_external(yajl_gen g, const struct job_outcome *o)
{
	const struct job_spec *s = o->spec;
	cap_json_str(g, "externalParameters");
	yajl_gen_map_open(g);
	cap_json_kv_str(g, "image", s->image);
	gen_bool(g, "allowTag", s->allow_tag);
	cap_json_str_array(g, "command", (const char *const *)s->args);
	cap_json_str_array(g, "env", (const char *const *)s->env);
	cap_json_str(g, "inputs");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < s->n_inputs; i++) {
		yajl_gen_map_open(g);
		cap_json_kv_str(g, "name", s->inputs[i].name);
		cap_json_kv_str(g, "path", o->st->input_abs[i]);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	cap_json_kv_str(g, "output", o->st->output_abs);
	if (s->workdir)
		cap_json_kv_str(g, "workdir", s->workdir);
	if (s->user)
		cap_json_kv_str(g, "user", s->user);
	gen_int(g, "cpus", s->cpus);
	if (s->memory)
		cap_json_kv_str(g, "memory", s->memory);
	yajl_gen_map_close(g);
}

static void gen_internal(yajl_gen g, const struct job_outcome *o)
{
	const struct job_settings *st = o->st;
	cap_json_str(g, "internalParameters");
	yajl_gen_map_open(g);
	cap_json_str_array(g, "env", (const char *const *)st->env);
	cap_json_kv_str(g, "hostname", JOB_HOSTNAME);
	cap_json_kv_str(g, "domainname", JOB_DOMAINNAME);
	cap_json_kv_str(g, "cwd", st->cwd);
	cap_json_kv_str(g, "user", o->spec->user ? o->spec->user : "image");
	cap_json_kv_str(g, "imageUser", o->img->user);
	cap_json_kv_str(g, "umask", "0022");
	gen_bool(g, "readonlyRoot", true);
	cap_json_kv_str(g, "network",
			o->st->loopback_up ? "own network namespace, loopback only (up)"
					   : "own network namespace, loopback only (down)");
	cap_json_kv_str(g, "tmp", "fresh tmpfs, size=1g");
	cap_json_kv_str(g, "stdin", "/dev/null");
	cap_json_kv_str(g, "seccomp", "capsule default profile");
	gen_bool(g, "noNewPrivileges", true);
	gen_int(g, "sourceDateEpoch", st->source_date_epoch);
	cap_json_kv_str(g, "cpuList", st->cpu_list);
	cap_json_kv_str(g, "cpuPinning",
			!st->cpu_list[0]    ? "none"
			: st->cpuset_cgroup ? "cgroup cpuset and CPU affinity"
					    : "CPU affinity (no cgroup2 cpuset here)");
	gen_int(g, "memoryLimit", st->memory);
	job_gen_rlimits(g);
	cap_json_kv_str(g, "wallClock",
			"not pinned: time namespaces shift only monotonic and boottime");
	yajl_gen_map_close(g);
}

static void gen_dep(yajl_gen g, const char *name, const char *uri, const char *digest,
		    const char *media_type)
{
	yajl_gen_map_open(g);
	cap_json_kv_str(g, "name", name);
	if (uri)
		cap_json_kv_str(g, "uri", uri);
	gen_digest(g, digest);
	if (media_type)
		cap_json_kv_str(g, "mediaType", media_type);
	yajl_gen_map_close(g);
}

static const char *input_path(const struct job_outcome *o, const char *dep, char *buf, size_t len)
{
	/* dep is "inputs/<name>[/<rel>]": map <name> back to its host path */
	const char *rest = dep + strlen("inputs/");
	for (size_t i = 0; i < o->spec->n_inputs; i++) {
		size_t k = strlen(o->spec->inputs[i].name);
		if (strncmp(rest, o->spec->inputs[i].name, k) || (rest[k] && rest[k] != '/'))
			continue;
		snprintf(buf, len, "file://%s%s", o->st->input_abs[i], rest + k);
		return buf;
	}
	return NULL;
}

static void gen_deps(yajl_gen g, const struct job_outcome *o)
{
	cap_json_str(g, "resolvedDependencies");
	yajl_gen_array_open(g);
	cleanup_free char *uri = cap_strdupf("oci-store:%s", o->img->digest);
	gen_dep(g, "image", uri, o->img->digest, "application/vnd.oci.image.manifest.v1+json");
	gen_dep(g, "image-config", NULL, o->img->config_digest,
		"application/vnd.oci.image.config.v1+json");
	for (size_t i = 0; o->img->layers[i]; i++) {
		char name[32];
		snprintf(name, sizeof(name), "image-layer-%zu", i);
		gen_dep(g, name, NULL, o->img->layers[i], "application/vnd.oci.image.layer.v1.tar");
	}
	for (size_t i = 0; i < o->n_inputs; i++) {
		char buf[8192];
		gen_dep(g, o->inputs[i].name, input_path(o, o->inputs[i].name, buf, sizeof(buf)),
			o->inputs[i].sha256, NULL);
	}
	yajl_gen_array_close(g);
}

static void gen_byproducts(yajl_gen g, const struct job_outcome *o)
{
	char num[32], b64[64];
	int n = snprintf(num, sizeof(num), "%d", o->exit_status);
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)num, n);
	cap_json_str(g, "byproducts");
	yajl_gen_array_open(g);
	yajl_gen_map_open(g);
	cap_json_kv_str(g, "name", "exitStatus");
	cap_json_kv_str(g, "content", b64);
	cap_json_kv_str(g, "mediaType", "text/plain");
	cap_json_str(g, "annotations");
	yajl_gen_map_open(g);
	gen_int(g, "exitStatus", o->exit_status);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	gen_dep(g, "stdout", NULL, o->stdout_sha, NULL);
	gen_dep(g, "stderr", NULL, o->stderr_sha, NULL);
	gen_dep(g, "config.json", NULL, o->config_sha ? o->config_sha : "", "application/json");
	yajl_gen_array_close(g);
}

static void gen_run_details(yajl_gen g, const struct job_outcome *o)
{
	cap_json_str(g, "runDetails");
	yajl_gen_map_open(g);
	cap_json_str(g, "builder");
	yajl_gen_map_open(g);
	cap_json_kv_str(g, "id",
			"https://capsule.invalid/builder/" CAPSULE_VERSION "+" CAPSULE_COMMIT);
	cap_json_str(g, "version");
	yajl_gen_map_open(g);
	cap_json_kv_str(g, "capsule", CAPSULE_VERSION);
	cap_json_kv_str(g, "commit", CAPSULE_COMMIT);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	cap_json_str(g, "metadata");
	yajl_gen_map_open(g);
	cap_json_kv_str(g, "invocationId", o->invocation_id);
	cap_json_kv_str(g, "startedOn", o->started);
	cap_json_kv_str(g, "finishedOn", o->finished);
	yajl_gen_map_close(g);
	gen_byproducts(g, o);
	yajl_gen_map_close(g);
}

int job_record_write(const char *path, const struct job_outcome *o, struct cap_error **err)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return cap_fail(err, ENOMEM, "record");
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_config(g, yajl_gen_indent_string, "  ");
	yajl_gen_map_open(g);
	cap_json_kv_str(g, "_type", JOB_STATEMENT);
	gen_subjects(g, o);
	cap_json_kv_str(g, "predicateType", JOB_PREDICATE);
	cap_json_str(g, "predicate");
	yajl_gen_map_open(g);
	cap_json_str(g, "buildDefinition");
	yajl_gen_map_open(g);
	cap_json_kv_str(g, "buildType", JOB_BUILD_TYPE);
	gen_external(g, o);
	gen_internal(g, o);
	gen_deps(g, o);
	yajl_gen_map_close(g);
	gen_run_details(g, o);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	const unsigned char *buf;
	size_t len;
	int rc = yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok ? 0 : -1;
	if (rc < 0) {
		yajl_gen_free(g);
		return cap_fail(err, 0, "record %s: generate", path);
	}
	cleanup_free char *copy = cap_strdupf("%.*s\n", (int)len, buf);
	yajl_gen_free(g);
	if (!copy)
		return cap_fail(err, ENOMEM, "record");
	/* tmp file + rename in the record's dir: a reader sees the old record or the new */
	cleanup_free char *dir = strdup(path);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	const char *base = slash ? slash + 1 : path;
	if (slash)
		*slash = '\0';
	cleanup_close int dfd =
	    open(slash ? (*dir ? dir : "/") : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cap_fail(err, errno, "record %s", path);
	if (cap_write_file_atomic(dfd, base, copy, strlen(copy), 0644, err) < 0)
		return cap_wrap(err, "record %s", path);
	return 0;
}
