/* `capsule gpu list [--cdi]`: what --gpus would give a container, as a
 * summary or as a CDI spec (JSON) to put in a spec dir. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../gpu/gpu.h"
#include "cmd.h"

CMD(gpu)
{
	bool as_cdi = argc == 3 && strcmp(argv[2], "--cdi") == 0;
	if (argc < 2 || strcmp(argv[1], "list") != 0 || (argc == 3 && !as_cdi) || argc > 3)
		return cmd_errorf(g, "gpu: usage: capsule gpu list [--cdi]");
	struct cap_error *err = NULL;
	struct cdi_spec *s = gpu_discover(gpu_root(), &err);
	if (!s) {
		int rc = cmd_report(g, err);
		cap_error_free(err);
		return rc;
	}
	char *out = as_cdi ? cdi_spec_to_json(s) : cdi_spec_summary(s);
	if (!as_cdi && cdi_spec_device_count(s) == 0)
		printf("no NVIDIA GPU found under %s\n", gpu_root());
	else if (out)
		fputs(out, stdout);
	if (as_cdi)
		putchar('\n');
	free(out);
	cdi_spec_free(s);
	return out ? 0 : cmd_errorf(g, "gpu list: out of memory");
}
