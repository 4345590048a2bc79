/* Pure string logic of the layer store: digests, tar entry names, whiteout names, ids.
 * No I/O here, so tests/unit/test_overlay_paths.c can pin every rule. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

int ovl_parse_digest(const char *s, char hex[OVL_HEX_LEN + 1])
{
	if (!s || strncmp(s, "sha256:", 7) != 0)
		return -1;
	s += 7;
	if (strlen(s) != OVL_HEX_LEN)
		return -1;
	for (size_t i = 0; i < OVL_HEX_LEN; i++) {
		/* Uppercase is refused: the digest is also a file name and must be canonical. */
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return -1;
	}
	memcpy(hex, s, OVL_HEX_LEN + 1);
	return 0;
}

int ovl_clean_entry_path(const char *in, char *out, size_t outlen)
{
	if (!in || in[0] == '/' || outlen == 0)
		return -1;
	size_t o = 0;
	const char *p = in;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return -1;
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (o + (o ? 1 : 0) + n + 1 > outlen)
				return -1;
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
		if (*p == '/')
			p++;
	}
	out[o] = '\0';
	return 0;
}

enum ovl_whiteout ovl_whiteout_kind(const char *base, const char **target)
{
	if (strncmp(base, ".wh.", 4) != 0)
		return OVL_WH_NONE;
	if (strcmp(base, ".wh..wh..opq") == 0)
		return OVL_WH_OPAQUE;
	if (strncmp(base, ".wh..wh.", 8) == 0)
		return OVL_WH_META;
	const char *t = base + 4;
	if (!*t || strcmp(t, ".") == 0 || strcmp(t, "..") == 0 || strchr(t, '/'))
		return OVL_WH_BAD;
	if (target)
		*target = t;
	return OVL_WH_FILE;
}

bool ovl_valid_id(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		bool alnum =
		    (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		if (!alnum && (i == 0 || !strchr("_.+-", c)))
			return false;
	}
	return true;
}

static bool name_keep(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '.' || c == '_' || c == '-';
}

int ovl_escape_name(const char *name, char *out, size_t outlen)
{
	size_t o = 0;
	if (!name || !*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -1;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (o + 4 > outlen)
			return -1;
		if (name_keep((char)*p))
			out[o++] = (char)*p;
		else
			o += (size_t)snprintf(out + o, outlen - o, "%%%02X", *p);
	}
	out[o] = '\0';
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int ovl_unescape_name(const char *in, char *out, size_t outlen)
{
	size_t o = 0;
	for (const char *p = in; *p; p++) {
		if (o + 2 > outlen)
			return -1;
		if (*p != '%') {
			out[o++] = *p;
			continue;
		}
		int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
		if (lo < 0)
			return -1;
		out[o++] = (char)(hi * 16 + lo);
		p += 2;
	}
	out[o] = '\0';
	return 0;
}
