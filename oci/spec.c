/* config.json -> struct spec (runtime-spec 1.2).  The top level, mounts and
 * hooks are here; process, linux, resources and seccomp have their own files,
 * the typed getters are in spec_json.c.
 *
 * On the container start path: one read, one yajl parse, then a single walk
 * of the tree that copies out only the strings the model keeps. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../lib/cleanup.h"
#include "spec_internal.h"

static void cleanup_spec_fn(struct spec **s)
{
	spec_free(*s);
}
#define cleanup_spec __attribute__((cleanup(cleanup_spec_fn)))

static int parse_root(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	struct spec *s = out;
	int rc = oci_jf_str(v, "path", p, &s->root_path, err);
	if (rc < 0)
		return -1;
	if (rc == 0 || !s->root_path[0])
		return oci_jp_required(p, "path", err);
	return oci_jf_bool(v, "readonly", p, &s->root_readonly, err) < 0 ? -1 : 0;
}

static int parse_mount(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	struct spec_mount *m = out;
	if (oci_jf_abspath(v, "destination", p, &m->destination, err) < 0 ||
	    oci_jf_str(v, "type", p, &m->type, err) < 0 ||
	    oci_jf_str(v, "source", p, &m->source, err) < 0 ||
	    oci_jf_strv(v, "options", p, &m->options, &m->n_options, err) < 0 ||
	    spec_id_mappings_from_json(v, "uidMappings", p, &m->uid_mappings, &m->n_uid_mappings,
				       err) < 0 ||
	    spec_id_mappings_from_json(v, "gidMappings", p, &m->gid_mappings, &m->n_gid_mappings,
				       err) < 0)
		return -1;
	return 0;
}

static int parse_hook(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	struct spec_hook *h = out;
	if (oci_jf_abspath(v, "path", p, &h->path, err) < 0 ||
	    oci_jf_strv(v, "args", p, &h->args, &h->n_args, err) < 0 ||
	    oci_jf_strv(v, "env", p, &h->env, &h->n_env, err) < 0)
		return -1;
	int rc = oci_jf_int(v, "timeout", p, 1, INT32_MAX, &h->timeout, err);
	if (rc < 0)
		return -1;
	h->has_timeout = rc > 0;
	return 0;
}

static const char *const hook_names[HOOK__COUNT] = {
    /* `features` lists these too */
    [HOOK_PRESTART] = "prestart",
    [HOOK_CREATE_RUNTIME] = "createRuntime",
    [HOOK_CREATE_CONTAINER] = "createContainer",
    [HOOK_START_CONTAINER] = "startContainer",
    [HOOK_POSTSTART] = "poststart",
    [HOOK_POSTSTOP] = "poststop",
};

const char *spec_hook_kind_name(enum spec_hook_kind kind)
{
	return kind < HOOK__COUNT ? hook_names[kind] : "?";
}

int spec_hook_kind_from_name(const char *name)
{
	for (int k = 0; k < HOOK__COUNT; k++)
		if (strcmp(name, hook_names[k]) == 0)
			return k;
	return -1;
}

static int parse_hooks(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	struct spec_hooks *hooks = out;
	for (int k = 0; k < HOOK__COUNT; k++)
		if (oci_jf_objects(v, hook_names[k], p, sizeof(struct spec_hook), &hooks->list[k],
				   &hooks->count[k], parse_hook, err) < 0)
			return -1;
	return 0;
}

static int process_fn(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	return spec_process_from_json(v, p, out, err);
}

static int linux_fn(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	return spec_linux_from_json(v, p, out, err);
}

/* Supported: 1.x.y (any suffix, e.g. "1.0.2-dev").  runtime-spec: an
 * invalid or unsupported value MUST be an error. */
static bool supported_oci_version(const char *v)
{
	unsigned major, minor, patch;
	int n = 0;
	return sscanf(v, "%u.%u.%u%n", &major, &minor, &patch, &n) == 3 && major == 1 &&
	       (v[n] == 0 || v[n] == '-' || v[n] == '+');
}

