/* memory/: memory-pressure monitor (PSI, memory.events, swap/zram/zswap, KSM)
 * and the senpai-style reclaim controller, on top of cgroups/.
 *
 *   parse.c     pure parsers of the kernel files (unit tested)
 *   opts.c      org.capsule.memory.* annotations, swap/zswap limits, kernel probes
 *   status.c    one container's numbers; host.c the host's
 *   json.c      the JSON of `memory status` (pinned by tests)
 *   reclaim.c   the controller's step rule (pure) and one reclaim action
 *   control.c   the controller's state per container (pure)
 *   idle.c      idle memory of a container: what a probe may take
 *   watch.c     the `memory watch` loop
 *
 * Nothing here prints: results come back as structs, JSON text or callbacks. */
#ifndef CAPSULE_MEMORY_H
#define CAPSULE_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/error.h"
#include "../oci/spec.h"

#define MEM_ANNOTATION_PREFIX	  "org.capsule.memory."
#define MEM_ANNOTATION_KSM	  "org.capsule.memory.ksm"
#define MEM_ANNOTATION_RECLAIM	  "org.capsule.memory.reclaim"
#define MEM_ANNOTATION_PSI_TARGET "org.capsule.memory.psi-target"
#define MEM_DEFAULT_PSI_TARGET	  1.0 /* percent of wall time with some task stalled */
/* The counter `watch` keeps in the container's state dir. */
#define MEM_RECLAIMED_FILE "memory.reclaimed"
#define MEM_MAX		   UINT64_MAX /* "max" in a cgroup file */

/* A value that may be unavailable (JSON null). */
struct mem_val {
	bool set;
	uint64_t v;
};

/* ---- parsers (pure) ---- */
struct mem_psi_line {
	double avg10, avg60, avg300;
	uint64_t total; /* microseconds */
};
struct mem_psi {
	bool present, has_full;
	struct mem_psi_line some, full;
};
/* "123\n" or "max\n" (MEM_MAX).  -1 on anything else. */
int mem_parse_u64_or_max(const char *text, uint64_t *out);
/* "key value" lines (memory.stat, memory.events, ksm_stat): false if absent. */
bool mem_parse_keyed(const char *text, const char *key, uint64_t *out);
bool mem_parse_keyed_i64(const char *text, const char *key, int64_t *out);
/* "some avg10=.. avg60=.. avg300=.. total=..\nfull ...".  -1 if no "some" line. */
int mem_parse_psi(const char *text, struct mem_psi *out);
/* /proc/meminfo "MemTotal:  123 kB": the value in bytes; false if absent. */
bool mem_parse_meminfo(const char *text, const char *key, uint64_t *bytes);
/* /sys/block/zramN/comp_algorithm "lzo [lz4] zstd": the selected one (caller frees). */
char *mem_parse_comp_algorithm(const char *text);
/* /proc/PID/smaps_rollup: bytes mapped but not referenced since the accessed
 * bits were last cleared, KSM pages left out (Rss - Referenced - KSM).  -1
 * without the first two lines. */
int mem_parse_smaps_idle(const char *text, uint64_t *bytes);
/* memory.stat: page cache no process maps (file - file_mapped), bytes; 0
 * without a "file" line. */
uint64_t mem_parse_unmapped_file(const char *memory_stat);
/* /sys/block/zramN/mm_stat: orig_data_size compr_data_size mem_used_total ... */
int mem_parse_zram_mm_stat(const char *text, uint64_t *orig, uint64_t *compr, uint64_t *used);

struct mem_swap_dev {
	char *name, *type;
	uint64_t size, used; /* bytes */
	int priority;
};
/* /proc/swaps (header line, then one device a line).  Caller frees with
 * mem_swaps_free. */
int mem_parse_swaps(const char *text, struct mem_swap_dev **devs, size_t *n,
		    struct cap_error **err);
void mem_swaps_free(struct mem_swap_dev *devs, size_t n);

/* ---- per-container options (annotations) ---- */
struct mem_opts {
	bool ksm;	   /* org.capsule.memory.ksm=true */
	bool reclaim_auto; /* org.capsule.memory.reclaim=auto */
	bool has_psi_target;
	double psi_target; /* percent, (0, 100] */
};
/* Read the org.capsule.memory.* annotations; an unknown key or bad value is
 * an error naming the annotation. */
int mem_opts_from_annotations(const struct spec_kv *a, size_t n, struct mem_opts *o,
			      struct cap_error **err);
/* The kernel features the options need (KSM: PR_GET_MEMORY_MERGE; reclaim:
 * PSI).  Call at create, before anything is made. */
int mem_opts_check_kernel(const struct mem_opts *o, struct cap_error **err);
/* reclaim=auto needs memory.reclaim and memory.pressure in the new cgroup. */
int mem_opts_check_cgroup(const struct mem_opts *o, const char *cgroup_path,
			  struct cap_error **err);
