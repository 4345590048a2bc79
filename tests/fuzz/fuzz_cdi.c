/* libFuzzer target: the CDI spec parsers (JSON through yajl, YAML through
 * libyaml, then the shared decoder and the version/name checks).  The first
 * byte picks the syntax so one corpus covers both.
 *   clang -fsanitize=fuzzer,address -D_GNU_SOURCE -I/usr/include/yajl \
 *     tests/fuzz/fuzz_cdi.c gpu/[a-z]*.c runtime/error.c -lyajl -lyaml */
#include <stddef.h>
#include <stdint.h>

#include "../../gpu/gpu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct cap_error *err = NULL;
	struct cdi_spec *s =
	    cdi_spec_parse((const char *)data + 1, size - 1, data[0] & 1, "fuzz", &err);
	cdi_spec_free(s);
	cap_error_free(err);
	return 0;
}
