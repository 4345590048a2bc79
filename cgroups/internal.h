/* cgroups/ internals: shared by the files of this module and by its unit tests,
 * never included from outside cgroups/ (except tests/unit). */
#ifndef CAPSULE_CGROUPS_INTERNAL_H
#define CAPSULE_CGROUPS_INTERNAL_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/error.h"
#include "../oci/spec.h"
#include "cgroups.h"

struct cg_sd_props;

struct cgroup {
	/* systemd driver: the unit, and until the container pid is known
	 * (cgroup_enter starts the unit) what to apply then */
	bool systemd;
	char *unit, *slice;
	struct cg_sd_props *sd_props;
	struct cgroup_options pending; /* borrowed pointers, valid during create */
	char *mount;		       /* cgroup2 mount: /sys/fs/cgroup or /sys/fs/cgroup/unified */
	char *path;		       /* absolute filesystem path of the container cgroup */
	int dirfd;		       /* O_DIRECTORY fd of path */
	bool hybrid;		       /* cgroup2 mounted beside v1 hierarchies: tracking only */
	bool rootless;		       /* device filter and other privileged steps skipped */
	/* Device filter of a new container: compiled at create, loaded while the
	 * container process sets up, attached before it may exec. */
	struct bpf_insn *dev_insns;
	size_t n_dev_insns;
	int dev_prog; /* loaded, not yet attached; -1 when none */
};

/* Hand a locally caught error to the caller's err (which may be NULL). */
static inline int cg_pass_error(struct cap_error **err, struct cap_error *e)
{
	if (err && !*err)
		*err = e;
	else
		cap_error_free(e);
	return -1;
}

/* ---- convert.c: pure OCI value -> cgroup v2 value conversions ---- */

/* cpu.shares (2..262144) -> cpu.weight (1..10000); 0 stays 0 (unset). */
uint64_t cg_shares_to_weight(uint64_t shares);
/* blkio weight (10..1000) -> io.weight (1..10000); 0 stays 0 (unset). */
uint64_t cg_blkio_to_io_weight(uint64_t weight);
/* OCI memory.swap is memory+swap; v2 memory.swap.max is swap alone.
 * Sets *out to the memory.swap.max string ("max" or a number), or to ""
 * when nothing is to be written.  Returns -1 with a message in *err. */
int cg_swap_max(bool limit_set, int64_t limit, bool swap_set, int64_t swap, char *out,
		size_t outlen, struct cap_error **err);
/* memory.max / memory.low value: -1 -> "max"; < -1 is an error. */
int cg_memory_value(int64_t v, char *out, size_t outlen, struct cap_error **err);
/* cpu.max: "QUOTA PERIOD", "max PERIOD", "QUOTA", or "" (nothing to write). */
void cg_cpu_max(bool quota_set, int64_t quota, bool period_set, uint64_t period, char *out,
		size_t outlen);
/* pids.max: <= 0 -> "max" (runc). */
void cg_pids_max(int64_t limit, char *out, size_t outlen);
/* Value of one io.max rate: 0 -> "max" (no limit). */
void cg_io_rate(uint64_t rate, char *out, size_t outlen);
/* A unified key must be one file name "controller.knob". Returns 0 and the
 * controller name (up to the first '.') in ctrl, or -1 with *err. */
int cg_unified_key(const char *key, char *ctrl, size_t ctrllen, struct cap_error **err);
/* A hugepage size like "2MB" / "1GB" (digits then letters). */
bool cg_valid_page_size(const char *s);

/* ---- devicefilter.c: OCI device rules -> eBPF (BPF_PROG_TYPE_CGROUP_DEVICE) ---- */

struct cg_dev_rule {
	bool allow;
	char type;	 /* 'a', 'c', 'b' */
	int64_t major;	 /* -1: any */
	int64_t minor;	 /* -1: any */
	unsigned access; /* BPF_DEVCG_ACC_* bits */
};

/* Parse an OCI access string ("rwm" subset; empty or NULL = "rwm"). */
int cg_dev_access(const char *s, unsigned *out, struct cap_error **err);
/* Compile rules (last match wins per access bit, default deny) into a
 * program.  *insns is malloc'ed. */