/* memory.swap (OCI: memory+swap), unified memory.zswap.max and
 * memory.zswap.writeback: values checked before anything is created. */
int mem_validate_resources(const struct spec_resources *r, struct cap_error **err);
/* In the container's init, just before execve: make its anonymous memory
 * mergeable by ksmd (kept across fork and exec). */
int mem_enable_merge(struct cap_error **err);

/* ---- status ---- */
#define MEM_MAX_UNAVAILABLE 16
struct mem_container_status {
	const char *id;
	struct mem_opts opts;
	struct mem_val current, peak, max, high, low, min;
	struct mem_val anon, file, shmem;
	struct mem_val swap_current, swap_max, zswap_current, zswap_max;
	struct mem_val ev_low, ev_high, ev_max, ev_oom, ev_oom_kill;
	struct mem_psi psi;
	bool has_ksm;
	uint64_t ksm_merging_pages;
	int64_t ksm_profit; /* bytes; negative while the metadata costs more */
	uint64_t reclaimed; /* bytes capsule's watch reclaimed */
	const char *unavailable[MEM_MAX_UNAVAILABLE];
	size_t n_unavailable;
};
/* cgroup_path may be NULL (no cgroup); state_dir holds the reclaimed counter. */
int mem_container_status(const char *id, const char *cgroup_path, const char *state_dir,
			 const struct mem_opts *opts, struct mem_container_status *st,
			 struct cap_error **err);

struct mem_zram_dev {
	char *name, *algorithm;
	uint64_t disksize, orig, compr, mem_used;
};
struct mem_host_status {
	struct mem_val mem_total, mem_free, mem_available, swap_total, swap_free;
	struct mem_swap_dev *swaps;
	size_t n_swaps;
	bool has_swaps;
	struct mem_zram_dev *zram;
	size_t n_zram;
	bool has_zswap, zswap_enabled;
	char *zswap_compressor, *zswap_zpool;
	struct mem_val zswap_max_pool_percent;
	bool has_ksm;
	uint64_t ksm_run, ksm_pages_shared, ksm_pages_sharing;
	bool has_ksm_profit;
	int64_t ksm_general_profit;
	struct mem_psi psi;
	const char *unavailable[MEM_MAX_UNAVAILABLE];
	size_t n_unavailable;
};
/* Reads /proc and /sys under sysroot ("" for the real ones; tests pass a tree). */
int mem_host_status(const char *sysroot, struct mem_host_status *h, struct cap_error **err);
void mem_host_status_free(struct mem_host_status *h);

/* JSON of `memory status`: {"containers":[...],"host":{...}} (caller frees). */
char *mem_status_json(const struct mem_container_status *c, size_t n,
		      const struct mem_host_status *h);

/* ---- controller ---- */
struct mem_target { /* one container of --root */
	const char *id;
	const char *cgroup_path; /* NULL: no cgroup */
	const char *state_dir;
	struct mem_opts opts;
};
struct mem_watch_opts {
	unsigned interval_ms;
	double psi_target; /* percent; a container's annotation overrides it */
	bool once;
	int swappiness; /* memory.reclaim swappiness= (0-200, kernel 6.9); -1: none */
	/* The state root: listed again only when its entries change (and every
	 * 60 s); NULL: every round. */
	const char *root;
	/* The containers of --root now (called every round; the watch copies
	 * what it keeps).  Return -1 to stop the watch with *err set. */
	int (*list)(void *arg, struct mem_target **t, size_t *n, struct cap_error **err);
	void (*list_free)(void *arg, struct mem_target *t, size_t n);
	void (*event)(void *arg, const char *json_line); /* one JSON object */
	void (*debug)(const char *msg);			 /* may be NULL */
	void *arg;
};
/* Runs until SIGINT/SIGTERM (or one round with once); 0 on a clean stop. */
int mem_watch(const struct mem_watch_opts *o, struct cap_error **err);

/* The step rule, pure (unit tested): given the pressure seen over the last
 * interval, the current usage and the floor, how many bytes to ask
 * memory.reclaim for now.  *step_pct is the controller's state per container:
 * it grows while pressure stays under the target and halves or drops to 0 when
 * it rises. */
/* The working set is reached when reclaimed pages come back: refaults
 * (memory.stat workingset_refault_*) over an interval above 0.5% of
 * memory.current. */
#define MEM_REFAULT_PERMILLE 5
bool mem_refaulting(uint64_t refault_bytes, uint64_t current);
#define MEM_STEP_MIN_PCT 1.0
/* Below this, a write to memory.reclaim costs more than it gains. */
#define MEM_STEP_MIN_BYTES (64 * 1024)
#define MEM_STEP_MAX_PCT   5.0
uint64_t mem_reclaim_step(double pressure, double target, uint64_t current, uint64_t floor,
			  double *step_pct);

