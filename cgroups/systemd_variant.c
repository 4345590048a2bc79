/* systemd driver, pure part: org.systemd.property.NAME annotations.  The
 * value is a GVariant in text form, as runc reads it (godbus ParseVariant):
 *   true | false                       -> b
 *   uint64 5 | @t 5 (and the others)   -> that integer type
 *   5                                  -> i (int32, GVariant's default)
 *   1.5 | double 1.5                   -> d
 *   'text' | "text" | string 'text'    -> s
 *   ['a', "b"] | @as []                -> as
 */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cleanup.h"

static const struct {
	const char *word, *sig;
} type_words[] = {
    {"boolean", "b"}, {"byte", "y"},  {"int16", "n"},  {"uint16", "q"}, {"int32", "i"},
    {"uint32", "u"},  {"int64", "x"}, {"uint64", "t"}, {"double", "d"}, {"string", "s"},
};

static const char *skip_ws(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* A quoted string ('..' or ".."), backslash escapes taken literally; *end
 * points past the closing quote. */
static int parse_quoted(const char *s, char **out, const char **end)
{
	char q = *s++;
	size_t len = strlen(s);
	cleanup_free char *buf = malloc(len + 1);
	if (!buf)
		return -1;
	size_t n = 0;
	for (; *s && *s != q; s++) {
		if (*s == '\\' && s[1])
			s++;
		buf[n++] = *s;
	}
	if (*s != q)
		return -1;
	buf[n] = '\0';
	*end = s + 1;
	*out = steal_pointer(&buf);
	return 0;
}

static int parse_strv(const char *s, struct cg_sd_prop *e)
{
	s = skip_ws(s + 1); /* past '[' */
	while (*s && *s != ']') {
		if (*s != '\'' && *s != '"')
			return -1;
		char *item = NULL;
		if (parse_quoted(s, &item, &s) < 0)
			return -1;
		char **v = realloc(e->strv, (e->n_strv + 1) * sizeof(*v));
		if (!v) {
			free(item);
			return -1;
		}
		e->strv = v;
		v[e->n_strv++] = item;
		s = skip_ws(s);
		if (*s == ',')
			s = skip_ws(s + 1);
	}
	return *s == ']' && !*skip_ws(s + 1) ? 0 : -1;
}

static bool is_signed(const char *sig)
{
	return strchr("nix", sig[0]) != NULL;
}

static int parse_number(const char *s, struct cg_sd_prop *e)
{
	char *end;
	errno = 0;
	if (e->sig[0] == 'd') {
		e->d = strtod(s, &end);
	} else if (is_signed(e->sig)) {
		e->i = strtoll(s, &end, 0);
		long long lim = e->sig[0] == 'n' ? 32767 : e->sig[0] == 'x' ? LLONG_MAX : INT_MAX;
		if (e->i > lim || e->i < -lim - 1)
			return -1;
	} else {
		if (*s == '-')
			return -1;
		e->u = strtoull(s, &end, 0);
		uint64_t lim = e->sig[0] == 'y'	  ? 255
			       : e->sig[0] == 'q' ? 65535
			       : e->sig[0] == 'u' ? UINT32_MAX
						  : UINT64_MAX;
		if (e->u > lim)
			return -1;
	}
	return errno || end == s || *skip_ws(end) ? -1 : 0;
}

/* Split an optional leading type ("uint64 ", "@t ") off v; sig gets it or "". */
static const char *type_prefix(const char *v, char *sig, size_t len)
{
	sig[0] = '\0';
	if (*v == '@') {
		size_t n = strcspn(v + 1, " \t");
		if (n == 0 || n >= len)
			return NULL;
		memcpy(sig, v + 1, n), sig[n] = '\0';
		return skip_ws(v + 1 + n);
	}
	for (size_t i = 0; i < sizeof(type_words) / sizeof(type_words[0]); i++) {
		size_t n = strlen(type_words[i].word);
		if (strncmp(v, type_words[i].word, n) == 0 && isspace((unsigned char)v[n])) {
			snprintf(sig, len, "%s", type_words[i].sig);
			return skip_ws(v + n);
		}
	}
	return v;
}

static int parse_value(const char *v, struct cg_sd_prop *e, const char *sig)
{
	if (strcmp(sig, "as") == 0 || (!*sig && *v == '['))
		return *v == '[' ? parse_strv(v, e) : -1;
	if (strcmp(sig, "s") == 0 || (!*sig && (*v == '\'' || *v == '"'))) {
		const char *end;
		if ((*v != '\'' && *v != '"') || parse_quoted(v, &e->s, &end) < 0)
			return -1;
		return *skip_ws(end) ? -1 : 0;
	}
	if (strcmp(sig, "b") == 0 || (!*sig && (!strcmp(v, "true") || !strcmp(v, "false")))) {
		e->u = strcmp(v, "true") == 0;
		return e->u || strcmp(v, "false") == 0 ? 0 : -1;
	}
	if (*sig && (strlen(sig) != 1 || !strchr("ynqiuxtd", sig[0])))
		return -1;
	return parse_number(v, e);
}

static const char *infer_sig(const char *v, const char *sig)
{
	if (*sig)
		return sig;
	if (*v == '[')
		return "as";
	if (*v == '\'' || *v == '"')
		return "s";
	if (!strcmp(v, "true") || !strcmp(v, "false"))
		return "b";
	return strpbrk(v, ".eE") && strncmp(v, "0x", 2) != 0 ? "d" : "i";
}

/* runc's isValidName: an upper-case ASCII letter, then letters and digits. */
static bool valid_name(const char *n)
{
	if (strlen(n) < 3 || strlen(n) >= 64 || !isupper((unsigned char)n[0]))
		return false;
	for (; *n; n++)
		if (!isalnum((unsigned char)*n))
			return false;
	return true;
}

int cg_sd_annotation_prop(const char *name, const char *value, struct cg_sd_props *p,
			  struct cap_error **err)
{
	const char *ann = "annotation org.systemd.property.";
	if (!valid_name(name))
		return cap_fail(err, EINVAL, "%s%.100s: invalid unit property name", ann, name);
	char sig[8];
	const char *v = type_prefix(skip_ws(value ? value : ""), sig, sizeof(sig));
	if (!v)
		return cap_fail(err, EINVAL, "%s%s: bad type in \"%.200s\"", ann, name, value);
	const char *use = infer_sig(v, sig);
	struct cg_sd_prop *e = cg_sd_props_set(p, name, use);
	if (!e)
		return cap_fail(err, ENOMEM, "%s%s", ann, name);
	if (parse_value(v, e, use) < 0) {
		cg_sd_props_remove(p, name);
		return cap_fail(err, EINVAL,
				"%s%s: cannot parse \"%.200s\" as a GVariant value (e.g. "
				"\"uint64 100\", \"true\", \"'text'\")",
				ann, name, value);
	}
	return 0;
}
