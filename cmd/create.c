#include "create_flags.h"

CMD(create)
{
	struct create_opts o = {0};
	if (parse_create_flags(g, argc, argv, &o, NULL) < 0)
		return 1;
	struct cap_error *err = NULL;
	if (container_create(&o, &err) < 0) {
		int rc = cmd_report(g, err);
		cap_error_free(err);
		return rc;
	}
	return 0;
}
