/* `capsule cdi list` and `capsule cdi validate FILE...`: the CDI devices the
 * spec dirs define (and the file each comes from), and checks of spec files. */
#include <stdio.h>
#include <string.h>

#include "../gpu/gpu.h"
#include "cmd.h"

static int cdi_list(struct global_opts *g)
{
	struct cap_error *err = NULL;
	struct cdi_registry *r = cdi_registry_load(g->cdi_spec_dirs, g->n_cdi_spec_dirs, &err);
	if (!r) {
		int rc = cmd_report(g, err);
		cap_error_free(err);
		return rc;
	}
	for (size_t i = 0; i < cdi_registry_count(r); i++) {
		const char *name, *file;
		cdi_registry_device(r, i, &name, &file);
		printf("%s\t%s\n", name, file);
	}
	cdi_registry_free(r);
	return 0;
}

static int cdi_validate(struct global_opts *g, int argc, char **argv)
{
	if (argc < 1)
		return cmd_errorf(g, "cdi validate: requires at least one FILE");
	int rc = 0;
	for (int i = 0; i < argc; i++) {
		struct cap_error *err = NULL;
		struct cdi_spec *s = cdi_spec_load(argv[i], &err);
		if (!s) {
			rc = cmd_report(g, err);
			cap_error_free(err);
			continue;
		}
		printf("%s: ok, %zu device(s)\n", argv[i], cdi_spec_device_count(s));
		cdi_spec_free(s);
	}
	return rc;
}

CMD(cdi)
{
	if (argc < 2)
		return cmd_errorf(g, "cdi: want a subcommand: list, validate FILE...");
	if (strcmp(argv[1], "list") == 0 && argc == 2)
		return cdi_list(g);
	if (strcmp(argv[1], "validate") == 0)
		return cdi_validate(g, argc - 2, argv + 2);
	return cmd_errorf(g,
			  "cdi: unknown subcommand or arguments \"%s\" (want list, "
			  "validate FILE...)",
			  argv[1]);
}
