/* The controller's state per container: when to reclaim, when to stop.
 *
 * Senpai (TMO) takes small steps while PSI stays low and backs off when it
 * rises.  PSI alone reacts late on a hot working set: by the time the stalls
 * show, hot pages were compressed into zram, faulted back, and compressed
 * again, which costs the workload CPU (zram under TCG most of all) long
 * before it costs PSI.  So the controller also watches refaults (a reclaimed
 * page that came back was hot) and the yield of each step (the kernel finding
 * little to take means the cold set is gone) and then settles: no reclaim,
 * not even scanning, until a hold expires or the container grows.  Both
 * signals come after the harm; where it can, the watch measures what is idle
 * before a probe (idle.c) and the controller takes no more than that. */
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
	case MEM_WHY_IDLE:
		return "idle";
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
	c->idle_from_ns = 0; /* gated: the hold is the next window */
	c->budget = 0;
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
		bool grown = grew(c, in->current);
		if (in->now_ns < c->until_ns && !grown)
			return 0;
		c->step_pct = 0;
		c->until_ns = 0;
		if (c->gated) {
			c->phase = MEM_CTL_IDLE;
			if (grown) /* the new memory was touched just now: a new window */
				c->idle_from_ns = 0;
			return 0;
		}
		c->phase = MEM_CTL_PROBE;
	} else if (c->phase == MEM_CTL_IDLE || in->now_ns < c->until_ns) {
		return 0;
	}
	if (c->gated && c->budget < MEM_IDLE_MIN_BYTES) {
		settle(c, in->current, in->now_ns);
		*why = MEM_WHY_IDLE;
		return 0;
	}
	uint64_t ask =
	    mem_reclaim_step(in->pressure, in->target, in->current, in->floor, &c->step_pct);
	return c->gated && ask > c->budget ? c->budget : ask;
}

void mem_ctl_gate(struct mem_ctl *c)
{
	c->gated = true;
	c->phase = MEM_CTL_IDLE;
	c->idle_from_ns = 0;
	c->budget = 0;
	c->until_ns = 0;
}

void mem_ctl_ungate(struct mem_ctl *c)
{
	c->gated = false;
	if (c->phase == MEM_CTL_IDLE)
		c->phase = MEM_CTL_PROBE;
}

bool mem_ctl_idle_due(const struct mem_ctl *c, uint64_t window_ns, uint64_t now_ns)
{
	return c->gated && c->phase == MEM_CTL_IDLE && c->idle_from_ns &&
	       now_ns - c->idle_from_ns >= window_ns;
}

enum mem_ctl_why mem_ctl_idle(struct mem_ctl *c, uint64_t idle_bytes, uint64_t current,
			      uint64_t now_ns)
{
	if (idle_bytes < MEM_IDLE_MIN_BYTES) {
		settle(c, current, now_ns); /* nothing went cold over the hold: a longer one */
		return MEM_WHY_IDLE;
	}
	c->phase = MEM_CTL_PROBE;
	c->budget = idle_bytes;
	c->step_pct = 0;
	c->until_ns = 0;
	return MEM_WHY_NONE;
}

enum mem_ctl_why mem_ctl_done(struct mem_ctl *c, uint64_t asked, uint64_t got, bool short_,
			      uint64_t current, uint64_t now_ns)
{
	if (c->gated)
		c->budget -= got < c->budget ? got : c->budget;
	if (!short_ && got * 4 >= asked)
		return MEM_WHY_NONE;
	settle(c, current, now_ns);
	return MEM_WHY_YIELD;
}
