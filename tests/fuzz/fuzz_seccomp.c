/* linux.seccomp -> libseccomp: the OCI profile (the input is the seccomp object itself) is
 * parsed and compiled to BPF, never loaded. */
#include "fuzz.h"

#include "../../oci/spec.h"
#include "../../seccomp/seccomp.h"

static const char head[] = "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
			   "\"linux\":{\"seccomp\":";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = sizeof(head) - 1 + size + 2;
	char *json = malloc(len + 1);
	if (!json)
		return 0;
	memcpy(json, head, sizeof(head) - 1);
	memcpy(json + sizeof(head) - 1, data, size);
	memcpy(json + len - 2, "}}", 3);
	cleanup_error struct cap_error *err = NULL;
	struct spec *s = spec_parse(json, len, &err);
	free(json);
	if (s && s->has_linux && s->linux_.seccomp) {
		struct sc_program *p = NULL;
		if (sc_program_build(s->linux_.seccomp, &p, NULL, &err) == 0) {
			(void)sc_program_needs_listener(p);
			sc_program_free(p);
		}
	}
	spec_free(s);
	return 0;
}
