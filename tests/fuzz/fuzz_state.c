/* <root>/<id>/state.json: read back by every command after create; a corrupt or hostile one
 * (the state root may be shared) must be refused, never crash. */
#include "fuzz.h"

#include "../../runtime/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int dirfd = -1;
	if (dirfd < 0 && (dirfd = open(fuzz_scratch(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		abort();
	fuzz_write(dirfd, "state.json", data, size);
	struct state_dir sd = {.path = (char *)fuzz_scratch(), .fd = dirfd};
	struct container_state st;
	cleanup_error struct cap_error *err = NULL;
	if (state_load(&sd, &st, &err) == 0)
		free(state_to_json(&st, STATUS_STOPPED, true));
	state_free(&st);
	return 0;
}
