/* runtime/resctrl.c: linux.intelRdt (runtime-spec 1.3) through the resctrl
 * filesystem, as runc 1.4 does.
 *
 * The container's init joins the CLOS group <resctrl>/<closID> (or
 * <resctrl>/<container id> without closID), made when it is missing and
 * there is a schemata to give it; an existing group named by closID with no
 * schemata is joined as it is.  The schemata lines are written in the order
 * the spec gives: l3CacheSchema (less its MB: lines when memBwSchema is
 * set), memBwSchema, then schemata[].  enableMonitoring adds a monitoring
 * group <group>/mon_groups/<container id> that the init joins instead.
 *
 *   <state dir>/resctrl  "<group>\n<1 if capsule made it>\n<mon group or empty>\n"
 *
 * Delete removes the monitoring group, and the CLOS group when capsule made
 * it and no task is left in it (closID may be shared by other containers). */
#ifndef CAPSULE_RESCTRL_H
#define CAPSULE_RESCTRL_H

#include <sys/types.h>

#include "../lib/error.h"
#include "../oci/spec.h"

/* The resctrl mount point (from /proc/self/mountinfo); NULL with *err set
 * to one clear line when none is mounted. */
char *resctrl_root(struct cap_error **err);
/* Join (or make) the groups under root and put pid in them, recording what
 * was made in dirfd first (so a failure midway is undone by release). */
int resctrl_apply(const char *root, const char *id, pid_t pid, const struct spec_intel_rdt *r,
		  int dirfd, struct cap_error **err);
/* Remove what the record says capsule made; each failure is a warning. */
void resctrl_release(int dirfd, void (*warn)(const char *msg));

#endif
