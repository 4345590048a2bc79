#include "strv.h"

#include <stdlib.h>
#include <string.h>

size_t cap_strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

char **cap_strv_dup(char *const *v)
{
	size_t n = cap_strv_len(v);
	char **out = calloc(n + 1, sizeof(char *));
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		out[i] = strdup(v[i]);
		if (!out[i]) {
			cap_strv_free(out);
			return NULL;
		}
	}
	return out;
}

void cap_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

int cap_strv_setenv(char ***env, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
	size_t n = cap_strv_len(*env);
	char *copy = strdup(kv);
	if (!copy)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (strncmp((*env)[i], kv, klen) == 0 && (*env)[i][klen] == '=') {
			free((*env)[i]);
			(*env)[i] = copy;
			return 0;
		}
	}
	char **nv = realloc(*env, (n + 2) * sizeof(char *));
	if (!nv) {
		free(copy);
		return -1;
	}
	nv[n] = copy;
	nv[n + 1] = NULL;
	*env = nv;
	return 0;
}
