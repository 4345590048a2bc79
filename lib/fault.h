/* Fault injection for tests: `fault_point("create-spawned")` SIGKILLs the process when it
 * was built with -DCAPSULE_FAULT_INJECTION (build-fault/capsule, never ./capsule) and
 * CAPSULE_FAULT names that step.  tests/integration/fault.bats kills capsule at each step
 * of create, start, exec, delete and image import and checks that `delete --force` or
 * `image gc` leaves nothing behind.  A leaf header: lower modules may include it. */
#ifndef CAPSULE_FAULT_H
#define CAPSULE_FAULT_H

#ifdef CAPSULE_FAULT_INJECTION
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#endif

static inline void fault_point(const char *step)
{
#ifdef CAPSULE_FAULT_INJECTION
	const char *want = getenv("CAPSULE_FAULT");
	if (want && strcmp(want, step) == 0)
		raise(SIGKILL);
#else
	(void)step;
#endif
}

#endif
