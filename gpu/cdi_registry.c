/* The specs of a set of dirs, devices indexed by qualified name.  Dirs are
 * read in order of increasing priority: a device defined again in a later
 * dir replaces the earlier definition; two files of one dir defining the
 * same device is an error naming both, as the reference library treats such
 * a conflict. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cleanup.h"
#include "internal.h"

struct cdi_entry {
	char *qname; /* vendor.com/class=name */
	const struct cdi_spec *spec;
	const struct cdi_device *dev;
};

struct cdi_registry {
	struct cdi_spec **specs;
	size_t n_specs;
	struct cdi_entry *devs;
	size_t n_devs;
};

void cdi_registry_free(struct cdi_registry *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_specs; i++)
		cdi_spec_free(r->specs[i]);
	free(r->specs);
	for (size_t i = 0; i < r->n_devs; i++)
		free(r->devs[i].qname);
	free(r->devs);
	free(r);
}

static struct cdi_entry *find(const struct cdi_registry *r, const char *qname)
{
	for (size_t i = 0; i < r->n_devs; i++)
		if (strcmp(r->devs[i].qname, qname) == 0)
			return &r->devs[i];
	return NULL;
}

static int add_device(struct cdi_registry *r, const struct cdi_spec *s, const struct cdi_device *d,
		      struct cap_error **err)
{
	cleanup_free char *q = NULL;
	if (asprintf(&q, "%s=%s", s->kind, d->name) < 0)
		return cap_fail(err, ENOMEM, "CDI registry");
	struct cdi_entry *e = find(r, q);
	if (e && e->spec->priority == s->priority)
		return cap_fail(err, 0, "CDI device %s is defined both in %s and in %s", q,
				e->spec->file, s->file);
	if (e) { /* a later dir overrides */
		e->spec = s;
		e->dev = d;
		return 0;
	}
	struct cdi_entry *v = realloc(r->devs, (r->n_devs + 1) * sizeof(*v));
	if (!v)
		return cap_fail(err, ENOMEM, "CDI registry");
	r->devs = v;
	v[r->n_devs++] = (struct cdi_entry){.qname = steal_pointer(&q), .spec = s, .dev = d};
	return 0;
}

static int add_spec(struct cdi_registry *r, struct cdi_spec *s, struct cap_error **err)
{
	struct cdi_spec **v = realloc(r->specs, (r->n_specs + 1) * sizeof(*v));
	if (!v) {
		cdi_spec_free(s);
		return cap_fail(err, ENOMEM, "CDI registry");
	}
	r->specs = v;
	v[r->n_specs++] = s;
	for (size_t i = 0; i < s->n_devices; i++)
		if (add_device(r, s, &s->devices[i], err) < 0)
			return -1;
	return 0;
}

static void free_namelist(struct dirent ***v, int n)
{
	for (int i = 0; i < n; i++)
		free((*v)[i]);
	free(*v);
}

static int load_dir(struct cdi_registry *r, const char *dir, int priority, struct cap_error **err)
{
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return errno == ENOENT || errno == ENOTDIR
			   ? 0
			   : cap_fail(err, errno, "CDI spec dir %s", dir);
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++) {
		const char *name = names[i]->d_name;
		if (name[0] == '.' || cdi_file_syntax(name) < 0)
			continue;
		cleanup_free char *path = NULL;
		if (asprintf(&path, "%s/%s", dir, name) < 0) {
			rc = cap_fail(err, ENOMEM, "CDI spec dir %s", dir);
			break;
		}
		struct cdi_spec *s = cdi_spec_load(path, err);
		if (!s) {
			rc = -1;
			break;
		}
		s->priority = priority;
		rc = add_spec(r, s, err);
	}
	free_namelist(&names, n);
	return rc;
}

static int by_qname(const void *a, const void *b)
{
	return strcmp(((const struct cdi_entry *)a)->qname, ((const struct cdi_entry *)b)->qname);
}

struct cdi_registry *cdi_registry_load(const char *const *dirs, size_t n_dirs,
				       struct cap_error **err)
{
	static const char *const defaults[] = CDI_DEFAULT_DIRS;
	if (!dirs || !n_dirs) {
		dirs = defaults;
		n_dirs = sizeof(defaults) / sizeof(defaults[0]);
	}
	struct cdi_registry *r = calloc(1, sizeof(*r));
	if (!r)
		return cap_fail(err, ENOMEM, "CDI registry"), NULL;
	for (size_t i = 0; i < n_dirs; i++) {
		if (load_dir(r, dirs[i], (int)i, err) < 0) {
			cdi_registry_free(r);
			return NULL;
		}
	}
	if (r->n_devs)
		qsort(r->devs, r->n_devs, sizeof(r->devs[0]), by_qname);
	return r;
}

size_t cdi_registry_count(const struct cdi_registry *r)
{
	return r->n_devs;
}

void cdi_registry_device(const struct cdi_registry *r, size_t i, const char **name,
			 const char **file)
{
	*name = r->devs[i].qname;
	*file = r->devs[i].spec->file;
}

/* The spec-wide edits of each spec once (in the order its devices were
 * first asked for), then each device's edits: what the reference library's
 * InjectDevices does. */
int cdi_inject(const struct cdi_registry *r, const char *const *names, size_t n, struct spec *s,
	       struct cap_error **err)
{
	cleanup_free const struct cdi_entry **found = calloc(n ? n : 1, sizeof(*found));
	if (!found)
		return cap_fail(err, ENOMEM, "CDI");
	for (size_t i = 0; i < n; i++) {
		if (cdi_parse_qualified(names[i], err) < 0)
			return -1;
		if (!(found[i] = find(r, names[i])))
			return cap_fail(err, 0,
					"unresolvable CDI device %.200s: no spec in the CDI "
					"spec dirs defines it",
					names[i]);
	}
	for (size_t i = 0; i < n; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = found[j]->spec == found[i]->spec;
		if (!seen && cdi_apply_edits(s, &found[i]->spec->edits, err) < 0)
			return cap_wrap(err, "%s: containerEdits", found[i]->spec->file);
	}
	for (size_t i = 0; i < n; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = found[j] == found[i];
		if (!seen && cdi_apply_edits(s, &found[i]->dev->edits, err) < 0)
			return cap_wrap(err, "%s: device %s", found[i]->spec->file, names[i]);
	}
	cdi_sort_mounts(s);
	return 0;
}
