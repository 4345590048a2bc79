#include "jsonutil.h"

#include <stdlib.h>
#include <string.h>

void json_gen_key(yajl_gen g, const char *key)
{
	yajl_gen_string(g, (const unsigned char *)key, strlen(key));
}

void json_gen_str(yajl_gen g, const char *s)
{
	if (!s)
		s = "";
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

void json_gen_kv_str(yajl_gen g, const char *key, const char *value)
{
	json_gen_key(g, key);
	json_gen_str(g, value);
}

void json_gen_str_array(yajl_gen g, const char *key, const char *const *items)
{
	json_gen_key(g, key);
	yajl_gen_array_open(g);
	for (; items && *items; items++)
		json_gen_str(g, *items);
	yajl_gen_array_close(g);
}

char *json_gen_finish(yajl_gen g)
{
	const unsigned char *buf;
	size_t len;
	if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok)
		return NULL;
	char *out = malloc(len + 1);
	if (!out)
		return NULL;
	memcpy(out, buf, len);
	out[len] = 0;
	return out;
}
