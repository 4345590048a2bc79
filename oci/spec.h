/* Typed model of an OCI runtime-spec 1.2 config.json.
 *
 * spec_parse() turns the JSON into this struct; every error names the JSON path
 * and the reason (`process.rlimits[2].type: unknown rlimit "RLIMIT_FOO"`).  Unknown
 * fields are ignored.  Optional scalars carry a has_* flag so "absent" and
 * "zero" stay distinct; strings are NULL when absent; arrays come with a count. */
#ifndef CAPSULE_SPEC_H
#define CAPSULE_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../lib/error.h"
#include "../lib/userns.h"

struct spec_kv { /* annotations, sysctl, unified, listenerMetadata-like maps */
	char *key;
	char *value;
};

struct spec_rlimit {
	int resource; /* RLIMIT_* */
	uint64_t soft;
	uint64_t hard;
};

struct spec_capabilities {
	/* Each set is a bitmask of CAP_* numbers (bit n = capability n). */
	uint64_t bounding, effective, inheritable, permitted, ambient;
	bool has_bounding, has_effective, has_inheritable, has_permitted, has_ambient;
};

struct spec_user {
	uid_t uid;
	gid_t gid;
	bool has_umask;
	mode_t umask;
	gid_t *additional_gids;
	size_t n_additional_gids;
	char *username; /* windows only; kept for completeness */
};

struct spec_scheduler {
	bool present;
	int policy; /* SCHED_* */
	int nice;
	int priority;
	uint64_t flags; /* SCHED_FLAG_* bitmask */
	uint64_t runtime, deadline, period;
};

struct spec_io_priority {
	bool present;
	int class; /* IOPRIO_CLASS_RT/BE/IDLE */
	int priority;
};

struct spec_cpu_affinity {
	char *initial; /* cpu list string, e.g. "0-3,7" */
	char *final;
};

struct spec_process {
	bool terminal;
	bool has_console_size;
	unsigned console_height, console_width;
	struct spec_user user;
	char **args; /* NULL-terminated */
	size_t n_args;
	char **env; /* NULL-terminated */
	size_t n_env;
	char *cwd;
	struct spec_capabilities caps;
	bool has_capabilities;
	struct spec_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
	char *apparmor_profile;
	char *selinux_label;
	struct spec_scheduler scheduler;
	struct spec_io_priority io_priority;
	struct spec_cpu_affinity exec_cpu_affinity;
};

struct spec_mount {
	char *destination;
	char *type;
	char *source;
	char **options; /* raw option strings, NULL-terminated */
	size_t n_options;
	struct cap_id_mapping *uid_mappings;
	size_t n_uid_mappings;
	struct cap_id_mapping *gid_mappings;
	size_t n_gid_mappings;
};

struct spec_hook {
	char *path;
	char **args; /* NULL-terminated, may be NULL */
	size_t n_args;
	char **env; /* NULL-terminated, may be NULL */
	size_t n_env;
	bool has_timeout;
	int timeout; /* seconds, > 0 */
};

enum spec_hook_kind {
	HOOK_PRESTART,
	HOOK_CREATE_RUNTIME,
	HOOK_CREATE_CONTAINER,
	HOOK_START_CONTAINER,
	HOOK_POSTSTART,
	HOOK_POSTSTOP,
	HOOK__COUNT
};

/* The OCI names ("createRuntime", ...): one table for the parser, the hook runner,
 * CDI and `features`.  from_name: -1 when unknown. */
const char *spec_hook_kind_name(enum spec_hook_kind kind);
int spec_hook_kind_from_name(const char *name);

struct spec_hooks {
	struct spec_hook *list[HOOK__COUNT];
	size_t count[HOOK__COUNT];
};

struct spec_namespace {
	int type;   /* CLONE_NEW* */
	char *path; /* NULL: create a new one */
};

struct spec_time_offset {
	bool present;
	int64_t secs;
	uint32_t nanosecs;
};

struct spec_device {
	char type; /* 'c', 'b', 'u', 'p' */
	char *path;
	char *host_path; /* not from JSON: the host node of a CDI device (gpu/),
			    bind-mounted in a user namespace; NULL: path */
	int64_t major, minor;
	bool has_file_mode;
	mode_t file_mode;
	bool has_uid, has_gid;
	uid_t uid;
	gid_t gid;
};

struct spec_device_cgroup { /* linux.resources.devices[] */
	bool allow;
	char type; /* 'a', 'c', 'b' */
	bool has_major, has_minor;
	int64_t major, minor; /* -1 = wildcard when absent */
	char *access;	      /* subset of "rwm" */
};

struct spec_weight_device {
	int64_t major, minor;
	bool has_weight, has_leaf_weight;
	uint16_t weight, leaf_weight;
};

struct spec_throttle_device {
	int64_t major, minor;
	uint64_t rate;
};

struct spec_hugepage_limit {
	char *page_size; /* "2MB", "1GB" */
	uint64_t limit;
};

/* An int64 resource value that may be absent. */
struct spec_opt_i64 {
	bool set;
	int64_t v;
};
struct spec_opt_u64 {
	bool set;
	uint64_t v;
};

