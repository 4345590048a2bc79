/* process.json (`exec --process FILE`) and the update resources (`update -r FILE`): the two
 * lone objects capsule reads besides config.json. */
#include "fuzz.h"

#include "../../oci/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cleanup_error struct cap_error *err = NULL, *err2 = NULL;
	spec_process_free(spec_parse_process((const char *)data, size, &err));
	spec_resources_free(spec_parse_resources((const char *)data, size, &err2));
	return 0;
}