/* The controller per container (pure, unit tested).  PROBE: reclaim a step
 * each round while PSI stays under the target.  It settles (stops reclaiming)
 * once the cold set is gone: reclaimed pages come back (refaults) or a step
 * yields less than a quarter of what it asked.  SETTLED holds for
 * MEM_HOLD_MIN_S, doubling up to MEM_HOLD_MAX_S each time a probe after the
 * hold settles again at once, and ends early when memory.current grows by a
 * tenth (new memory that may turn cold).  PSI at or above the target stops
 * reclaim for MEM_PSI_HOLD_S and restarts from the smallest step. */
#define MEM_HOLD_MIN_S	   300
#define MEM_HOLD_MAX_S	   3600
#define MEM_PSI_HOLD_S	   5
#define MEM_CLEAN_STEPS	   3 /* steps in a row without refaults that reset the hold */
#define MEM_GROW_MIN_BYTES (1u << 20)
/* A settled container is sampled every this many rounds (growth, OOM
 * events and the hold's end are not urgent), or when its PSI trigger fires. */
#define MEM_SETTLED_SAMPLE_EVERY 5
/* KSM opted-in containers wait for this many full ksmd scans before any
 * reclaim (a page merges in the second scan that sees it unchanged; one more
 * for a scan already under way). */
#define MEM_KSM_SCANS 3
/* Gated (where the accessed bits of the container's processes can be
 * cleared, idle.c): no probe without idle memory to take.  Every wait (the
 * first, a hold) starts by clearing the bits; when it ends, IDLE waits until
 * they were cleared MEM_IDLE_WINDOW_ROUNDS rounds ago, then the memory left
 * unreferenced since is the probe's budget: under MEM_IDLE_MIN_BYTES it
 * settles again at once (MEM_WHY_IDLE), else it probes, each step capped by
 * what is left, and settles when less than MEM_IDLE_MIN_BYTES is left.
 * That floor is a huge page: the kernel swaps a THP out whole, so a step
 * asking for less than one, once the idle small pages are gone, takes a hot
 * huge page (in the benchmark every last step of a probe did). */
#define MEM_IDLE_WINDOW_ROUNDS 20
#define MEM_IDLE_MIN_BYTES     (2u << 20)
enum mem_ctl_phase { MEM_CTL_PROBE, MEM_CTL_SETTLED, MEM_CTL_IDLE };
enum mem_ctl_why { MEM_WHY_NONE, MEM_WHY_PSI, MEM_WHY_REFAULT, MEM_WHY_YIELD, MEM_WHY_IDLE };
struct mem_ctl {
	enum mem_ctl_phase phase;
	double step_pct;
	uint64_t hold_ns;	  /* length of the last hold */
	uint64_t until_ns;	  /* no reclaim before this */
	uint64_t settled_current; /* memory.current when it settled */
	unsigned clean;		  /* steps in a row without refaults */
	bool gated;
	uint64_t idle_from_ns; /* gated: accessed bits cleared then (0: clear them now) */
	uint64_t budget;       /* gated: bytes this probe may still take */
};
struct mem_ctl_in {
	double pressure, target; /* percent */
	uint64_t current, floor; /* bytes */
	uint64_t refault;	 /* bytes refaulted since the last round */
	uint64_t now_ns;
};
/* Bytes to reclaim now (0: none).  *why is set when this round backs off
 * (PSI) or settles (refaults): the watch reports those. */
uint64_t mem_ctl_decide(struct mem_ctl *c, const struct mem_ctl_in *in, enum mem_ctl_why *why);
/* After a write: got = memory.current before - after; short_ when the kernel
 * said it could not reclaim all (EAGAIN).  MEM_WHY_YIELD when it settles. */
enum mem_ctl_why mem_ctl_done(struct mem_ctl *c, uint64_t asked, uint64_t got, bool short_,
			      uint64_t current, uint64_t now_ns);
const char *mem_ctl_why_name(enum mem_ctl_why why);
/* Gate the controller: it starts in IDLE, its bits to be cleared
 * (idle_from_ns 0) before the first window. */
void mem_ctl_gate(struct mem_ctl *c);
/* Ungated from now on (the bits could not be cleared or read): plain
 * senpai, the kernel picks what a probe takes. */
void mem_ctl_ungate(struct mem_ctl *c);
/* IDLE and the window since the bits were cleared is over. */
bool mem_ctl_idle_due(const struct mem_ctl *c, uint64_t window_ns, uint64_t now_ns);
/* The measurement that ends IDLE: probe with that budget, or settle. */
enum mem_ctl_why mem_ctl_idle(struct mem_ctl *c, uint64_t idle_bytes, uint64_t current,
			      uint64_t now_ns);

#endif
