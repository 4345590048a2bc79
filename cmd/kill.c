#include <getopt.h>
#include <signal.h>
#include <string.h>

#include "../runtime/container.h"
#include "../oci/tables.h"
#include "simple.h"

CMD(kill)
{
	static const struct option opts[] = {{"all", no_argument, 0, 'a'}, {0, 0, 0, 0}};
	bool all = false;
	int c;
	while ((c = getopt_long_only(argc, argv, "+a", opts, NULL)) != -1) {
		if (c != 'a')
			return 1;
		all = true;
	}
	int nargs = argc - optind;
	if (nargs < 1 || nargs > 2) {
		cmd_errorf(g, "\"kill\" requires a minimum of 1 and a maximum of 2 arguments");
		return 1;
	}
	int sig = SIGTERM;
	/* signal 0: a liveness check (runc accepts it; `kill --all ID 0`) */
	if (nargs == 2 && strcmp(argv[optind + 1], "0") == 0)
		sig = 0;
	else if (nargs == 2 && (sig = oci_signal_from_string(argv[optind + 1])) < 0)
		return cmd_errorf(g, "invalid signal \"%s\"", argv[optind + 1]);
	struct cap_error *err = NULL;
	return finish_cmd(g, container_kill(g->root, argv[optind], sig, all, &err), &err);
}
