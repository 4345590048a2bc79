/* memory/ controls at create (README "Memory"): the --memory-* flags become
 * org.capsule.memory.* annotations (so state.json and `memory watch` see one
 * source), which are checked with the swap/zswap limits and the kernel
 * features they need before anything is created.  reclaim=auto also needs
 * the new cgroup's memory.reclaim, checked once the cgroup exists. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../cgroups/cgroups.h"
#include "../memory/memory.h"
#include "create_internal.h"

static int set_annotation(struct spec *s, const struct spec_kv *kv, struct cap_error **err)
{
	char *v = strdup(kv->value);
	if (!v)
		return cap_fail(err, ENOMEM, "annotations");
	for (size_t i = 0; i < s->n_annotations; i++) {
		if (strcmp(s->annotations[i].key, kv->key) == 0) {
			free(s->annotations[i].value);
			s->annotations[i].value = v;
			return 0;
		}
	}
	struct spec_kv *a = realloc(s->annotations, (s->n_annotations + 1) * sizeof(*a));
	char *k = strdup(kv->key);
	if (a)
		s->annotations = a;
	if (!a || !k) {
		free(v);
		free(k);
		return cap_fail(err, ENOMEM, "annotations");
	}
	s->annotations[s->n_annotations++] = (struct spec_kv){k, v};
	return 0;
}

int rt_memory_prepare(struct create_ctx *x, struct cap_error **err)
{
	for (size_t i = 0; i < x->o->n_annotations; i++)
		if (set_annotation(x->spec, &x->o->annotations[i], err) < 0)
			return -1;
	const struct spec_resources *r =
	    x->spec->linux_.resources.present ? &x->spec->linux_.resources : NULL;
	if (mem_opts_from_annotations(x->spec->annotations, x->spec->n_annotations, &x->mem, err) <
		0 ||
	    mem_validate_resources(r, err) < 0 || mem_opts_check_kernel(&x->mem, err) < 0)
		return -1;
	return 0;
}

int rt_memory_check_cgroup(struct create_ctx *x, struct cap_error **err)
{
	return mem_opts_check_cgroup(&x->mem, x->cg ? cgroup_path(x->cg) : NULL, err);
}

bool rt_memory_merge(const struct spec_kv *a, size_t n)
{
	struct mem_opts o;
	struct cap_error *e = NULL;
	bool ok = mem_opts_from_annotations(a, n, &o, &e) == 0;
	cap_error_free(e);
	return ok && o.ksm;
}
