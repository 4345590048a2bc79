#include <stdio.h>
#include <stdlib.h>

#include "../runtime/container.h"
#include "simple.h"

CMD(state)
{
	const char *id = parse_id_only(g, argc, argv);
	if (!id)
		return 1;
	struct cap_error *err = NULL;
	char *json = container_state_json(g->root, id, &err);
	if (!json)
		return finish_cmd(g, -1, &err);
	printf("%s\n", json);
	free(json);
	return 0;
}
