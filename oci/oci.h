/* oci/: the OCI runtime-spec documents capsule writes itself.
 *
 * One default config.json generator (runc spec's defaults, plus the default
 * seccomp profile and capsule's extra masked path) behind both `capsule spec`
 * and the bundles `run --image` / `image bundle` make, so the two cannot
 * drift apart.  A leaf module: it includes runtime/error.h only; the seccomp
 * profile is handed in by the caller (seccomp/ owns it). */
#ifndef CAPSULE_OCI_H
#define CAPSULE_OCI_H

#include <stdbool.h>

#include "../lib/error.h"

#define OCI_SPEC_VERSION "1.2.0"

/* The "process" object; NULL-terminated string lists. */
struct oci_process {
	bool terminal;
	long uid, gid;
	const char *const *args;
	const char *const *env;
	const char *cwd;
};

struct oci_spec_opts {
	bool rootless; /* runc spec --rootless: user namespace, no network one */
	bool root_readonly;
	const struct oci_process *process; /* NULL: runc spec's (terminal, sh) */
	const char *seccomp_json;	   /* linux.seccomp, NULL: none */
	const char *const *annotations;	   /* key, value, ..., NULL; may be NULL */
};

/* The whole config.json, malloc'd, ending in a newline. */
int oci_default_spec(const struct oci_spec_opts *o, char **out, struct cap_error **err);

#endif
