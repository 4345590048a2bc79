/* Typed getters over a yajl tree; see spec_json.h. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cleanup.h"
#include "spec_json.h"

/* Hand-rolled rather than snprintf: the parser extends the path for every
 * field it visits, and formatting showed up in profiles. */
static void oci_jp_put(struct jpath *p, const char *s, size_t n)
{
	size_t room = sizeof(p->buf) - 1 - p->len; /* a path too long is cut */
	if (n > room)
		n = room;
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	p->buf[p->len] = '\0';
}

size_t oci_jp_key(struct jpath *p, const char *key)
{
	size_t mark = p->len;
	if (p->len)
		oci_jp_put(p, ".", 1);
	oci_jp_put(p, key, strlen(key));
	return mark;
}

size_t oci_jp_idx(struct jpath *p, size_t i)
{
	size_t mark = p->len;
	char tmp[24];
	char *d = tmp + sizeof(tmp);
	*--d = ']';
	do
		*--d = (char)('0' + i % 10);
	while ((i /= 10));
	*--d = '[';
	oci_jp_put(p, d, (size_t)(tmp + sizeof(tmp) - d));
	return mark;
}

size_t oci_jp_mapkey(struct jpath *p, const char *key)
{
	size_t mark = p->len;
	size_t n = strnlen(key, 64);
	oci_jp_put(p, "[\"", 2);
	oci_jp_put(p, key, n);
	oci_jp_put(p, "\"]", 2);
	return mark;
}

int oci_jp_fail(const struct jpath *p, struct cap_error **err, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return cap_fail(err, ENOMEM, "%s", p->buf);
	if (p->len)
		cap_fail(err, 0, "%s: %s", p->buf, msg);
	else
		cap_fail(err, 0, "%s", msg);
	free(msg);
	return -1;
}

int oci_jp_required(struct jpath *p, const char *key, struct cap_error **err)
{
	size_t m = oci_jp_key(p, key);
	oci_jp_fail(p, err, "required");
	oci_jp_pop(p, m);
	return -1;
}

static const char *type_name(yajl_val v)
{
	switch (v ? v->type : yajl_t_null) {
	case yajl_t_string:
		return "a string";
	case yajl_t_number:
		return "a number";
	case yajl_t_object:
		return "an object";
	case yajl_t_array:
		return "an array";
	case yajl_t_true:
	case yajl_t_false:
		return "a boolean";
	default:
		return "null";
	}
}

static int wrong_type(yajl_val v, const struct jpath *p, const char *want, struct cap_error **err)
{
	return oci_jp_fail(p, err, "expected %s, got %s", want, type_name(v));
}

int oci_jv_obj(yajl_val v, const struct jpath *p, struct cap_error **err)
{
	return YAJL_IS_OBJECT(v) ? 0 : wrong_type(v, p, "an object", err);
}

int oci_jv_arr(yajl_val v, const struct jpath *p, struct cap_error **err)
{
	return YAJL_IS_ARRAY(v) ? 0 : wrong_type(v, p, "an array", err);
}

int oci_jv_str(yajl_val v, const struct jpath *p, const char **out, struct cap_error **err)
{
	if (!YAJL_IS_STRING(v))
		return wrong_type(v, p, "a string", err);
	*out = v->u.string;
	return 0;
}

int oci_jv_strdup(yajl_val v, const struct jpath *p, char **out, struct cap_error **err)
{
	const char *s = NULL;
	if (oci_jv_str(v, p, &s, err) < 0)
		return -1;
	char *dup = strdup(s);
	if (!dup)
		return cap_fail(err, ENOMEM, "%s", p->buf);
	*out = dup;
	return 0;
}

int oci_jv_bool(yajl_val v, const struct jpath *p, bool *out, struct cap_error **err)
{
	if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
		*out = YAJL_IS_TRUE(v);
		return 0;
	}
	return wrong_type(v, p, "a boolean", err);
}

