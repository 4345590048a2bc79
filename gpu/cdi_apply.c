/* containerEdits -> the typed OCI spec, as the reference library applies
 * them (pkg/cdi/container-edits.go): env replaces a variable of the same
 * name; a device node gets its type, major and minor from stat(hostPath)
 * when the spec leaves them out, replaces a node of the same path and gets a
 * linux.resources.devices allow rule (permissions, default rwm); a mount
 * replaces one of the same destination; hooks are appended by name;
 * additionalGids are added once.  Nothing here touches the host beyond
 * stat(). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "internal.h"

static char **cap_strv_dup(char *const *v, size_t n)
{
	char **out = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; out && i < n; i++) {
		if (!(out[i] = strdup(v[i]))) {
			cdi_strv_free(out);
			return NULL;
		}
	}
	return out;
}

static int apply_env(struct spec_process *p, const char *kv, struct cap_error **err)
{
	size_t klen = (size_t)(strchr(kv, '=') - kv) + 1; /* including '=' */
	char *dup = strdup(kv);
	if (!dup)
		return cap_fail(err, ENOMEM, "env");
	for (size_t i = 0; i < p->n_env; i++) {
		if (strncmp(p->env[i], kv, klen) == 0) {
			free(p->env[i]);
			p->env[i] = dup;
			return 0;
		}
	}
	char **v = realloc(p->env, (p->n_env + 2) * sizeof(char *));
	if (!v) {
		free(dup);
		return cap_fail(err, ENOMEM, "env");
	}
	p->env = v;
	v[p->n_env++] = dup;
	v[p->n_env] = NULL;
	return 0;
}

static char stat_type(mode_t m)
{
	return S_ISCHR(m) ? 'c' : S_ISBLK(m) ? 'b' : S_ISFIFO(m) ? 'p' : 0;
}

/* The reference's fillMissingInfo: stat the host node unless the spec
 * already gives the type and a major (or is a fifo). */
static int fill_node(const struct cdi_node *n, struct spec_device *d, struct cap_error **err)
{
	const char *host = n->host_path ? n->host_path : n->path;
	d->type = n->type ? n->type[0] : 0;
	d->major = n->major;
	d->minor = n->minor;
	d->has_file_mode = n->has_mode;
	d->file_mode = n->mode;
	if (d->type && (d->major || d->type == 'p'))
		return 0;
	struct stat st;
	if (stat(host, &st) < 0)
		return cap_fail(err, errno, "deviceNodes %s: stat %s", n->path, host);
	char t = stat_type(st.st_mode);
	if (!t)
		return cap_fail(err, 0, "deviceNodes %s: %s is not a device node", n->path, host);
	if (d->type && d->type != t && !(d->type == 'u' && t == 'c'))
		return cap_fail(err, 0, "deviceNodes %s: type '%c' but %s is of type '%c'", n->path,
				d->type, host, t);
	d->type = d->type ? d->type : t;
	if (!d->major && t != 'p') {
		d->major = major(st.st_rdev);
		d->minor = minor(st.st_rdev);
	}
	if (!d->has_file_mode) {
		d->has_file_mode = true;
		d->file_mode = st.st_mode & 07777;
	}
	return 0;
}

static void device_clear(struct spec_device *d)
{
	free(d->path);
	free(d->host_path);
	memset(d, 0, sizeof(*d));
}

static bool same_rule(const struct spec_device_cgroup *r, char type, int64_t maj, int64_t min,
		      const char *access)
{
	return r->allow && r->type == type && r->has_major && r->major == maj && r->has_minor &&
	       r->minor == min && r->access && strcmp(r->access, access) == 0;
}

static int add_rule(struct spec_resources *res, const struct spec_device *d, const char *perms,
		    struct cap_error **err)
{
	char type = d->type == 'u' ? 'c' : d->type;
	const char *access = perms ? perms : "rwm";
	if (type != 'c' && type != 'b')
		return 0; /* fifos are not subject to the device cgroup */
	for (size_t i = 0; i < res->n_devices; i++)
		if (same_rule(&res->devices[i], type, d->major, d->minor, access))
			return 0;
	struct spec_device_cgroup *r = cdi_grow(&res->devices, &res->n_devices, sizeof(*r));
	if (!r || !(r->access = strdup(access)))
		return cap_fail(err, ENOMEM, "linux.resources.devices");
	r->allow = true;
	r->type = type;
	r->has_major = r->has_minor = true;
	r->major = d->major;
	r->minor = d->minor;
	res->present = true;
	return 0;
}

static int apply_node(struct spec *s, const struct cdi_node *n, struct cap_error **err)
{
	struct spec_device nd = {0};
	if (fill_node(n, &nd, err) < 0)
		return -1;
	const struct spec_user *u = &s->process.user;
	nd.has_uid = n->has_uid || (s->has_process && u->uid > 0);
	nd.uid = n->has_uid ? n->uid : u->uid;
	nd.has_gid = n->has_gid || (s->has_process && u->gid > 0);
	nd.gid = n->has_gid ? n->gid : u->gid;
	nd.path = strdup(n->path);
	nd.host_path = n->host_path ? strdup(n->host_path) : NULL;
	if (!nd.path || (n->host_path && !nd.host_path)) {
		device_clear(&nd);
		return cap_fail(err, ENOMEM, "deviceNodes");
	}
	struct spec_linux *l = &s->linux_;
	struct spec_device *slot = NULL;
	for (size_t i = 0; i < l->n_devices && !slot; i++)
		if (l->devices[i].path && strcmp(l->devices[i].path, n->path) == 0)
			slot = &l->devices[i]; /* already injected (by an engine): replace */
	if (!slot && !(slot = cdi_grow(&l->devices, &l->n_devices, sizeof(*slot)))) {
		device_clear(&nd);
		return cap_fail(err, ENOMEM, "linux.devices");
	}
	device_clear(slot);
	*slot = nd;
	s->has_linux = true;
	return add_rule(&l->resources, slot, n->permissions, err);
}

