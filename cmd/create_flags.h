/* Flags shared by `create` and `run`. */
#ifndef CAPSULE_CMD_CREATE_FLAGS_H
#define CAPSULE_CMD_CREATE_FLAGS_H

#include "../runtime/container.h"
#include "cmd.h"

/* Parses argv into *o (and *detach for run when non-NULL).  Returns 0, or
 * -1 after printing the error. */
int parse_create_flags(struct global_opts *g, int argc, char **argv, struct create_opts *o,
		       bool *detach);

#endif
