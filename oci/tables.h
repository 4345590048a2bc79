/* Name <-> value tables used by the parser, the CLI and `features`.
 * One table per concept, so `features` output is generated from exactly what
 * the code accepts. */
#ifndef CAPSULE_TABLES_H
#define CAPSULE_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct name_value {
	const char *name;
	int value;
};
extern const struct name_value oci_rlimit_table[];
extern const size_t oci_rlimit_table_len;
int oci_rlimit_from_name(const char *name); /* -1 if unknown */

/* Signals: "KILL", "SIGKILL", "9", "SIGRTMIN+3" -> number; -1 if unknown. */
int oci_signal_from_string(const char *s);
extern const struct name_value oci_signal_table[];
extern const size_t oci_signal_table_len;

/* Mount options.  kind tells how an option is applied. */
enum mount_opt_kind {
	MOPT_FLAG,	  /* set `flag` in mount(2) flags (or clear it when `clear`) */
	MOPT_PROPAGATION, /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE, with MS_REC for r* */
	MOPT_RECURSIVE,	  /* mount_setattr(AT_RECURSIVE) attribute: rro, rnosuid, ... */
	MOPT_BIND,	  /* bind / rbind */
	MOPT_IDMAP,	  /* idmap / ridmap */
	MOPT_EXTRA,	  /* consumed by capsule itself (tmpcopyup, ...) */
};
struct mount_opt {
	const char *name;
	enum mount_opt_kind kind;
	bool clear;
	unsigned long flag; /* MS_* or MOUNT_ATTR_* for MOPT_RECURSIVE */
};
extern const struct mount_opt oci_mount_opt_table[];
extern const size_t oci_mount_opt_table_len;
const struct mount_opt *oci_mount_opt_lookup(const char *name);

/* linux.memoryPolicy modes and flags (runtime-spec 1.3: MPOL_* names). */
extern const struct name_value oci_mpol_mode_table[];
extern const size_t oci_mpol_mode_table_len;
extern const struct name_value oci_mpol_flag_table[];
extern const size_t oci_mpol_flag_table_len;

/* Propagation names for linux.rootfsPropagation ("shared", "rslave", ...). */
unsigned long oci_propagation_from_name(const char *name); /* 0 if unknown */

/* seccomp: OCI strings -> libseccomp values (seccomp_names.c).  0, or -1 if unknown. */
int oci_seccomp_action_from_name(const char *name, uint32_t *action);
int oci_seccomp_op_from_name(const char *name, int *op);
int oci_seccomp_arch_from_name(const char *name, uint32_t *arch);
int oci_seccomp_flag_from_name(const char *name, unsigned *flag);

/* For `features`: NULL-terminated lists of the names accepted above. */
extern const char *const oci_seccomp_action_names[];
extern const char *const oci_seccomp_op_names[];
extern const char *const oci_seccomp_arch_names[];
extern const char *const oci_seccomp_flag_names[];

#endif
