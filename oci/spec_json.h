/* Internal to the spec parser: typed getters over a yajl tree that name the
 * JSON path of the value in every error ("process.user.uid: expected a
 * non-negative integer").
 *
 * The path lives in one fixed buffer that grows and shrinks as the parser
 * descends, so the success path never allocates for it.
 *
 * Field getters (jf_*) return 1 when the key is present, 0 when it is absent
 * (or JSON null, as Go's encoding/json treats it) and -1 on error. */
#ifndef CAPSULE_SPEC_JSON_H
#define CAPSULE_SPEC_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "../lib/error.h"
#include "../lib/json.h"
#include "spec.h"

struct jpath {
	size_t len;
	char buf[512];
};

/* Append ".key" (or "key" at the root) / "[i]"; return the mark for oci_jp_pop. */
size_t oci_jp_key(struct jpath *p, const char *key);
size_t oci_jp_idx(struct jpath *p, size_t i);
/* Append ["key"] (a map's key, quoted, at most 64 bytes of it). */
size_t oci_jp_mapkey(struct jpath *p, const char *key);
static inline void oci_jp_pop(struct jpath *p, size_t mark)
{
	p->len = mark;
	p->buf[mark] = '\0';
}
/* cap_fail with "<path>: " in front. */
int oci_jp_fail(const struct jpath *p, struct cap_error **err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "<path>.<key>: required" */
int oci_jp_required(struct jpath *p, const char *key, struct cap_error **err);

/* Node checks and conversions, the error naming the current path. */
int oci_jv_obj(yajl_val v, const struct jpath *p, struct cap_error **err);
int oci_jv_arr(yajl_val v, const struct jpath *p, struct cap_error **err);
int oci_jv_str(yajl_val v, const struct jpath *p, const char **out, struct cap_error **err);
int oci_jv_strdup(yajl_val v, const struct jpath *p, char **out, struct cap_error **err);
int oci_jv_bool(yajl_val v, const struct jpath *p, bool *out, struct cap_error **err);
int oci_jv_u64(yajl_val v, const struct jpath *p, uint64_t max, uint64_t *out,
	       struct cap_error **err);
int oci_jv_i64(yajl_val v, const struct jpath *p, int64_t min, int64_t max, int64_t *out,
	       struct cap_error **err);

/* Field getters: 1 present, 0 absent, -1 error. */
int oci_jf_obj(yajl_val obj, const char *key, struct jpath *p, yajl_val *out,
	       struct cap_error **err);
int oci_jf_arr(yajl_val obj, const char *key, struct jpath *p, yajl_val *out,
	       struct cap_error **err);
int oci_jf_str(yajl_val obj, const char *key, struct jpath *p, char **out, struct cap_error **err);
int oci_jf_bool(yajl_val obj, const char *key, struct jpath *p, bool *out, struct cap_error **err);
int oci_jf_u64(yajl_val obj, const char *key, struct jpath *p, uint64_t max, uint64_t *out,
	       struct cap_error **err);
int oci_jf_u32(yajl_val obj, const char *key, struct jpath *p, uint32_t *out,
	       struct cap_error **err);
int oci_jf_u16(yajl_val obj, const char *key, struct jpath *p, uint16_t *out,
	       struct cap_error **err);
int oci_jf_i64(yajl_val obj, const char *key, struct jpath *p, int64_t min, int64_t max,
	       int64_t *out, struct cap_error **err);
int oci_jf_int(yajl_val obj, const char *key, struct jpath *p, int min, int max, int *out,
	       struct cap_error **err);
/* uid_t/gid_t: 0 .. 2^32-2 ((uid_t)-1 means "no id" to the kernel). */
int oci_jf_id(yajl_val obj, const char *key, struct jpath *p, uint32_t *out,
	      struct cap_error **err);
/* Array of strings -> NULL-terminated vector of copies. */
int oci_jf_strv(yajl_val obj, const char *key, struct jpath *p, char ***out, size_t *n,
		struct cap_error **err);
/* Object of string values -> key/value array. */
int oci_jf_kv(yajl_val obj, const char *key, struct jpath *p, struct spec_kv **out, size_t *n,
	      struct cap_error **err);

/* Array of objects: allocates n items (zeroed, *out and *n set first, so the
 * caller's free function cleans up after a failure midway) and calls fn on
 * each with the path at "key[i]". */
typedef int (*jitem_fn)(yajl_val item, struct jpath *p, void *out, struct cap_error **err);
int oci_jf_objects(yajl_val obj, const char *key, struct jpath *p, size_t item_size, void *out,
		   size_t *n, jitem_fn fn, struct cap_error **err);
/* Same for arrays of any element type (fn checks the type). */
int oci_jf_each(yajl_val obj, const char *key, struct jpath *p, size_t item_size, void *out,
		size_t *n, jitem_fn fn, struct cap_error **err);

/* obj[key] as an object handed to fn with the path at key: 1/0/-1. */
int oci_jf_sub(yajl_val obj, const char *key, struct jpath *p, jitem_fn fn, void *out,
	       struct cap_error **err);
/* A string looked at in place (a name to look up): required or not, 1/0/-1. */
int oci_jf_name(yajl_val obj, const char *key, struct jpath *p, bool required, const char **out,
		struct cap_error **err);
/* A required string that must be an absolute path. */
int oci_jf_abspath(yajl_val obj, const char *key, struct jpath *p, char **out,
		   struct cap_error **err);
/* "<path>.<key>: <fmt with one string>", returns -1. */
int oci_jf_fail(struct jpath *p, const char *key, struct cap_error **err, const char *fmt,
		const char *arg);

#endif