int cg_dev_compile(const struct cg_dev_rule *rules, size_t n, struct bpf_insn **insns,
		   size_t *n_insns, struct cap_error **err);
/* The rules runc always appends: mknod of any c/b node, and rwm on
 * null zero full random urandom tty ptmx pts/N. */
extern const struct cg_dev_rule cg_default_dev_rules[];
extern const size_t cg_n_default_dev_rules;

/* ---- ebpf.c: load and attach, replacing earlier programs ---- */
/* BPF_PROG_LOAD (the verifier: the expensive part); returns the program fd. */
int cg_bpf_load_device_filter(const struct bpf_insn *insns, size_t n, const char *path,
			      struct cap_error **err);
/* Attach pfd, then detach the programs attached before. */
int cg_bpf_attach_device_filter(int cgroup_fd, const char *cgroup_path, int pfd,
				struct cap_error **err);
/* Load + attach. */
int cg_bpf_replace_device_filter(int cgroup_fd, const char *cgroup_path,
				 const struct bpf_insn *insns, size_t n, struct cap_error **err);

/* ---- file.c: cgroup file I/O; errors name the file ---- */
int cg_write(const struct cgroup *cg, const char *file, const char *value, struct cap_error **err);
int cg_write_path(const char *dir, const char *file, const char *value, struct cap_error **err);
/* Read a whole small file (NUL-terminated, trailing newline kept). */
int cg_read(const struct cgroup *cg, const char *file, char **out, struct cap_error **err);
int cg_read_path(const char *dir, const char *file, char **out, struct cap_error **err);
/* Is word (space separated) in the list? ("cpu memory pids", "memory") */
bool cg_word_in(const char *list, const char *word);
/* Value of "key N" in a flat keyed file (memory.events, cpu.stat). */
bool cg_keyed_u64(const char *text, const char *key, uint64_t *out);

/* ---- cgroupfs.c, shared with the systemd driver ---- */
struct cgroup *cg_alloc(void);
int cg_find_mount(struct cgroup *cg, struct cap_error **err);
int cg_open_dir(struct cgroup *cg, struct cap_error **err);
/* Check controllers, write the resources, compile the device filter. */
int cg_create_apply(struct cgroup *cg, const struct cgroup_options *opt, const char *needed,
		    struct cap_error **err);

/* ---- resources.c ---- */
/* Controllers the resources need, as a space separated list into buf. */
void cg_needed_controllers(const struct spec_resources *r, char *buf, size_t len);
bool cg_has_limits(const struct spec_resources *r);
/* Check the controllers are available in the cgroup; error names the mode. */
int cg_check_controllers(const struct cgroup *cg, const char *needed, struct cap_error **err);
int cg_apply(struct cgroup *cg, const struct spec_resources *r, bool update,
	     struct cap_error **err);
/* spec rules then runc's default allow list, in that order (not
 * linux.devices: a node there is only created); *rules is malloc'ed. */
int cg_collect_dev_rules(const struct spec_resources *r, struct cg_dev_rule **rules, size_t *n,
			 struct cap_error **err);
/* Compile the device filter from the rules + runc's default allow list. */
int cg_build_devices(const struct spec_resources *r, struct bpf_insn **insns, size_t *n_insns,
		     struct cap_error **err);
/* Build + attach (replacing) the device filter. */
int cg_apply_devices(struct cgroup *cg, const struct spec_resources *r, struct cap_error **err);

/* ---- systemd driver (systemd_path.c, systemd_props.c: pure; systemd.c: sd-bus) ---- */

/* linux.cgroupsPath "slice:prefix:name" -> the parent slice and the unit.
 * NULL or "" -> ":capsule:<id>".  An empty slice is system.slice (user.slice
 * rootless); name "x.slice" makes a slice unit, else "<prefix>-<name>.scope"
 * ("<name>.scope" with an empty prefix), as runc names them. */
struct cg_sd_unit {
	char slice[256];
	char unit[600]; /* checked against systemd's 255 */
};
int cg_sd_parse_path(const char *cgroups_path, const char *id, bool rootless,
		     struct cg_sd_unit *out, struct cap_error **err);

