/* yajl tree -> struct cdi_spec.  Field names and meaning follow the CDI spec
 * (SPEC.md of cncf-tags/container-device-interface); unknown fields are
 * ignored as the reference library does.  Every error names the file and the
 * field path: "/etc/cdi/x.yaml: devices[1].containerEdits.deviceNodes[0].path:
 * required". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct ctx {
	const char *file;
	struct cap_error **err;
};

#define P(buf, fmt, ...) snprintf(buf, sizeof(buf), fmt, __VA_ARGS__)

static int bad(struct ctx *c, const char *path, const char *why)
{
	return cap_fail(c->err, 0, "%s: %s: %s", c->file, path, why);
}

static yajl_val field(yajl_val obj, const char *key)
{
	for (size_t i = 0; obj && YAJL_IS_OBJECT(obj) && i < obj->u.object.len; i++)
		if (strcmp(obj->u.object.keys[i], key) == 0)
			return YAJL_IS_NULL(obj->u.object.values[i]) ? NULL
								     : obj->u.object.values[i];
	return NULL;
}

static int get_str(struct ctx *c, yajl_val obj, const char *key, const char *base, bool required,
		   char **out)
{
	char p[512];
	P(p, "%s%s%s", base, *base ? "." : "", key);
	yajl_val v = field(obj, key);
	if (!v)
		return required ? bad(c, p, "required") : 0;
	if (!YAJL_IS_STRING(v))
		return bad(c, p, "expected a string");
	if (!(*out = strdup(v->u.string)))
		return cap_fail(c->err, ENOMEM, "%s", c->file);
	return 0;
}

static int get_int(struct ctx *c, yajl_val obj, const char *key, const char *base, int64_t min,
		   int64_t max, bool *has, int64_t *out)
{
	char p[512];
	P(p, "%s.%s", base, key);
	yajl_val v = field(obj, key);
	if (!v)
		return 0;
	if (!YAJL_IS_INTEGER(v) || v->u.number.i < min || v->u.number.i > max) {
		char why[96];
		P(why, "expected an integer in [%lld, %lld]", (long long)min, (long long)max);
		return bad(c, p, why);
	}
	*out = v->u.number.i;
	if (has)
		*has = true;
	return 0;
}

static int get_bool(struct ctx *c, yajl_val obj, const char *key, const char *base, bool *out)
{
	char p[512];
	P(p, "%s.%s", base, key);
	yajl_val v = field(obj, key);
	if (!v)
		return 0;
	if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
		return bad(c, p, "expected true or false");
	*out = YAJL_IS_TRUE(v);
	return 0;
}

/* An optional array field: *arr is NULL when absent. */
static int get_arr(struct ctx *c, yajl_val obj, const char *key, const char *base, yajl_val *arr)
{
	char p[512];
	P(p, "%s%s%s", base, *base ? "." : "", key);
	*arr = field(obj, key);
	if (*arr && !YAJL_IS_ARRAY(*arr))
		return bad(c, p, "expected an array");
	return 0;
}

static int get_strv(struct ctx *c, yajl_val obj, const char *key, const char *base, char ***out,
		    size_t *n)
{
	yajl_val a;
	if (get_arr(c, obj, key, base, &a) < 0)
		return -1;
	if (!a)
		return 0;
	char **v = calloc(a->u.array.len + 1, sizeof(char *));
	if (!v)
		return cap_fail(c->err, ENOMEM, "%s", c->file);
	*out = v;
	for (size_t i = 0; i < a->u.array.len; i++) {
		if (!YAJL_IS_STRING(a->u.array.values[i])) {
			char p[512];
			P(p, "%s.%s[%zu]", base, key, i);
			return bad(c, p, "expected a string");
		}
		if (!(v[i] = strdup(a->u.array.values[i]->u.string)))
			return cap_fail(c->err, ENOMEM, "%s", c->file);
		*n = i + 1;
	}
	return 0;
}

static int need_obj(struct ctx *c, yajl_val v, const char *path)
{
	return YAJL_IS_OBJECT(v) ? 0 : bad(c, path, "expected an object");
}

