/* Small helpers over yajl_tree for index.json, manifests and image configs. */
#include <errno.h>
#include <string.h>

#include "internal.h"

yajl_val ovl_json_parse(const char *buf, const char *what, struct cap_error **err)
{
	yajl_val v = cap_json_parse(buf, strlen(buf), true, what, err);
	if (v && !YAJL_IS_OBJECT(v)) {
		yajl_tree_free(v);
		cap_fail(err, 0, "%s: not a JSON object", what);
		return NULL;
	}
	return v;
}

int ovl_json_descriptor(yajl_val d, const char *what, char hex[OVL_HEX_LEN + 1], long long *size,
			struct cap_error **err)
{
	if (!YAJL_IS_OBJECT(d))
		return cap_fail(err, 0, "%s: descriptor is not an object", what);
	const char *digest = cap_json_get_str(d, "digest");
	if (!digest || ovl_parse_digest(digest, hex) < 0)
		return cap_fail(err, 0,
				"%s: missing or unsupported digest \"%s\" (want sha256:<64 hex>)",
				what, digest ? digest : "");
	yajl_val sz = cap_json_get(d, "size", yajl_t_number);
	if (!sz || !YAJL_IS_INTEGER(sz) || YAJL_GET_INTEGER(sz) < 0)
		return cap_fail(err, 0, "%s: missing or negative size", what);
	*size = YAJL_GET_INTEGER(sz);
	return 0;
}
