/* gpu/: device passthrough.  CDI (Container Device Interface) specs are read
 * from the spec dirs and the requested devices' containerEdits are applied to
 * the typed OCI spec in the parent, before anything is created, so the rest of
 * the runtime (device nodes, the eBPF device filter, mounts, hooks) does its
 * usual job on them.  Without a spec, `--gpus` discovers NVIDIA devices and
 * driver files and produces the same edits a generated spec would. */
#ifndef CAPSULE_GPU_H
#define CAPSULE_GPU_H

#include <stdbool.h>
#include <stddef.h>

#include "../lib/error.h"
#include "../oci/spec.h"

#define CDI_VERSION_MIN	      "0.3.0"
#define CDI_VERSION_MAX	      "1.1.0"
#define CDI_ANNOTATION_PREFIX "cdi.k8s.io/"
/* Spec dirs by increasing priority: a later dir overrides an earlier one. */
#define CDI_DEFAULT_DIRS                                                                           \
	{                                                                                          \
		"/etc/cdi", "/var/run/cdi"                                                         \
	}

struct cdi_spec;     /* one parsed spec file */
struct cdi_registry; /* every spec of a set of dirs, devices indexed */

/* Parse one spec held in memory (JSON, or YAML when yaml is true); `file`
 * names it in errors.  cdi_spec_free accepts NULL. */
struct cdi_spec *cdi_spec_parse(const char *buf, size_t len, bool yaml, const char *file,
				struct cap_error **err);
/* Read and validate one file (.json, .yaml or .yml). */
struct cdi_spec *cdi_spec_load(const char *path, struct cap_error **err);
void cdi_spec_free(struct cdi_spec *s);
size_t cdi_spec_device_count(const struct cdi_spec *s);

/* Load every spec under dirs (NULL/0: CDI_DEFAULT_DIRS; missing dirs are
 * skipped).  A bad file or two files of one dir defining the same device is
 * an error naming the file(s). */
struct cdi_registry *cdi_registry_load(const char *const *dirs, size_t n_dirs,
				       struct cap_error **err);
void cdi_registry_free(struct cdi_registry *r);
size_t cdi_registry_count(const struct cdi_registry *r);
/* Device i in name order: its qualified name and the file it comes from. */
void cdi_registry_device(const struct cdi_registry *r, size_t i, const char **name,
			 const char **file);

/* Is `name` a valid fully-qualified device name (vendor.com/class=name)? */
int cdi_parse_qualified(const char *name, struct cap_error **err);

/* Apply the named devices (in order) to s: the spec-wide edits of each spec
 * once, then each device's, then mounts are sorted by depth.  An unknown
 * name is an error and s is then left half-edited (callers discard it). */
int cdi_inject(const struct cdi_registry *r, const char *const *names, size_t n, struct spec *s,
	       struct cap_error **err);

/* What a container asks for (create/run flags). */
struct gpu_request {
	const char *const *devices; /* --device NAME (CDI qualified names) */
	size_t n_devices;
	const char *const *spec_dirs; /* --cdi-spec-dir; NULL: the defaults */
	size_t n_spec_dirs;
	const char *gpus; /* --gpus all|N[,M...], or NULL */
};

/* Resolve --device, the cdi.k8s.io/ annotations of s and --gpus and edit s.
 * Costs nothing when nothing is requested. */
int gpu_apply(struct spec *s, const struct gpu_request *req, struct cap_error **err);

/* Discovery (gpu/discover.c).  The root is $CAPSULE_GPU_ROOT or "/" (tests
 * point it at a fake tree).  The result is a CDI spec of kind
 * "nvidia.com/gpu" with one device per GPU (named by its index) and "all",
 * holding shared nodes, driver libraries and binaries as spec-wide edits. */
const char *gpu_root(void);
struct cdi_spec *gpu_discover(const char *root, struct cap_error **err);
/* The edits for --gpus SEL applied to s. */
int gpu_inject(const struct cdi_spec *discovered, const char *sel, struct spec *s,
	       struct cap_error **err);
/* The spec as CDI JSON, or as a text summary (caller frees); NULL on ENOMEM. */
char *cdi_spec_to_json(const struct cdi_spec *s);
char *cdi_spec_summary(const struct cdi_spec *s);

#endif
