#include "json.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"

void cap_json_key(yajl_gen g, const char *key)
{
	yajl_gen_string(g, (const unsigned char *)key, strlen(key));
}

void cap_json_str(yajl_gen g, const char *s)
{
	if (!s)
		s = "";
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

void cap_json_kv_str(yajl_gen g, const char *key, const char *value)
{
	cap_json_key(g, key);
	cap_json_str(g, value);
}

void cap_json_str_array(yajl_gen g, const char *key, const char *const *items)
{
	cap_json_key(g, key);
	yajl_gen_array_open(g);
	for (; items && *items; items++)
		cap_json_str(g, *items);
	yajl_gen_array_close(g);
}

char *cap_json_finish(yajl_gen g)
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

/* yajl's verbose message spans three lines (message, text, arrow); keep the
 * first, without its own "parse error: " prefix. */
static void one_line(char *msg)
{
	static const char prefix[] = "parse error: ";
	if (strncmp(msg, prefix, sizeof(prefix) - 1) == 0)
		memmove(msg, msg + sizeof(prefix) - 1, strlen(msg) - sizeof(prefix) + 2);
	msg[strcspn(msg, "\r\n")] = '\0';
	size_t n = strlen(msg);
	while (n && isspace((unsigned char)msg[n - 1]))
		msg[--n] = '\0';
}

yajl_val cap_json_parse(const char *json, size_t len, bool nul_at_len, const char *what,
			struct cap_error **err)
{
	/* yajl_tree_parse wants a C string: copy only if the caller has none. */
	cleanup_free char *copy = NULL;
	if (!nul_at_len) {
		if (!(copy = malloc(len + 1)))
			return cap_fail(err, ENOMEM, "%s", what), NULL;
		memcpy(copy, json, len);
		copy[len] = '\0';
		json = copy;
	}
	if (memchr(json, '\0', len))
		return cap_fail(err, 0, "%s: parse error: NUL byte in JSON text", what), NULL;
	char ebuf[512] = "";
	yajl_val tree = yajl_tree_parse(json, ebuf, sizeof(ebuf));
	if (!tree) {
		one_line(ebuf);
		cap_fail(err, 0, "%s: parse error: %s", what, ebuf[0] ? ebuf : "invalid JSON");
		return NULL;
	}
	return tree;
}

yajl_val cap_json_member(yajl_val obj, const char *key)
{
	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	size_t n = obj->u.object.len;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(obj->u.object.keys[i], key) == 0) {
			yajl_val v = obj->u.object.values[i];
			return YAJL_IS_NULL(v) ? NULL : v;
		}
	}
	return NULL;
}

yajl_val cap_json_get(yajl_val v, const char *key, yajl_type type)
{
	const char *path[] = {key, NULL};
	return v ? yajl_tree_get(v, path, type) : NULL;
}

const char *cap_json_get_str(yajl_val v, const char *key)
{
	yajl_val s = cap_json_get(v, key, yajl_t_string);
	return s ? YAJL_GET_STRING(s) : NULL;
}
