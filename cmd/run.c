#include "create_flags.h"

CMD(run)
{
	struct create_opts o = {0};
	bool detach = false;
	if (parse_create_flags(g, argc, argv, &o, &detach) < 0)
		return 1;
	struct cap_error *err = NULL;
	int exit_code = 0;
	if (container_run(&o, detach, &exit_code, &err) < 0) {
		int rc = cmd_report(g, err);
		cap_error_free(err);
		return exit_code ? exit_code : rc;
	}
	return exit_code;
}