static int parse_node(struct ctx *c, yajl_val o, const char *p, struct cdi_node *n)
{
	int64_t v = 0;
	bool has = false;
	if (need_obj(c, o, p) < 0 || get_str(c, o, "path", p, true, &n->path) < 0 ||
	    get_str(c, o, "hostPath", p, false, &n->host_path) < 0 ||
	    get_str(c, o, "type", p, false, &n->type) < 0 ||
	    get_str(c, o, "permissions", p, false, &n->permissions) < 0 ||
	    get_int(c, o, "major", p, 0, 0xfff, NULL, &n->major) < 0 ||
	    get_int(c, o, "minor", p, 0, 0xfffff, NULL, &n->minor) < 0)
		return -1;
	char fp[512];
	P(fp, "%s.path", p);
	if (n->path[0] != '/')
		return bad(c, fp, "must be an absolute path");
	P(fp, "%s.type", p);
	if (n->type && strcmp(n->type, "c") && strcmp(n->type, "b") && strcmp(n->type, "u") &&
	    strcmp(n->type, "p"))
		return bad(c, fp, "must be one of b, c, u, p");
	P(fp, "%s.permissions", p);
	if (n->permissions &&
	    (!*n->permissions || strspn(n->permissions, "rwm") != strlen(n->permissions)))
		return bad(c, fp, "must be a non-empty subset of rwm");
	if (get_int(c, o, "fileMode", p, 0, 07777, &n->has_mode, &v) < 0)
		return -1;
	n->mode = (uint32_t)v;
	if (get_int(c, o, "uid", p, 0, UINT32_MAX, &has, &v) < 0)
		return -1;
	n->has_uid = has;
	n->uid = (uint32_t)v;
	has = false;
	if (get_int(c, o, "gid", p, 0, UINT32_MAX, &has, &v) < 0)
		return -1;
	n->has_gid = has;
	n->gid = (uint32_t)v;
	return 0;
}

static int parse_mount(struct ctx *c, yajl_val o, const char *p, struct cdi_mount *m)
{
	if (need_obj(c, o, p) < 0 || get_str(c, o, "hostPath", p, true, &m->host_path) < 0 ||
	    get_str(c, o, "containerPath", p, true, &m->container_path) < 0 ||
	    get_str(c, o, "type", p, false, &m->type) < 0 ||
	    get_strv(c, o, "options", p, &m->options, &m->n_options) < 0)
		return -1;
	char fp[512];
	P(fp, "%s.containerPath", p);
	return m->container_path[0] == '/' ? 0 : bad(c, fp, "must be an absolute path");
}

static int parse_hook(struct ctx *c, yajl_val o, const char *p, struct cdi_hook *h)
{
	int64_t t = 0;
	if (need_obj(c, o, p) < 0 || get_str(c, o, "hookName", p, true, &h->hook_name) < 0 ||
	    get_str(c, o, "path", p, true, &h->path) < 0 ||
	    get_strv(c, o, "args", p, &h->args, &h->n_args) < 0 ||
	    get_strv(c, o, "env", p, &h->env, &h->n_env) < 0 ||
	    get_int(c, o, "timeout", p, 1, INT32_MAX, &h->has_timeout, &t) < 0)
		return -1;
	h->timeout = (int)t;
	char fp[512];
	P(fp, "%s.hookName", p);
	if (spec_hook_kind_from_name(h->hook_name) < 0)
		return bad(c, fp,
			   "unknown hook name (want prestart, createRuntime, "
			   "createContainer, startContainer, poststart or poststop)");
	P(fp, "%s.path", p);
	return h->path[0] == '/' ? 0 : bad(c, fp, "must be an absolute path");
}

static int parse_rdt(struct ctx *c, yajl_val o, const char *p, struct cdi_intel_rdt *r)
{
	bool cmt = false, mbm = false;
	r->present = true;
	if (need_obj(c, o, p) < 0 || get_str(c, o, "closID", p, false, &r->clos_id) < 0 ||
	    get_str(c, o, "l3CacheSchema", p, false, &r->l3_cache_schema) < 0 ||
	    get_str(c, o, "memBwSchema", p, false, &r->mem_bw_schema) < 0 ||
	    get_str(c, o, "schemata", p, false, &r->schemata) < 0 ||
	    get_bool(c, o, "enableMonitoring", p, &r->enable_monitoring) < 0 ||
	    get_bool(c, o, "enableCMT", p, &cmt) < 0 || get_bool(c, o, "enableMBM", p, &mbm) < 0)
		return -1;
	return 0;
}

/* Arrays of objects: one parser per element, into a calloc'ed vector. */
typedef int (*elem_fn)(struct ctx *c, yajl_val o, const char *p, void *elem);

static int parse_vec(struct ctx *c, yajl_val obj, const char *key, const char *base, size_t size,
		     elem_fn fn, void **out, size_t *n)
{
	yajl_val a;
	if (get_arr(c, obj, key, base, &a) < 0)
		return -1;
	if (!a || !a->u.array.len)
		return 0;
	char *v = calloc(a->u.array.len, size);
	if (!v)
		return cap_fail(c->err, ENOMEM, "%s", c->file);
	*out = v;
	for (size_t i = 0; i < a->u.array.len; i++) {
		char p[512];
		P(p, "%s%s%s[%zu]", base, *base ? "." : "", key, i);
		*n = i + 1;
		if (fn(c, a->u.array.values[i], p, v + i * size) < 0)
			return -1;
	}
	return 0;
}

