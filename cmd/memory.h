/* capsule memory status|watch (cmd/memory.c). */
#ifndef CAPSULE_CMD_MEMORY_H
#define CAPSULE_CMD_MEMORY_H

#include "cmd.h"

int cmd_memory(struct global_opts *g, int argc, char **argv);

#endif
