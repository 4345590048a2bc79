/* runtime/userns.c: uid/gid maps for a child in a new user namespace,
 * written by the parent (newuidmap/newgidmap when rootless). */
#ifndef CAPSULE_USERNS_H
#define CAPSULE_USERNS_H

#include <stdbool.h>
#include <sys/types.h>

#include "../lib/error.h"
#include "../oci/spec.h"

/* True inside a user namespace other than the initial one (runc's
 * userns.RunningInUserNS: /proc/self/uid_map is not "0 0 4294967295"). */
bool userns_running_in(void);
int userns_write_maps(pid_t pid, const struct spec_linux *l, struct cap_error **err);
/* linux.timeOffsets -> /proc/self/timens_offsets (after unshare(CLONE_NEWTIME)). */
int userns_write_time_offsets(const struct spec_linux *l, struct cap_error **err);

#endif