static int parse_gids(struct ctx *c, yajl_val o, const char *p, struct cdi_edits *e)
{
	yajl_val a;
	if (get_arr(c, o, "additionalGids", p, &a) < 0)
		return -1;
	if (!a || !a->u.array.len)
		return 0;
	if (!(e->gids = calloc(a->u.array.len, sizeof(uint32_t))))
		return cap_fail(c->err, ENOMEM, "%s", c->file);
	for (size_t i = 0; i < a->u.array.len; i++) {
		yajl_val g = a->u.array.values[i];
		if (!YAJL_IS_INTEGER(g) || g->u.number.i < 0 || g->u.number.i > UINT32_MAX) {
			char fp[512];
			P(fp, "%s.additionalGids[%zu]", p, i);
			return bad(c, fp, "expected a gid (0..4294967295)");
		}
		e->gids[e->n_gids++] = (uint32_t)g->u.number.i;
	}
	return 0;
}

static int parse_edits(struct ctx *c, yajl_val o, const char *p, struct cdi_edits *e)
{
	if (!o)
		return 0;
	if (need_obj(c, o, p) < 0 || get_strv(c, o, "env", p, &e->env, &e->n_env) < 0)
		return -1;
	for (size_t i = 0; i < e->n_env; i++) {
		if (!strchr(e->env[i], '=') || e->env[i][0] == '=') {
			char fp[512];
			P(fp, "%s.env[%zu]", p, i);
			return bad(c, fp, "expected KEY=VALUE");
		}
	}
	if (parse_vec(c, o, "deviceNodes", p, sizeof(struct cdi_node), (elem_fn)parse_node,
		      (void **)&e->nodes, &e->n_nodes) < 0 ||
	    parse_vec(c, o, "mounts", p, sizeof(struct cdi_mount), (elem_fn)parse_mount,
		      (void **)&e->mounts, &e->n_mounts) < 0 ||
	    parse_vec(c, o, "hooks", p, sizeof(struct cdi_hook), (elem_fn)parse_hook,
		      (void **)&e->hooks, &e->n_hooks) < 0 ||
	    parse_gids(c, o, p, e) < 0)
		return -1;
	yajl_val rdt = field(o, "intelRdt");
	char fp[512];
	P(fp, "%s.intelRdt", p);
	if (rdt && parse_rdt(c, rdt, fp, &e->rdt) < 0)
		return -1;
	yajl_val nd;
	if (get_arr(c, o, "netDevices", p, &nd) < 0)
		return -1;
	e->n_net_devices = nd ? nd->u.array.len : 0;
	return 0;
}

static bool has_annotations(yajl_val o)
{
	yajl_val a = field(o, "annotations");
	return a && YAJL_IS_OBJECT(a) && a->u.object.len > 0;
}

static int parse_device(struct ctx *c, yajl_val o, const char *p, struct cdi_device *d)
{
	if (need_obj(c, o, p) < 0 || get_str(c, o, "name", p, true, &d->name) < 0)
		return -1;
	char fp[512];
	P(fp, "%s.name", p);
	struct cap_error *e = NULL;
	if (cdi_check_device_name(d->name, &e) < 0) {
		int rc = bad(c, fp, e->msg);
		cap_error_free(e);
		return rc;
	}
	d->has_annotations = has_annotations(o);
	P(fp, "%s.containerEdits", p);
	yajl_val ed = field(o, "containerEdits");
	if (!ed)
		return bad(c, fp, "required");
	return parse_edits(c, ed, fp, &d->edits);
}

int cdi_spec_from_tree(yajl_val root, const char *file, struct cdi_spec *s, struct cap_error **err)
{
	struct ctx c = {.file = file, .err = err};
	if (!(s->file = strdup(file)))
		return cap_fail(err, ENOMEM, "%s", file);
	if (!YAJL_IS_OBJECT(root))
		return cap_fail(err, 0, "%s: expected a mapping at the top level", file);
	if (get_str(&c, root, "cdiVersion", "", true, &s->version) < 0 ||
	    get_str(&c, root, "kind", "", true, &s->kind) < 0)
		return -1;
	s->has_annotations = has_annotations(root);
	if (parse_vec(&c, root, "devices", "", sizeof(struct cdi_device), (elem_fn)parse_device,
		      (void **)&s->devices, &s->n_devices) < 0 ||
	    parse_edits(&c, field(root, "containerEdits"), "containerEdits", &s->edits) < 0)
		return -1;
	if (!s->n_devices)
		return cap_fail(err, 0, "%s: devices: at least one device is required", file);
	for (size_t i = 0; i < s->n_devices; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(s->devices[i].name, s->devices[j].name) == 0)
				return cap_fail(err, 0,
						"%s: devices[%zu].name: \"%.200s\" "
						"defined twice",
						file, i, s->devices[i].name);
	struct cap_error *e = NULL;
	if (cdi_check_kind(s->kind, &e) < 0) {
		bad(&c, "kind", e->msg);
		cap_error_free(e);
		return -1;
	}
	return cdi_check_version(s, err) < 0 ? cap_wrap(err, "%s", file) : 0;
}
