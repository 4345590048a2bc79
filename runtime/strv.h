/* NULL-terminated string vectors (argv/env style). */
#ifndef CAPSULE_STRV_H
#define CAPSULE_STRV_H

#include <stddef.h>

size_t strv_len(char *const *v);
char **strv_dup(char *const *v);
void strv_free(char **v);
/* Set "KEY=value" in *env, replacing an existing KEY (later wins, once). */
int strv_setenv(char ***env, const char *kv);

#endif
