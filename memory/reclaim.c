/* The controller's step rule and one reclaim action.
 *
 * Senpai (Meta's TMO): while a cgroup's memory pressure stays under a target,
 * ask the kernel to reclaim a small share of its memory; the pages it can do
 * without go to swap (zram: compressed in RAM) or are dropped from the page
 * cache.  Pressure rising means the working set is being hit: back off. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../lib/cleanup.h"

uint64_t mem_reclaim_step(double pressure, double target, uint64_t current, uint64_t floor,
			  double *step_pct)
{
	if (pressure >= target) {
		/* Twice the target: stop; else halve the next step. */
		*step_pct = pressure >= 2 * target ? 0 : *step_pct / 2;
		if (*step_pct < MEM_STEP_MIN_PCT)
			*step_pct = 0;
		return 0;
	}
	if (*step_pct < MEM_STEP_MIN_PCT)
		*step_pct = MEM_STEP_MIN_PCT;
	/* Slower as the pressure nears the target. */
	double share = *step_pct / 100.0 * (1.0 - (pressure > 0 ? pressure / target : 0));
	*step_pct = *step_pct * 1.5 > MEM_STEP_MAX_PCT ? MEM_STEP_MAX_PCT : *step_pct * 1.5;
	if (current <= floor)
		return 0;
	uint64_t ask = (uint64_t)((double)current * share);
	if (ask > current - floor)
		ask = current - floor;
	return ask < MEM_STEP_MIN_BYTES ? 0 : ask;
}

bool mem_refaulting(uint64_t refault_bytes, uint64_t current)
{
	return refault_bytes > 0 && refault_bytes * 1000 > current * MEM_REFAULT_PERMILLE;
}

int mem_reclaim_write(int cgroup_dfd, uint64_t bytes, int swappiness, struct cap_error **err)
{
	cleanup_close int fd = openat(cgroup_dfd, "memory.reclaim", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return cap_fail(err, errno, "open memory.reclaim");
	char b[64];
	int n = swappiness < 0
		    ? snprintf(b, sizeof(b), "%" PRIu64, bytes)
		    : snprintf(b, sizeof(b), "%" PRIu64 " swappiness=%d", bytes, swappiness);
	if (write(fd, b, (size_t)n) >= 0)
		return 0;
	/* EAGAIN: less than asked could be reclaimed, which is an answer too. */
	return errno == EAGAIN ? 1 : cap_fail(err, errno, "write memory.reclaim");
}
