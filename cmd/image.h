/* `capsule image import|ls|inspect|rm|gc|bundle`: the layer store (overlay/). */
#ifndef CAPSULE_CMD_IMAGE_H
#define CAPSULE_CMD_IMAGE_H

#include "cmd.h"

int cmd_image(struct global_opts *g, int argc, char **argv);

#endif