/* One transient unit property, with its D-Bus signature. */
struct cg_sd_prop {
	char name[64];
	char sig[8]; /* "t" "x" "u" "i" "q" "n" "y" "b" "d" "s" "as" "ay" "a(ss)" */
	uint64_t u;  /* t u q y b */
	int64_t i;   /* x i n */
	double d;
	char *s;     /* s */
	char **strv; /* as, a(ss) (pairs) */
	size_t n_strv;
	uint8_t *bytes; /* ay */
	size_t n_bytes;
};
struct cg_sd_props {
	struct cg_sd_prop *v;
	size_t n, cap;
};
void cg_sd_props_free(struct cg_sd_props *p);
/* Add (or replace, by name) a property; NULL on ENOMEM. */
struct cg_sd_prop *cg_sd_props_set(struct cg_sd_props *p, const char *name, const char *sig);
int cg_sd_props_u64(struct cg_sd_props *p, const char *name, uint64_t v, struct cap_error **err);
int cg_sd_props_bool(struct cg_sd_props *p, const char *name, bool v, struct cap_error **err);
int cg_sd_props_str(struct cg_sd_props *p, const char *name, const char *v, struct cap_error **err);
/* Remove by name; true when it was there. */
bool cg_sd_props_remove(struct cg_sd_props *p, const char *name);
const struct cg_sd_prop *cg_sd_props_get(const struct cg_sd_props *p, const char *name);

/* "0-3,8" -> systemd's AllowedCPUs byte array (byte i = cpus 8i..8i+7). */
int cg_sd_cpuset_bits(const char *list, uint8_t **out, size_t *n, struct cap_error **err);
/* CPUQuotaPerSecUSec from an OCI quota and period, as runc computes it
 * (rounded up to 10 ms; quota <= 0 -> UINT64_MAX, "infinity"). */
uint64_t cg_sd_quota_per_sec(int64_t quota, uint64_t period);
/* linux.resources (devices aside) -> unit properties, as runc's systemd v2
 * driver maps them. */
int cg_sd_resource_props(const struct spec_resources *r, struct cg_sd_props *p,
			 struct cap_error **err);
/* Deep copy of src's value into dst (same name and signature). */
int cg_sd_prop_copy(struct cg_sd_prop *dst, const struct cg_sd_prop *src);
/* DevicePolicy + DeviceAllow from the device rules (systemd_devices.c):
 * "strict" with the allowed nodes, "auto" for allow-all; systemd has no
 * deny lists, so those get "strict" with nothing allowed and the eBPF
 * filter attached afterwards decides (runc does the same). */
int cg_sd_device_props(const struct spec_resources *r, struct cg_sd_props *p,
		       struct cap_error **err);
/* One org.systemd.property.NAME annotation: VALUE in GVariant text form
 * ("uint64 5", "@t 5", "true", "'str'", "['a', 'b']", plain numbers are
 * int32), as runc reads them. */
int cg_sd_annotation_prop(const char *name, const char *value, struct cg_sd_props *p,
			  struct cap_error **err);

/* sd-bus calls (systemd.c).  cg_sd_start: start cg->unit with pid in it and
 * cg->sd_props, wait for the job; *rel = its ControlGroup. */
int cg_sd_start(struct cgroup *cg, pid_t pid, void (*debug)(const char *), char **rel,
		struct cap_error **err);
/* Error unless systemd is the init here (/run/systemd/system). */
int cg_sd_check_running(struct cap_error **err);
int cg_sd_set(const struct cgroup *cg, const struct cg_sd_props *p, struct cap_error **err);
int cg_sd_stop(const struct cgroup *cg, struct cap_error **err);
/* The driver (sd_driver.c): cgroup_create/enter/update/destroy/open for
 * --systemd-cgroup. */
int cg_sd_create(const struct cgroup_options *opt, struct cgroup **out, struct cap_error **err);
int cg_sd_enter(struct cgroup *cg, pid_t pid, struct cap_error **err);
int cg_sd_update(struct cgroup *cg, const struct spec_resources *res, struct cap_error **err);

#endif
