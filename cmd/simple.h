/* Commands whose only argument is the container id. */
#ifndef CAPSULE_CMD_SIMPLE_H
#define CAPSULE_CMD_SIMPLE_H

#include "cmd.h"

/* Parse "CMD [--help] ID" (rejecting unknown flags); returns the id or NULL
 * after printing the error. */
const char *parse_id_only(struct global_opts *g, int argc, char **argv);
/* Print err (if any) and map the result to an exit status. */
int finish_cmd(struct global_opts *g, int rc, struct cap_error **err);

#endif