/* JSON integer text -> sign + magnitude.  Fractions and exponents are not
 * integers here even when they denote one (1.0, 1e3): Go rejects them too. */
static int int_text(yajl_val v, const struct jpath *p, bool *neg, uint64_t *mag,
		    struct cap_error **err)
{
	if (!YAJL_IS_NUMBER(v))
		return wrong_type(v, p, "an integer", err);
	const char *s = v->u.number.r;
	*neg = (*s == '-');
	const char *digits = s + *neg;
	if (!*digits || digits[strspn(digits, "0123456789")] != '\0')
		return oci_jp_fail(p, err, "expected an integer, got %s", s);
	errno = 0;
	*mag = strtoull(digits, NULL, 10);
	if (errno == ERANGE)
		return oci_jp_fail(p, err, "%s is out of range", s);
	return 0;
}

int oci_jv_u64(yajl_val v, const struct jpath *p, uint64_t max, uint64_t *out,
	       struct cap_error **err)
{
	bool neg;
	uint64_t mag;
	if (int_text(v, p, &neg, &mag, err) < 0)
		return -1;
	if (neg && mag != 0)
		return oci_jp_fail(p, err, "expected a non-negative integer");
	if (mag > max)
		return oci_jp_fail(p, err, "%s is out of range (0 to %" PRIu64 ")", v->u.number.r,
				   max);
	*out = mag;
	return 0;
}

int oci_jv_i64(yajl_val v, const struct jpath *p, int64_t min, int64_t max, int64_t *out,
	       struct cap_error **err)
{
	bool neg;
	uint64_t mag;
	if (int_text(v, p, &neg, &mag, err) < 0)
		return -1;
	if (min == 1 && (neg || mag == 0))
		return oci_jp_fail(p, err, "expected a positive integer");
	if (neg && min >= 0 && mag != 0)
		return oci_jp_fail(p, err, "expected a non-negative integer");
	int64_t val;
	if (neg) {
		if (mag > (uint64_t)INT64_MAX + 1)
			return oci_jp_fail(p, err, "%s is out of range", v->u.number.r);
		val = (mag == (uint64_t)INT64_MAX + 1) ? INT64_MIN : -(int64_t)mag;
	} else {
		if (mag > (uint64_t)INT64_MAX)
			return oci_jp_fail(p, err, "%s is out of range", v->u.number.r);
		val = (int64_t)mag;
	}
	if (val < min || val > max)
		return oci_jp_fail(p, err, "%s is out of range (%" PRId64 " to %" PRId64 ")",
				   v->u.number.r, min, max);
	*out = val;
	return 0;
}

/* Run a node check with the path extended by key; 0 when the key is absent. */
#define FIELD(obj, key, p, call)                                                                   \
	({                                                                                         \
		yajl_val v = cap_json_member(obj, key);                                            \
		int _rc = 0;                                                                       \
		if (v) {                                                                           \
			size_t _m = oci_jp_key(p, key);                                            \
			_rc = (call) < 0 ? -1 : 1;                                                 \
			oci_jp_pop(p, _m);                                                         \
		}                                                                                  \
		_rc;                                                                               \
	})

int oci_jf_obj(yajl_val obj, const char *key, struct jpath *p, yajl_val *out,
	       struct cap_error **err)
{
	*out = NULL;
	int rc = FIELD(obj, key, p, oci_jv_obj(v, p, err));
	if (rc > 0)
		*out = cap_json_member(obj, key);
	return rc;
}

int oci_jf_arr(yajl_val obj, const char *key, struct jpath *p, yajl_val *out,
	       struct cap_error **err)
{
	*out = NULL;
	int rc = FIELD(obj, key, p, oci_jv_arr(v, p, err));
	if (rc > 0)
		*out = cap_json_member(obj, key);
	return rc;
}

int oci_jf_str(yajl_val obj, const char *key, struct jpath *p, char **out, struct cap_error **err)
{
	return FIELD(obj, key, p, oci_jv_strdup(v, p, out, err));
}