struct spec_resources {
	struct spec_device_cgroup *devices;
	size_t n_devices;
	struct {
		struct spec_opt_i64 limit, reservation, swap, kernel, kernel_tcp;
		struct spec_opt_u64 swappiness;
		bool has_disable_oom_killer, disable_oom_killer;
		bool has_use_hierarchy, use_hierarchy;
		bool has_check_before_update, check_before_update;
	} memory;
	struct {
		struct spec_opt_u64 shares, period, realtime_period, burst;
		struct spec_opt_i64 quota, realtime_runtime, idle;
		char *cpus, *mems;
	} cpu;
	struct {
		bool set;
		int64_t limit;
	} pids;
	struct {
		struct spec_opt_u64 weight, leaf_weight;
		struct spec_weight_device *weight_devices;
		size_t n_weight_devices;
		struct spec_throttle_device *read_bps, *write_bps, *read_iops, *write_iops;
		size_t n_read_bps, n_write_bps, n_read_iops, n_write_iops;
	} block_io;
	struct spec_hugepage_limit *hugepage_limits;
	size_t n_hugepage_limits;
	struct {
		bool has_class_id;
		uint32_t class_id;
		size_t n_priorities;
	} network;
	struct spec_kv *unified;
	size_t n_unified;
	bool present; /* linux.resources appeared at all */
};

struct spec_seccomp_arg {
	unsigned index;
	uint64_t value;
	uint64_t value_two;
	int op; /* enum scmp_compare */
};

struct spec_seccomp_syscall {
	char **names; /* NULL-terminated */
	size_t n_names;
	uint32_t action; /* SCMP_ACT_* (without errno) */
	bool has_errno_ret;
	uint32_t errno_ret;
	struct spec_seccomp_arg *args;
	size_t n_args;
};

struct spec_seccomp {
	uint32_t default_action;
	bool has_default_errno_ret;
	uint32_t default_errno_ret;
	uint32_t *architectures; /* SCMP_ARCH_* */
	size_t n_architectures;
	unsigned flags; /* SECCOMP_FILTER_FLAG_* */
	char *listener_path;
	char *listener_metadata;
	struct spec_seccomp_syscall *syscalls;
	size_t n_syscalls;
};

struct spec_intel_rdt {
	char *clos_id;
	char *l3_cache_schema;
	char *mem_bw_schema;
	char **schemata; /* runtime-spec 1.3: lines written last, as they are */
	size_t n_schemata;
	bool enable_monitoring; /* a mon_groups/<id> group for the container */
	bool present;
};

/* linux.netDevices (runtime-spec 1.3): a host interface moved into the
 * container's new network namespace, renamed when name is set. */
struct spec_net_device {
	char *host_name; /* the map key: its name in the runtime's namespace */
	char *name;	 /* its name in the container (never NULL once parsed) */
};

/* linux.memoryPolicy: set_mempolicy(mode | flags, nodes) in the init. */
enum { SPEC_MPOL_MAX_NODES = 1024 };
struct spec_mem_policy {
	bool present;
	int mode;	/* MPOL_* */
	unsigned flags; /* MPOL_F_* */
	unsigned long nodes[SPEC_MPOL_MAX_NODES / (8 * sizeof(unsigned long))];
	bool has_nodes;
};

struct spec_personality {
	bool present;
	unsigned long domain; /* PER_LINUX or PER_LINUX32 */
};

struct spec_linux {
	struct spec_namespace *namespaces;
	size_t n_namespaces;
	struct cap_id_mapping *uid_mappings;
	size_t n_uid_mappings;
	struct cap_id_mapping *gid_mappings;
	size_t n_gid_mappings;
	struct spec_time_offset time_monotonic, time_boottime;
	struct spec_device *devices;
	size_t n_devices;
	char *cgroups_path;
	struct spec_resources resources;
	unsigned long rootfs_propagation; /* MS_* propagation flag, 0 if absent */
	struct spec_seccomp *seccomp;	  /* NULL if absent */
	struct spec_kv *sysctl;
	size_t n_sysctl;
	char **masked_paths;
	size_t n_masked_paths;
	char **readonly_paths;
	size_t n_readonly_paths;
	char *mount_label;
	struct spec_personality personality;
	struct spec_intel_rdt intel_rdt;
	struct spec_mem_policy mem_policy;
	struct spec_net_device *net_devices;
	size_t n_net_devices;
};

struct spec {
	char *oci_version;
	char *root_path;
	bool root_readonly;
	bool has_process;
	struct spec_process process;
	char *hostname;
	char *domainname;
	struct spec_mount *mounts;
	size_t n_mounts;
	struct spec_hooks hooks;
	struct spec_kv *annotations;
	size_t n_annotations;
	bool has_linux;
	struct spec_linux linux_;
};

/* Parse a config.json held in memory.  Returns NULL and sets *err on failure. */
struct spec *spec_parse(const char *json, size_t len, struct cap_error **err);
/* Read and parse <bundle>/config.json (or any path). */
struct spec *spec_load(const char *path, struct cap_error **err);
/* Parse a lone "process" object (capsule exec --process FILE). */
struct spec_process *spec_parse_process(const char *json, size_t len, struct cap_error **err);
/* Parse a lone LinuxResources object (capsule update --resources FILE). */
struct spec_resources *spec_parse_resources(const char *json, size_t len, struct cap_error **err);

void spec_free(struct spec *s);
void spec_process_free(struct spec_process *p);
void spec_resources_free(struct spec_resources *r);

/* Absolute, and no "", "." or ".." component (no "//", no trailing "/"):
 * what a path naming a file to create must be before it is joined to the
 * rootfs. */
bool spec_path_is_clean(const char *path);
/* Checks across fields (spec_check.c), run by spec_parse. */
int spec_check(const struct spec *s, struct cap_error **err);

/* The namespace entry of a given CLONE_NEW* type, or NULL. */
const struct spec_namespace *spec_find_namespace(const struct spec *s, int clone_type);

#endif
