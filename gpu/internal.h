/* Internal to gpu/: the CDI spec model, its parsers and the edit engine. */
#ifndef CAPSULE_GPU_INTERNAL_H
#define CAPSULE_GPU_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <yajl/yajl_tree.h>

#include "gpu.h"

struct cdi_node {
	char *path, *host_path, *type, *permissions;
	int64_t major, minor;
	bool has_mode, has_uid, has_gid;
	uint32_t mode, uid, gid;
};

struct cdi_mount {
	char *host_path, *container_path, *type;
	char **options; /* NULL-terminated */
	size_t n_options;
};

struct cdi_hook {
	char *hook_name, *path;
	char **args, **env; /* NULL-terminated, may be NULL */
	size_t n_args, n_env;
	bool has_timeout;
	int timeout;
};

struct cdi_intel_rdt {
	bool present, enable_monitoring;
	char *clos_id, *l3_cache_schema, *mem_bw_schema, *schemata;
};

struct cdi_edits {
	char **env;
	size_t n_env;
	struct cdi_node *nodes;
	size_t n_nodes;
	struct cdi_mount *mounts;
	size_t n_mounts;
	struct cdi_hook *hooks;
	size_t n_hooks;
	uint32_t *gids;
	size_t n_gids;
	struct cdi_intel_rdt rdt;
	size_t n_net_devices; /* parsed for validation; injection refuses them */
};

struct cdi_device {
	char *name;
	bool has_annotations;
	struct cdi_edits edits;
};

struct cdi_spec {
	char *file; /* where it was read from ("<generated>" for --gpus) */
	char *version, *kind;
	bool has_annotations;
	struct cdi_device *devices;
	size_t n_devices;
	struct cdi_edits edits;
	int priority; /* index of its spec dir: later dirs override earlier */
};

/* cdi_tree.c: JSON (yajl) or YAML (libyaml) text -> one yajl tree.  Errors
 * name `file`. */
yajl_val cdi_tree_parse(const char *buf, size_t len, bool yaml, const char *file,
			struct cap_error **err);

/* cdi_parse.c: tree -> model; each error is "<file>: <field path>: why". */
int cdi_spec_from_tree(yajl_val root, const char *file, struct cdi_spec *out,
		       struct cap_error **err);
void cdi_spec_clear(struct cdi_spec *s);
void cdi_edits_clear(struct cdi_edits *e);

/* cdi_version.c: cdiVersion, field/version rule and name syntax. */
int cdi_check_version(const struct cdi_spec *s, struct cap_error **err);
int cdi_check_kind(const char *kind, struct cap_error **err);
int cdi_check_device_name(const char *name, struct cap_error **err);
/* "vendor.com/class=name" -> kind (vendor/class) and name, pointing into buf. */
int cdi_split_name(char *buf, char **kind, char **name, struct cap_error **err);

/* cdi_apply.c: apply edits to the typed OCI spec as the CDI reference does. */
int cdi_apply_edits(struct spec *s, const struct cdi_edits *e, struct cap_error **err);
/* Stable sort of spec->mounts by the depth of their destination. */
void cdi_sort_mounts(struct spec *s);

/* ldcache.c: entries of an /etc/ld.so.cache (new format) whose soname
 * starts with `prefix` + ".so". */
struct ldcache_entry {
	char *soname, *path;
};
int gpu_ldcache_read(const char *file, struct ldcache_entry **out, size_t *n,
		     struct cap_error **err);
void gpu_ldcache_free(struct ldcache_entry *v, size_t n);

void cdi_strv_free(char **v);
/* Grow the array *arrp of *n elements of `size` bytes by one zeroed element
 * and return it (NULL on ENOMEM, the array unchanged). */
void *cdi_grow(void *arrp, size_t *n, size_t size);
/* 0: JSON, 1: YAML, -1: not a spec file name. */
int cdi_file_syntax(const char *path);

#endif
