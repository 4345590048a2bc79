/* Small helpers over yajl_tree for index.json, manifests and image configs. */
#include <errno.h>
#include <string.h>

#include "internal.h"

yajl_val ovl_json_parse(const char *buf, const char *what, struct cap_error **err)
{
	char ebuf[256] = "";
	yajl_val v = yajl_tree_parse(buf, ebuf, sizeof(ebuf));
	if (!v) {
		char *nl = strchr(ebuf, '\n');
		if (nl)
			*nl = '\0';
		cap_fail(err, 0, "%s: invalid JSON: %s", what, ebuf);
		return NULL;
	}
	if (!YAJL_IS_OBJECT(v)) {
		yajl_tree_free(v);
		cap_fail(err, 0, "%s: not a JSON object", what);
		return NULL;
	}
	return v;
}

yajl_val ovl_json_get(yajl_val v, const char *key, yajl_type type)
{
	const char *path[] = {key, NULL};
	return v ? yajl_tree_get(v, path, type) : NULL;
}

const char *ovl_json_str(yajl_val v, const char *key)
{
	yajl_val s = ovl_json_get(v, key, yajl_t_string);
	return s ? YAJL_GET_STRING(s) : NULL;
}

int ovl_json_descriptor(yajl_val d, const char *what, char hex[OVL_HEX_LEN + 1], long long *size,
			struct cap_error **err)
{
	if (!YAJL_IS_OBJECT(d))
		return cap_fail(err, 0, "%s: descriptor is not an object", what);
	const char *digest = ovl_json_str(d, "digest");
	if (!digest || ovl_parse_digest(digest, hex) < 0)
		return cap_fail(err, 0,
				"%s: missing or unsupported digest \"%s\" (want sha256:<64 hex>)",
				what, digest ? digest : "");
	yajl_val sz = ovl_json_get(d, "size", yajl_t_number);
	if (!sz || !YAJL_IS_INTEGER(sz) || YAJL_GET_INTEGER(sz) < 0)
		return cap_fail(err, 0, "%s: missing or negative size", what);
	*size = YAJL_GET_INTEGER(sz);
	return 0;
}
