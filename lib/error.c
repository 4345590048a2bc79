#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Values from outside (a hostname, a path, an argument) can be of any size: an error
 * quotes at most QUOTE_MAX bytes of each "quoted" value and is at most MSG_MAX bytes in
 * all, whatever its callers pass, so a 1 MiB field gives a one-line error. */
#define QUOTE_MAX 200
#define MSG_MAX	  1024

/* Shorten every "..." run longer than QUOTE_MAX in place: "<first QUOTE_MAX>..." */
static void clamp_quotes(char *s)
{
	char *out = s;
	for (const char *in = s; *in;) {
		const char *close = *in == '"' ? strchr(in + 1, '"') : NULL;
		/* Shortened, a run is QUOTE_MAX + 5 bytes ("<QUOTE_MAX>...\""): only
		 * runs longer than that are cut, so out never passes in. */
		if (!close || (size_t)(close - in - 1) <= QUOTE_MAX + 4) {
			size_t n = close ? (size_t)(close - in + 1) : 1;
			memmove(out, in, n);
			out += n;
			in += n;
			continue;
		}
		memmove(out, in, QUOTE_MAX + 1);
		out += QUOTE_MAX + 1;
		memcpy(out, "...\"", 4);
		out += 4;
		in = close + 1;
	}
	*out = '\0';
}

/* Then, if still too long (an unquoted value), keep both ends: the field name is at the
 * front, the errno text at the end. */
static void clamp_length(char *s)
{
	size_t len = strlen(s);
	if (len <= MSG_MAX)
		return;
	static const char cut[] = "[...]";
	size_t head = MSG_MAX / 2, tail = MSG_MAX / 4;
	memcpy(s + head, cut, sizeof(cut) - 1);
	memmove(s + head + sizeof(cut) - 1, s + len - tail, tail + 1);
}

static char *vformat(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	clamp_quotes(s);
	clamp_length(s);
	return s;
}

int cap_fail(struct cap_error **err, int errnum, const char *fmt, ...)
{
	if (!err || *err)
		return -1;
	struct cap_error *e = calloc(1, sizeof(*e));
	if (!e)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	char *base = vformat(fmt, ap);
	va_end(ap);
	e->errnum = errnum;
	if (errnum && base) {
		if (asprintf(&e->msg, "%s: %s", base, strerror(errnum)) < 0)
			e->msg = NULL;
		free(base);
	} else {
		e->msg = base;
	}
	*err = e;
	return -1;
}

int cap_wrap(struct cap_error **err, const char *fmt, ...)
{
	if (!err || !*err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	char *prefix = vformat(fmt, ap);
	va_end(ap);
	char *joined = NULL;
	if (prefix && asprintf(&joined, "%s: %s", prefix, (*err)->msg ? (*err)->msg : "") >= 0) {
		free((*err)->msg);
		(*err)->msg = joined;
	}
	free(prefix);
	return -1;
}

void cap_error_free(struct cap_error *e)
{
	if (!e)
		return;
	free(e->msg);
	free(e);
}

void cap_warn(void (*warn)(const char *msg), struct cap_error **e, const char *fmt, ...)
{
	if (!*e)
		return;
	char *prefix = NULL, *line = NULL;
	va_list ap;
	va_start(ap, fmt);
	prefix = vformat(fmt, ap);
	va_end(ap);
	const char *msg = (*e)->msg ? (*e)->msg : "unknown error";
	if (warn && prefix && asprintf(&line, "%s: %s", prefix, msg) >= 0)
		warn(line);
	else if (warn)
		warn(msg);
	free(line);
	free(prefix);
	cap_error_free(*e);
	*e = NULL;
}
