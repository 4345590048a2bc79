/* yajl_gen shorthands for the JSON capsule writes (state, ps, features, logs). */
#ifndef CAPSULE_JSONUTIL_H
#define CAPSULE_JSONUTIL_H

#include <yajl/yajl_gen.h>

void json_gen_key(yajl_gen g, const char *key);
void json_gen_str(yajl_gen g, const char *s); /* NULL -> "" */
void json_gen_kv_str(yajl_gen g, const char *key, const char *value);
void json_gen_str_array(yajl_gen g, const char *key, const char *const *items);
/* Copy of the generated buffer (malloc'd), NULL on failure. */
char *json_gen_finish(yajl_gen g);

#endif
