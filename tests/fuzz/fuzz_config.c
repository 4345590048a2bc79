/* config.json: the whole OCI runtime spec parser, then what create derives from it without
 * touching the system (mount options, the seccomp filter). */
#include "fuzz.h"

#include "../../oci/mount_options.h"
#include "../../oci/spec.h"
#include "../../seccomp/seccomp.h"

static void derive(const struct spec *s)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		struct mount_opts mo;
		cleanup_error struct cap_error *err = NULL;
		(void)oci_mount_options_parse(s->mounts[i].type, s->mounts[i].options,
					      s->mounts[i].n_options, &mo, &err);
	}
	if (s->has_linux && s->linux_.seccomp) {
		struct sc_program *p = NULL;
		cleanup_error struct cap_error *err = NULL;
		if (sc_program_build(s->linux_.seccomp, &p, NULL, &err) == 0)
			sc_program_free(p);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cleanup_error struct cap_error *err = NULL;
	struct spec *s = spec_parse((const char *)data, size, &err);
	if (s)
		derive(s);
	spec_free(s);
	return 0;
}
