/* What a container asks for -> edits on its spec: `--device` names and the
 * cdi.k8s.io/ annotations (comma-separated names, how engines ask a runtime
 * to resolve CDI) through the spec dirs, `--gpus` through discovery.  Runs
 * in the parent before anything is created, so an unknown device is an
 * error with nothing to undo. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cleanup.h"
#include "internal.h"

struct names {
	char **v;
	size_t n;
};

static void names_free(struct names *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->v[i]);
	free(n->v);
}

static int names_add(struct names *n, const char *s, size_t len, struct cap_error **err)
{
	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (!len)
		return 0;
	for (size_t i = 0; i < n->n; i++)
		if (strlen(n->v[i]) == len && !strncmp(n->v[i], s, len))
			return 0; /* asked twice: injected once */
	char **v = realloc(n->v, (n->n + 1) * sizeof(char *));
	if (!v)
		return cap_fail(err, ENOMEM, "CDI request");
	n->v = v;
	if (!(v[n->n] = strndup(s, len)))
		return cap_fail(err, ENOMEM, "CDI request");
	n->n++;
	return 0;
}

static int collect(const struct spec *s, const struct gpu_request *r, struct names *out,
		   struct cap_error **err)
{
	for (size_t i = 0; r && i < r->n_devices; i++)
		if (names_add(out, r->devices[i], strlen(r->devices[i]), err) < 0)
			return -1;
	const size_t plen = strlen(CDI_ANNOTATION_PREFIX);
	for (size_t i = 0; i < s->n_annotations; i++) {
		const struct spec_kv *kv = &s->annotations[i];
		if (strncmp(kv->key, CDI_ANNOTATION_PREFIX, plen) != 0 || !kv->value)
			continue;
		for (const char *p = kv->value;;) {
			const char *comma = strchrnul(p, ',');
			if (names_add(out, p, (size_t)(comma - p), err) < 0)
				return -1;
			if (!*comma)
				break;
			p = comma + 1;
		}
	}
	return 0;
}

static int apply_gpus(struct spec *s, const char *sel, struct cap_error **err)
{
	struct cdi_spec *d = gpu_discover(gpu_root(), err);
	if (!d)
		return cap_wrap(err, "--gpus %s", sel);
	int rc = gpu_inject(d, sel, s, err);
	cdi_spec_free(d);
	return rc < 0 ? cap_wrap(err, "--gpus %s", sel) : 0;
}

int gpu_apply(struct spec *s, const struct gpu_request *r, struct cap_error **err)
{
	__attribute__((cleanup(names_free))) struct names req = {0};
	if (collect(s, r, &req, err) < 0)
		return -1;
	if (req.n) {
		struct cdi_registry *reg =
		    cdi_registry_load(r ? r->spec_dirs : NULL, r ? r->n_spec_dirs : 0, err);
		if (!reg)
			return -1;
		int rc = cdi_inject(reg, (const char *const *)req.v, req.n, s, err);
		cdi_registry_free(reg);
		if (rc < 0)
			return -1;
	}
	if (r && r->gpus && apply_gpus(s, r->gpus, err) < 0)
		return -1;
	return 0;
}
