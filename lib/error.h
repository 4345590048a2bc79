/* Error values for fallible library functions.
 *
 * Convention (see DESIGN.md): a fallible function takes `struct cap_error **err`,
 * returns a negative value on failure and prints nothing.  Only cmd/ prints. */
#ifndef CAPSULE_ERROR_H
#define CAPSULE_ERROR_H

#include <stdarg.h>

struct cap_error {
	int errnum; /* errno, or 0 when the failure is not a system call's */
	char *msg;  /* complete one-line message, errno text already appended */
};

/* Set *err to "<fmt>: strerror(errnum)" (or "<fmt>" if errnum is 0) and
 * return -1, so callers can write `return cap_fail(err, errno, "open %s", p);`.
 * An existing error in *err is kept: the first failure is the interesting one. */
int cap_fail(struct cap_error **err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix an existing error with more context ("create: " + old message). */
int cap_wrap(struct cap_error **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void cap_error_free(struct cap_error *e);

/* Cleanup paths go on after a failed step, but never silently: hand *e (if set) to warn
 * (the CLI's warning, shown and logged) and free it.  For example:
 *   struct cap_error *e = NULL;
 *   cgroup_destroy(cg, &e);
 *   cap_warn(warn, &e, "delete %s", id);            -> "delete x: remove ...: Device busy" */
void cap_warn(void (*warn)(const char *msg), struct cap_error **e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline void cleanup_error_fn(struct cap_error **e)
{
	cap_error_free(*e);
}
#define cleanup_error __attribute__((cleanup(cleanup_error_fn)))

#endif
