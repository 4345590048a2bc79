#include "simple.h"

#include <getopt.h>
#include <stddef.h>

const char *parse_id_only(struct global_opts *g, int argc, char **argv)
{
	static const struct option opts[] = {{0, 0, 0, 0}};
	if (getopt_long_only(argc, argv, "+", opts, NULL) != -1)
		return NULL;
	if (cmd_require_args(g, argv[0], argc - optind, 1) < 0)
		return NULL;
	return argv[optind];
}

/* err is passed by address: `finish_cmd(g, f(&err), err)` would read err
 * before f ran (argument evaluation order is unspecified). */
int finish_cmd(struct global_opts *g, int rc, struct cap_error **err)
{
	if (rc >= 0)
		return 0;
	int status = cmd_report(g, *err);
	cap_error_free(*err);
	*err = NULL;
	return status;
}
