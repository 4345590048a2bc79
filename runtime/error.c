#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *vformat(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
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
