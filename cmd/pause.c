#include "../runtime/container.h"
#include "simple.h"

static int pause_or_resume(struct global_opts *g, int argc, char **argv, bool pause)
{
	const char *id = parse_id_only(g, argc, argv);
	if (!id)
		return 1;
	struct cap_error *err = NULL;
	return finish_cmd(g, container_pause(g->root, id, pause, &err), &err);
}

CMD(pause)
{
	return pause_or_resume(g, argc, argv, true);
}

CMD(resume)
{
	return pause_or_resume(g, argc, argv, false);
}