static void mount_clear(struct spec_mount *m)
{
	free(m->destination);
	free(m->type);
	free(m->source);
	cdi_strv_free(m->options);
	free(m->uid_mappings);
	free(m->gid_mappings);
	memset(m, 0, sizeof(*m));
}

static int apply_mount(struct spec *s, const struct cdi_mount *cm, struct cap_error **err)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		if (s->mounts[i].destination &&
		    !strcmp(s->mounts[i].destination, cm->container_path)) {
			mount_clear(&s->mounts[i]);
			memmove(&s->mounts[i], &s->mounts[i + 1],
				(s->n_mounts - i - 1) * sizeof(s->mounts[0]));
			s->n_mounts--;
			break;
		}
	}
	struct spec_mount *m = cdi_grow(&s->mounts, &s->n_mounts, sizeof(*m));
	if (!m)
		return cap_fail(err, ENOMEM, "mounts");
	m->destination = strdup(cm->container_path);
	m->source = strdup(cm->host_path);
	m->type = strdup(cm->type ? cm->type : "bind");
	m->options = cap_strv_dup(cm->options, cm->n_options);
	m->n_options = cm->n_options;
	if (!m->destination || !m->source || !m->type || !m->options)
		return cap_fail(err, ENOMEM, "mounts");
	return 0;
}

static int apply_hook(struct spec *s, const struct cdi_hook *h, struct cap_error **err)
{
	int kind = spec_hook_kind_from_name(h->hook_name);
	if (kind < 0)
		return cap_fail(err, 0, "hooks: unknown hookName \"%.100s\"", h->hook_name);
	struct spec_hook *o = cdi_grow(&s->hooks.list[kind], &s->hooks.count[kind], sizeof(*o));
	if (!o)
		return cap_fail(err, ENOMEM, "hooks");
	o->path = strdup(h->path);
	o->args = h->args ? cap_strv_dup(h->args, h->n_args) : NULL;
	o->n_args = h->n_args;
	o->env = h->env ? cap_strv_dup(h->env, h->n_env) : NULL;
	o->n_env = h->n_env;
	o->has_timeout = h->has_timeout;
	o->timeout = h->timeout;
	if (!o->path || (h->args && !o->args) || (h->env && !o->env))
		return cap_fail(err, ENOMEM, "hooks");
	return 0;
}

static int apply_gid(struct spec_user *u, uint32_t gid, struct cap_error **err)
{
	if (gid == 0)
		return 0; /* the reference skips gid 0 */
	for (size_t i = 0; i < u->n_additional_gids; i++)
		if (u->additional_gids[i] == gid)
			return 0;
	gid_t *g = cdi_grow(&u->additional_gids, &u->n_additional_gids, sizeof(gid_t));
	if (!g)
		return cap_fail(err, ENOMEM, "additionalGids");
	*g = gid;
	return 0;
}

int cdi_apply_edits(struct spec *s, const struct cdi_edits *e, struct cap_error **err)
{
	/* Fail loudly rather than drop an edit capsule cannot carry out. */
	if (e->rdt.present)
		return cap_fail(err, ENOTSUP,
				"intelRdt: not supported by capsule (see `capsule "
				"features`)");
	if (e->n_net_devices)
		return cap_fail(err, ENOTSUP, "netDevices: not supported by capsule");
	for (size_t i = 0; s->has_process && i < e->n_env; i++)
		if (apply_env(&s->process, e->env[i], err) < 0)
			return -1;
	for (size_t i = 0; i < e->n_nodes; i++)
		if (apply_node(s, &e->nodes[i], err) < 0)
			return -1;
	for (size_t i = 0; i < e->n_mounts; i++)
		if (apply_mount(s, &e->mounts[i], err) < 0)
			return -1;
	for (size_t i = 0; i < e->n_hooks; i++)
		if (apply_hook(s, &e->hooks[i], err) < 0)
			return -1;
	for (size_t i = 0; s->has_process && i < e->n_gids; i++)
		if (apply_gid(&s->process.user, e->gids[i], err) < 0)
			return -1;
	return 0;
}

static size_t depth(const char *path)
{
	size_t d = 0;
	for (const char *p = path; p && *p; p++)
		if (*p != '/' && (p == path || p[-1] == '/'))
			d++;
	return d;
}

/* Insertion sort: stable, and mount lists are short. */
void cdi_sort_mounts(struct spec *s)
{
	for (size_t i = 1; i < s->n_mounts; i++) {
		struct spec_mount m = s->mounts[i];
		size_t dm = depth(m.destination), j = i;
		for (; j > 0 && depth(s->mounts[j - 1].destination) > dm; j--)
			s->mounts[j] = s->mounts[j - 1];
		s->mounts[j] = m;
	}
}
