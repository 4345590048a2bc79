/* Name <-> value tables used by the parser, the CLI and `features`.
 * One table per concept, so `features` output is generated from exactly what
 * the code accepts. */
#ifndef CAPSULE_TABLES_H
#define CAPSULE_TABLES_H

#include <stdbool.h>
#include <stddef.h>

struct ns_info {
	const char *name; /* OCI name: "pid", "network", "mount", ... */
	const char *proc; /* /proc/<pid>/ns/<proc> */
	int clone_flag;	  /* CLONE_NEW* */
};
extern const struct ns_info ns_table[];
extern const size_t ns_table_len;
const struct ns_info *ns_by_name(const char *name);
const struct ns_info *ns_by_flag(int clone_flag);

struct name_value {
	const char *name;
	int value;
};
extern const struct name_value rlimit_table[];
extern const size_t rlimit_table_len;
int rlimit_from_name(const char *name); /* -1 if unknown */

/* Signals: "KILL", "SIGKILL", "9", "SIGRTMIN+3" -> number; -1 if unknown. */
int signal_from_string(const char *s);
extern const struct name_value signal_table[];
extern const size_t signal_table_len;

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
extern const struct mount_opt mount_opt_table[];
extern const size_t mount_opt_table_len;
const struct mount_opt *mount_opt_lookup(const char *name);

/* linux.memoryPolicy modes and flags (runtime-spec 1.3: MPOL_* names). */
extern const struct name_value mpol_mode_table[];
extern const size_t mpol_mode_table_len;
extern const struct name_value mpol_flag_table[];
extern const size_t mpol_flag_table_len;

/* Propagation names for linux.rootfsPropagation ("shared", "rslave", ...). */
unsigned long propagation_from_name(const char *name); /* 0 if unknown */

#endif
