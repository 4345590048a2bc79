/* runtime/devices.c: CDI devices and --gpus (gpu/) for a container.  The
 * request is resolved into spec edits at create.  When those edits bring
 * poststart/poststop hooks, the command-line part of the request is kept in
 * the state dir so that `start` and `delete`, which work from the saved
 * config.json, run them too (and stay free of CDI work otherwise). */
#ifndef CAPSULE_DEVICES_H
#define CAPSULE_DEVICES_H

#include "container.h"
#include "../lib/error.h"
#include "../oci/spec.h"

/* Apply --device, --gpus and the cdi.k8s.io/ annotations of s; *late_hooks
 * tells whether that added poststart or poststop hooks. */
int devices_inject(struct spec *s, const struct create_opts *o, bool *late_hooks,
		   struct cap_error **err);
/* Save the request when late_hooks (nothing otherwise). */
int devices_save(int state_dirfd, const struct create_opts *o, bool late_hooks,
		 struct cap_error **err);
/* Was a request saved (devices_reapply has work to do)? */
bool devices_requested(int state_dirfd);
/* Resolve the saved request and the annotations again into s. */
int devices_reapply(int state_dirfd, struct spec *s, struct cap_error **err);

#endif
