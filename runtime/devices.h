/* runtime/devices.c: CDI devices and --gpus (gpu/) for a container.  The
 * request is resolved into spec edits at create; the command-line part of it
 * is kept in the state dir so that `start` and `delete`, which work from the
 * saved config.json, see the same poststart/poststop hooks. */
#ifndef CAPSULE_DEVICES_H
#define CAPSULE_DEVICES_H

#include "container.h"
#include "error.h"
#include "spec.h"

/* Apply --device, --gpus and the cdi.k8s.io/ annotations of s. */
int devices_inject(struct spec *s, const struct create_opts *o, struct cap_error **err);
/* Save the command-line request (nothing when there is none). */
int devices_save(int state_dirfd, const struct create_opts *o, struct cap_error **err);
/* Would devices_reapply edit a spec loaded from this saved config? */
bool devices_requested(int state_dirfd, const char *config_raw);
/* Resolve the saved request and the annotations again into s. */
int devices_reapply(int state_dirfd, struct spec *s, struct cap_error **err);

#endif