int oci_jf_bool(yajl_val obj, const char *key, struct jpath *p, bool *out, struct cap_error **err)
{
	return FIELD(obj, key, p, oci_jv_bool(v, p, out, err));
}

int oci_jf_u64(yajl_val obj, const char *key, struct jpath *p, uint64_t max, uint64_t *out,
	       struct cap_error **err)
{
	return FIELD(obj, key, p, oci_jv_u64(v, p, max, out, err));
}

int oci_jf_u32(yajl_val obj, const char *key, struct jpath *p, uint32_t *out,
	       struct cap_error **err)
{
	uint64_t x = 0;
	int rc = FIELD(obj, key, p, oci_jv_u64(v, p, UINT32_MAX, &x, err));
	if (rc > 0)
		*out = (uint32_t)x;
	return rc;
}

int oci_jf_u16(yajl_val obj, const char *key, struct jpath *p, uint16_t *out,
	       struct cap_error **err)
{
	uint64_t x = 0;
	int rc = FIELD(obj, key, p, oci_jv_u64(v, p, UINT16_MAX, &x, err));
	if (rc > 0)
		*out = (uint16_t)x;
	return rc;
}

int oci_jf_id(yajl_val obj, const char *key, struct jpath *p, uint32_t *out, struct cap_error **err)
{
	uint64_t x = 0;
	int rc = FIELD(obj, key, p, oci_jv_u64(v, p, UINT32_MAX - 1, &x, err));
	if (rc > 0)
		*out = (uint32_t)x;
	return rc;
}

int oci_jf_i64(yajl_val obj, const char *key, struct jpath *p, int64_t min, int64_t max,
	       int64_t *out, struct cap_error **err)
{
	return FIELD(obj, key, p, oci_jv_i64(v, p, min, max, out, err));
}

int oci_jf_int(yajl_val obj, const char *key, struct jpath *p, int min, int max, int *out,
	       struct cap_error **err)
{
	int64_t x = 0;
	int rc = FIELD(obj, key, p, oci_jv_i64(v, p, min, max, &x, err));
	if (rc > 0)
		*out = (int)x;
	return rc;
}

int oci_jf_strv(yajl_val obj, const char *key, struct jpath *p, char ***out, size_t *n,
		struct cap_error **err)
{
	yajl_val arr;
	int rc = oci_jf_arr(obj, key, p, &arr, err);
	if (rc <= 0)
		return rc;
	/* One spare slot for the NULL terminator; calloc leaves it NULL. */
	size_t len = arr->u.array.len;
	char **v = calloc(len + 1, sizeof(char *));
	if (!v)
		return cap_fail(err, ENOMEM, "%s", key);
	*out = v;
	*n = len;
	size_t m = oci_jp_key(p, key);
	for (size_t i = 0; i < len; i++) {
		size_t mi = oci_jp_idx(p, i);
		int r = oci_jv_strdup(arr->u.array.values[i], p, &v[i], err);
		oci_jp_pop(p, mi);
		if (r < 0)
			return oci_jp_pop(p, m), -1;
	}
	oci_jp_pop(p, m);
	return 1;
}

int oci_jf_kv(yajl_val obj, const char *key, struct jpath *p, struct spec_kv **out, size_t *n,
	      struct cap_error **err)
{
	yajl_val map;
	int rc = oci_jf_obj(obj, key, p, &map, err);
	if (rc <= 0)
		return rc;
	size_t len = map->u.object.len;
	struct spec_kv *kv = len ? calloc(len, sizeof(*kv)) : NULL;
	if (len && !kv)
		return cap_fail(err, ENOMEM, "%s", key);
	*out = kv;
	*n = len;
	size_t m = oci_jp_key(p, key);
	for (size_t i = 0; i < len; i++) {
		size_t mk = oci_jp_key(p, map->u.object.keys[i]);
		int r = oci_jv_strdup(map->u.object.values[i], p, &kv[i].value, err);
		oci_jp_pop(p, mk);
		if (r < 0)
			return oci_jp_pop(p, m), -1;
		if (!(kv[i].key = strdup(map->u.object.keys[i])))
			return oci_jp_pop(p, m), cap_fail(err, ENOMEM, "%s", key);
	}
	oci_jp_pop(p, m);
	return 1;
}

