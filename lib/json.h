/* JSON helpers over yajl: writing (yajl_gen shorthands for state, ps, features, logs) and
 * reading (parse with a one-line error, member lookups over yajl_tree). */
#ifndef CAPSULE_LIB_JSON_H
#define CAPSULE_LIB_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

struct cap_error;

void cap_json_key(yajl_gen g, const char *key);
void cap_json_str(yajl_gen g, const char *s); /* NULL -> "" */
void cap_json_kv_str(yajl_gen g, const char *key, const char *value);
void cap_json_str_array(yajl_gen g, const char *key, const char *const *items);
/* Copy of the generated buffer (malloc'd), NULL on failure. */
char *cap_json_finish(yajl_gen g);

static inline void cleanup_yajl_fn(yajl_val *v)
{
	yajl_tree_free(*v);
}
#define cleanup_yajl __attribute__((cleanup(cleanup_yajl_fn)))

/* Parse a whole document.  `what` names it in parse errors ("config.json").
 * json[len] must be readable when nul_at_len says it is '\0' (no copy then). */
yajl_val cap_json_parse(const char *json, size_t len, bool nul_at_len, const char *what,
			struct cap_error **err);

/* The value of key in an object, NULL when absent or null. */
yajl_val cap_json_member(yajl_val obj, const char *key);
/* The member key of type `type` (yajl_t_any: any), NULL when absent, of another type, or
 * v is NULL; cap_json_get_str: its string. */
yajl_val cap_json_get(yajl_val v, const char *key, yajl_type type);
const char *cap_json_get_str(yajl_val v, const char *key);

#endif
