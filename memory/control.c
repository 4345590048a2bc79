/* The controller's state per container: when to reclaim, when to stop.
 *
 * Senpai (TMO) takes small steps while PSI stays low and backs off when it
 * rises.  PSI alone reacts late on a hot working set: by the time the stalls
 * show, hot pages were compressed into zram, faulted back, and compressed
 * again, which costs the workload CPU (zram under TCG most of all) long
 * before it costs PSI.  So the controller also watches refaults (a reclaimed
 * page that came back was hot) and the yield of each step (the kernel finding
 * little to take means the cold set is gone) and then settles: no reclaim,
 * not even scanning, until a hold expires or the container grows. */
#include "internal.h"

#define NS_PER_S 1000000000ull

const char *mem_ctl_why_name(enum mem_ctl_why why)
{
	switch (why) {
	case MEM_WHY_PSI:
		return "psi";
	case MEM_WHY_REFAULT:
		return "refault";
	case MEM_WHY_YIELD:
		return "yield";
	default:
		return "none";
	}
}

/* Stop reclaiming: the cold set is gone.  A hold that ends in a probe that
 * settles again at once doubles; one after real progress starts over. */
static void settle(struct mem_ctl *c, uint64_t current, uint64_t now_ns)
{
	uint64_t min = MEM_HOLD_MIN_S * NS_PER_S, max = MEM_HOLD_MAX_S * NS_PER_S;
	if (c->clean >= MEM_CLEAN_STEPS || c->hold_ns < min)
		c->hold_ns = min;
	else
		c->hold_ns = c->hold_ns * 2 > max ? max : c->hold_ns * 2;
	c->phase = MEM_CTL_SETTLED;
	c->until_ns = now_ns + c->hold_ns;
	c->settled_current = current;
	c->step_pct = 0;
	c->clean = 0;
}

static bool grew(const struct mem_ctl *c, uint64_t current)
{
	uint64_t by = c->settled_current / 10;
	return current > c->settled_current + (by > MEM_GROW_MIN_BYTES ? by : MEM_GROW_MIN_BYTES);
}

uint64_t mem_ctl_decide(struct mem_ctl *c, const struct mem_ctl_in *in, enum mem_ctl_why *why)
{
	*why = MEM_WHY_NONE;
	/* Refaults first: they come with the stalls they cause, and a PSI
	 * backoff alone would probe the hot set again in MEM_PSI_HOLD_S. */
	if (c->phase == MEM_CTL_PROBE && mem_refaulting(in->refault, in->current)) {
		settle(c, in->current, in->now_ns);
		*why = MEM_WHY_REFAULT;
		return 0;
	}
	if (in->pressure >= in->target) {
		/* sharp: nothing for a while, then from the smallest step */
		c->step_pct = 0;
		if (c->phase == MEM_CTL_PROBE)
			c->until_ns = in->now_ns + MEM_PSI_HOLD_S * NS_PER_S;
		*why = MEM_WHY_PSI;
		return 0;
	}
	if (c->phase == MEM_CTL_PROBE && c->step_pct > 0)
		c->clean = in->refault ? 0 : c->clean + 1;
	if (c->phase == MEM_CTL_SETTLED) {
		if (in->now_ns < c->until_ns && !grew(c, in->current))
			return 0;
		c->phase = MEM_CTL_PROBE;
		c->step_pct = 0;
		c->until_ns = 0;
	} else if (in->now_ns < c->until_ns) {
		return 0;
	}
	return mem_reclaim_step(in->pressure, in->target, in->current, in->floor, &c->step_pct);
}

enum mem_ctl_why mem_ctl_done(struct mem_ctl *c, uint64_t asked, uint64_t got, bool short_,
			      uint64_t current, uint64_t now_ns)
{
	if (!short_ && got * 4 >= asked)
		return MEM_WHY_NONE;
	settle(c, current, now_ns);
	return MEM_WHY_YIELD;
}