static struct spec *spec_from_tree(yajl_val root, struct cap_error **err)
{
	struct jpath p = {0};
	if (!YAJL_IS_OBJECT(root))
		return cap_fail(err, 0, "config.json: expected a JSON object"), NULL;
	cleanup_spec struct spec *s = calloc(1, sizeof(*s));
	if (!s)
		return cap_fail(err, ENOMEM, "config.json"), NULL;
	int rc = oci_jf_str(root, "ociVersion", &p, &s->oci_version, err);
	if (rc <= 0)
		return rc < 0 ? NULL : (oci_jp_required(&p, "ociVersion", err), NULL);
	if (!supported_oci_version(s->oci_version))
		return cap_fail(err, 0, "ociVersion: unsupported version \"%s\" (want 1.x.y)",
				s->oci_version),
		       NULL;
	if ((rc = oci_jf_sub(root, "root", &p, parse_root, s, err)) <= 0)
		return rc < 0 ? NULL : (oci_jp_required(&p, "root", err), NULL);
	if ((rc = oci_jf_sub(root, "process", &p, process_fn, &s->process, err)) < 0)
		return NULL;
	s->has_process = rc > 0;
	if (oci_jf_str(root, "hostname", &p, &s->hostname, err) < 0 ||
	    oci_jf_str(root, "domainname", &p, &s->domainname, err) < 0 ||
	    oci_jf_objects(root, "mounts", &p, sizeof(struct spec_mount), &s->mounts, &s->n_mounts,
			   parse_mount, err) < 0 ||
	    oci_jf_sub(root, "hooks", &p, parse_hooks, &s->hooks, err) < 0 ||
	    oci_jf_kv(root, "annotations", &p, &s->annotations, &s->n_annotations, err) < 0)
		return NULL;
	if ((rc = oci_jf_sub(root, "linux", &p, linux_fn, &s->linux_, err)) < 0)
		return NULL;
	s->has_linux = rc > 0;
	if (spec_check(s, err) < 0)
		return NULL;
	return steal_pointer(&s);
}

struct spec *spec_parse(const char *json, size_t len, struct cap_error **err)
{
	cleanup_yajl yajl_val tree = cap_json_parse(json, len, false, "config.json", err);
	return tree ? spec_from_tree(tree, err) : NULL;
}

/* One read into a buffer sized from fstat; the loop only matters for short
 * reads and for files whose size stat does not tell (pipes, /proc). */
static char *read_whole(int fd, const char *path, size_t *len, struct cap_error **err)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return cap_fail(err, errno, "stat %s", path), NULL;
	size_t cap = (st.st_size > 0 ? (size_t)st.st_size : 4096) + 1;
	cleanup_free char *buf = malloc(cap);
	if (!buf)
		return cap_fail(err, ENOMEM, "read %s", path), NULL;
	size_t n = 0;
	for (;;) {
		if (n == cap - 1) {
			char *bigger = realloc(buf, cap * 2);
			if (!bigger)
				return cap_fail(err, ENOMEM, "read %s", path), NULL;
			buf = bigger;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return cap_fail(err, errno, "read %s", path), NULL;
		if (r == 0)
			break;
		n += (size_t)r;
		/* A regular file that gave its whole size is done: no second read. */
		if (S_ISREG(st.st_mode) && st.st_size > 0 && n == (size_t)st.st_size)
			break;
	}
	buf[n] = '\0';
	*len = n;
	return steal_pointer(&buf);
}

struct spec *spec_load(const char *path, struct cap_error **err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cap_fail(err, errno, "open %s", path), NULL;
	size_t len;
	cleanup_free char *buf = read_whole(fd, path, &len, err);
	if (!buf)
		return NULL;
	/* The buffer is NUL-terminated: yajl reads it in place. */
	cleanup_yajl yajl_val tree = cap_json_parse(buf, len, true, "config.json", err);
	return tree ? spec_from_tree(tree, err) : NULL;
}

struct spec_process *spec_parse_process(const char *json, size_t len, struct cap_error **err)
{
	cleanup_yajl yajl_val tree = cap_json_parse(json, len, false, "process", err);
	if (!tree)
		return NULL;
	struct spec_process *pr = calloc(1, sizeof(*pr));
	if (!pr)
		return cap_fail(err, ENOMEM, "process"), NULL;
	struct jpath p = {0};
	if (spec_process_from_json(tree, &p, pr, err) < 0) {
		spec_process_free(pr);
		return NULL;
	}
	return pr;
}

struct spec_resources *spec_parse_resources(const char *json, size_t len, struct cap_error **err)
{
	cleanup_yajl yajl_val tree = cap_json_parse(json, len, false, "resources", err);
	if (!tree)
		return NULL;
	struct spec_resources *r = calloc(1, sizeof(*r));
	if (!r)
		return cap_fail(err, ENOMEM, "resources"), NULL;
	struct jpath p = {0};
	if (spec_resources_from_json(tree, &p, r, err) < 0) {
		spec_resources_free(r);
		return NULL;
	}
	return r;
}

const struct spec_namespace *spec_find_namespace(const struct spec *s, int clone_type)
{
	for (size_t i = 0; i < s->linux_.n_namespaces; i++)
		if (s->linux_.namespaces[i].type == clone_type)
			return &s->linux_.namespaces[i];
	return NULL;
}
