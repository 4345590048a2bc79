#include <getopt.h>

#include "../runtime/container.h"
#include "simple.h"

CMD(delete)
{
	static const struct option opts[] = {{"force", no_argument, 0, 'f'}, {0, 0, 0, 0}};
	bool force = false;
	int c;
	while ((c = getopt_long_only(argc, argv, "+f", opts, NULL)) != -1) {
		if (c != 'f')
			return 1;
		force = true;
	}
	if (cmd_require_args(g, argv[0], argc - optind, 1) < 0)
		return 1;
	struct cap_error *err = NULL;
	return finish_cmd(
	    g, container_delete(g->root, argv[optind], force, cmd_warn_callback(g), &err), &err);
}