static int each(yajl_val obj, const char *key, struct jpath *p, size_t item_size, void *out,
		size_t *n, jitem_fn fn, bool objects, struct cap_error **err)
{
	yajl_val arr;
	int rc = oci_jf_arr(obj, key, p, &arr, err);
	if (rc <= 0)
		return rc;
	size_t len = arr->u.array.len;
	char *items = len ? calloc(len, item_size) : NULL;
	if (len && !items)
		return cap_fail(err, ENOMEM, "%s", key);
	*(void **)out = items;
	*n = len;
	size_t m = oci_jp_key(p, key);
	for (size_t i = 0; i < len; i++) {
		yajl_val item = arr->u.array.values[i];
		size_t mi = oci_jp_idx(p, i);
		int r = (objects && oci_jv_obj(item, p, err) < 0)
			    ? -1
			    : fn(item, p, items + i * item_size, err);
		oci_jp_pop(p, mi);
		if (r < 0)
			return oci_jp_pop(p, m), -1;
	}
	oci_jp_pop(p, m);
	return 1;
}

int oci_jf_objects(yajl_val obj, const char *key, struct jpath *p, size_t item_size, void *out,
		   size_t *n, jitem_fn fn, struct cap_error **err)
{
	return each(obj, key, p, item_size, out, n, fn, true, err);
}

int oci_jf_each(yajl_val obj, const char *key, struct jpath *p, size_t item_size, void *out,
		size_t *n, jitem_fn fn, struct cap_error **err)
{
	return each(obj, key, p, item_size, out, n, fn, false, err);
}

int oci_jf_sub(yajl_val obj, const char *key, struct jpath *p, jitem_fn fn, void *out,
	       struct cap_error **err)
{
	yajl_val v;
	int rc = oci_jf_obj(obj, key, p, &v, err);
	if (rc <= 0)
		return rc;
	size_t m = oci_jp_key(p, key);
	rc = fn(v, p, out, err);
	oci_jp_pop(p, m);
	return rc < 0 ? -1 : 1;
}

int oci_jf_name(yajl_val obj, const char *key, struct jpath *p, bool required, const char **out,
		struct cap_error **err)
{
	yajl_val v = cap_json_member(obj, key);
	*out = NULL;
	if (!v)
		return required ? oci_jp_required(p, key, err) : 0;
	size_t m = oci_jp_key(p, key);
	int rc = oci_jv_str(v, p, out, err);
	oci_jp_pop(p, m);
	return rc < 0 ? -1 : 1;
}

int oci_jf_fail(struct jpath *p, const char *key, struct cap_error **err, const char *fmt,
		const char *arg)
{
	size_t m = oci_jp_key(p, key);
	oci_jp_fail(p, err, fmt, arg);
	oci_jp_pop(p, m);
	return -1;
}

bool spec_path_is_clean(const char *path)
{
	if (path[0] != '/')
		return false;
	if (!path[1])
		return true;
	for (const char *c = path + 1;;) {
		size_t len = strcspn(c, "/");
		if (len == 0 || (len == 1 && c[0] == '.') ||
		    (len == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (!c[len])
			return true;
		c += len + 1;
	}
}

int oci_jf_abspath(yajl_val obj, const char *key, struct jpath *p, char **out,
		   struct cap_error **err)
{
	int rc = oci_jf_str(obj, key, p, out, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return oci_jp_required(p, key, err);
	if ((*out)[0] != '/')
		return oci_jf_fail(p, key, err, "must be an absolute path, got \"%s\"", *out);
	return 0;
}
