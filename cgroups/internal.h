/* cgroups/ internals: shared by the files of this module and by its unit tests,
 * never included from outside cgroups/ (except tests/unit). */
#ifndef CAPSULE_CGROUPS_INTERNAL_H
#define CAPSULE_CGROUPS_INTERNAL_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../runtime/error.h"
#include "../runtime/spec.h"

struct cgroup {
	char *mount;   /* cgroup2 mount: /sys/fs/cgroup or /sys/fs/cgroup/unified */
	char *path;    /* absolute filesystem path of the container cgroup */
	int dirfd;     /* O_DIRECTORY fd of path */
	bool hybrid;   /* cgroup2 mounted beside v1 hierarchies: tracking only */
	bool rootless; /* device filter and other privileged steps skipped */
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

/* ---- resources.c ---- */
/* Controllers the resources need, as a space separated list into buf. */
void cg_needed_controllers(const struct spec_resources *r, char *buf, size_t len);
bool cg_has_limits(const struct spec_resources *r);
/* Check the controllers are available in the cgroup; error names the mode. */
int cg_check_controllers(const struct cgroup *cg, const char *needed, struct cap_error **err);
int cg_apply(struct cgroup *cg, const struct spec_resources *r, bool update,
	     struct cap_error **err);
/* Compile the device filter from the rules + runc's default allow list. */
int cg_build_devices(const struct spec_resources *r, struct bpf_insn **insns, size_t *n_insns,
		     struct cap_error **err);
/* Build + attach (replacing) the device filter. */
int cg_apply_devices(struct cgroup *cg, const struct spec_resources *r, struct cap_error **err);

#endif
