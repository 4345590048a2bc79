/* NULL-terminated string vectors (argv/env style). */
#ifndef CAPSULE_STRV_H
#define CAPSULE_STRV_H

#include <stddef.h>

size_t cap_strv_len(char *const *v);
char **cap_strv_dup(char *const *v);
void cap_strv_free(char **v);
/* Set "KEY=value" in *env, replacing an existing KEY (later wins, once). */
int cap_strv_setenv(char ***env, const char *kv);

#endif
