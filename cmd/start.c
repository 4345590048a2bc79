#include "../runtime/container.h"
#include "simple.h"

CMD(start)
{
	const char *id = parse_id_only(g, argc, argv);
	if (!id)
		return 1;
	struct cap_error *err = NULL;
	return finish_cmd(g, container_start(g->root, id, cmd_warn_callback(g), &err), &err);
}
