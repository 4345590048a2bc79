/* libFuzzer target: job_record_parse over arbitrary bytes (`capsule job verify` reads records
 * that may come from anywhere).  Seeds: tests/fuzz/corpus/provenance/. */
#include <stddef.h>
#include <stdint.h>

#include "../../job/job.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct job_record r;
	struct cap_error *err = NULL;
	if (job_record_parse((const char *)data, size, &r, &err) == 0)
		job_record_free(&r);
	cap_error_free(err);
	return 0;
}
