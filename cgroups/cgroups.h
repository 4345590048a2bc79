/* cgroups/: the cgroup v2 driver behind one interface.
 *
 * Backends: cgroupfs v2 (pure v2 hosts, and the cgroup2 part of hybrid hosts
 * for tracking only), and systemd (--systemd-cgroup: a transient unit through
 * sd-bus, its cgroup then written through cgroupfs too, as runc does). */
#ifndef CAPSULE_CGROUPS_H
#define CAPSULE_CGROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../lib/error.h"
#include "../oci/spec.h"

struct cgroup; /* opaque */

struct cgroup_options {
	const char *id;				/* container id, for the default path */
	const char *cgroups_path;		/* linux.cgroupsPath, may be NULL */
	const struct spec_resources *resources; /* may be NULL */
	bool systemd;			/* --systemd-cgroup: a transient systemd unit (cgroupsPath
					   "slice:prefix:name"), started by cgroup_enter */
	bool rootless;			/* not root: a cgroup that cannot be made is not an error
					   unless limits were requested */
	void (*debug)(const char *msg); /* --debug notes, may be NULL */
	/* org.systemd.property.* annotations (systemd driver); may be NULL */
	const struct spec_kv *annotations;
	size_t n_annotations;
};

/* Create the container cgroup (parents too, controllers enabled in the
 * parents' cgroup.subtree_control) and apply the resources, before the
 * container process exists.  *out is NULL (and 0 returned) when running
 * without a cgroup is allowed (rootless, nothing delegated, no limits). */
int cgroup_create(const struct cgroup_options *opt, struct cgroup **out, struct cap_error **err);
/* The device filter of a new container (linux.resources.devices, then runc's
 * default allow list; linux.devices only makes nodes and grants nothing, as
 * in runc) is compiled by cgroup_create, loaded
 * once the container process is cloned, while it sets up its mounts (the
 * BPF verifier costs about 1 ms), and attached when it reports ready,
 * before it may exec: the point where runc sets it too.  No-ops without a
 * pending filter (rootless, or already attached); attach loads first if
 * load was not called. */
int cgroup_load_device_filter(struct cgroup *cg, struct cap_error **err);
int cgroup_attach_device_filter(struct cgroup *cg, struct cap_error **err);
/* Reopen the cgroup of an existing container from the path saved in its state. */
int cgroup_open(const char *path, struct cgroup **out, struct cap_error **err);
/* The same, for a container made with --systemd-cgroup when systemd is set:
 * update then also sets the unit's properties, destroy stops the unit. */
int cgroup_open_driver(const char *path, bool systemd, bool rootless, struct cgroup **out,
		       struct cap_error **err);

const char *cgroup_path(const struct cgroup *cg); /* absolute filesystem path */
int cgroup_dirfd(const struct cgroup *cg);	  /* O_DIRECTORY fd, for CLONE_INTO_CGROUP */

/* systemd driver: the cgroup exists only once the unit is started with the
 * container pid in it, so the container is cloned outside and cgroup_enter
 * starts the unit (and applies the resources) before the child goes on;
 * cgroup_path is NULL and cgroup_dirfd -1 until then. */
bool cgroup_needs_pid(const struct cgroup *cg);
/* Move a process in (fallback when clone3 CLONE_INTO_CGROUP is not usable). */
int cgroup_enter(struct cgroup *cg, pid_t pid, struct cap_error **err);
int cgroup_update(struct cgroup *cg, const struct spec_resources *res, struct cap_error **err);
int cgroup_freeze(struct cgroup *cg, bool frozen, struct cap_error **err);
/* "frozen" state as reported by cgroup.events (false when unknown). */
bool cgroup_is_frozen(struct cgroup *cg);
/* Signal every process in the cgroup (cgroup.kill for SIGKILL where present). */
int cgroup_kill_all(struct cgroup *cg, int sig, struct cap_error **err);
/* Pids listed in cgroup.procs (caller frees *pids). */
int cgroup_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct cap_error **err);
/* Remove the cgroup; waits briefly for exiting processes to leave it. */
int cgroup_destroy(struct cgroup *cg, struct cap_error **err);
void cgroup_free(struct cgroup *cg);

/* cgroup2 mounted beside v1 hierarchies (/sys/fs/cgroup/unified): the
 * cgroup is for tracking; limits need controllers that v1 owns there. */
bool cgroup_is_hybrid(const struct cgroup *cg);

/* ---- statistics, for `events --stats` ----
 * Filled from whatever files the cgroup has; each group has a `present` flag
 * (its controller's files were there).  UINT64_MAX stands for "max". */
struct cgroup_psi_line {
	double avg10, avg60, avg300;
	uint64_t total; /* microseconds */
};
struct cgroup_psi {
	bool present, has_full;
	struct cgroup_psi_line some, full;
};
struct cgroup_kv_u64 {
	char *key;
	uint64_t value;
};
struct cgroup_io_dev {
	unsigned major, minor;
	uint64_t rbytes, wbytes, rios, wios, dbytes, dios;
};
struct cgroup_hugetlb {
	char *page_size;		/* "2MB" */
	uint64_t current, max, failcnt; /* failcnt: hugetlb.<size>.events "max" */
};
struct cgroup_stats {
	struct {
		bool present;
		uint64_t usage_usec, user_usec, system_usec;
		uint64_t nr_periods, nr_throttled, throttled_usec;
	} cpu;
	struct {
		bool present, has_swap;
		uint64_t current, max, peak; /* peak: 0 when the kernel lacks memory.peak */
		uint64_t swap_current, swap_max;
		uint64_t low, high, max_events, oom, oom_kill; /* memory.events */
		struct cgroup_kv_u64 *stat;		       /* memory.stat, in file order */
		size_t n_stat;
	} memory;
	struct {
		bool present;
		uint64_t current, max;
	} pids;
	struct cgroup_io_dev *io; /* io.stat */
	size_t n_io;
	struct cgroup_hugetlb *hugetlb;
	size_t n_hugetlb;
	struct cgroup_psi cpu_psi, memory_psi, io_psi;
};
int cgroup_stats(struct cgroup *cg, struct cgroup_stats *st, struct cap_error **err);
void cgroup_stats_free(struct cgroup_stats *st); /* frees the arrays, not st */

/* The oom_kill counter of memory.events (0 when the file is absent, e.g. on a
 * hybrid host where v1 owns memory). */
int cgroup_oom_events(struct cgroup *cg, uint64_t *oom_kill, struct cap_error **err);

#endif
