/* Error formatting (runtime/error.c): quoted values are clamped to 200 bytes,
 * whole messages to 1 KiB, whatever length the value has. */
#include <stdlib.h>
#include <string.h>

#include "../../lib/error.h"
#include "unit.h"

/* The message for a quoted value of n bytes. */
static char *quoted(size_t n)
{
	char *v = malloc(n + 1);
	memset(v, 'x', n);
	v[n] = '\0';
	struct cap_error *e = NULL;
	cap_fail(&e, 0, "field \"%s\" tail", v);
	free(v);
	char *msg = e && e->msg ? strdup(e->msg) : NULL;
	cap_error_free(e);
	return msg;
}

static void test_quote_lengths(void)
{
	/* Around the cut: every length must give a well-formed message no
	 * longer than the original (a 201..204-byte value once overflowed). */
	for (size_t n = 190; n <= 220; n++) {
		char *m = quoted(n);
		CHECK(m != NULL);
		if (!m)
			continue;
		CHECK(strncmp(m, "field \"", 7) == 0);
		CHECK(strlen(m) <= n + 13);
		CHECK(strcmp(m + strlen(m) - 6, "\" tail") == 0);
		free(m);
	}
	char *m = quoted(1 << 20);
	CHECK(m && strlen(m) < 300);
	CHECK(m && strstr(m, "...\" tail"));
	free(m);
}

static void test_long_unquoted(void)
{
	char *v = malloc(5000);
	memset(v, 'y', 4999);
	v[4999] = '\0';
	struct cap_error *e = NULL;
	cap_fail(&e, 0, "head %s end", v);
	free(v);
	CHECK(e && strlen(e->msg) <= 1024);
	CHECK(e && strncmp(e->msg, "head ", 5) == 0);
	CHECK(e && strcmp(e->msg + strlen(e->msg) - 4, " end") == 0);
	cap_error_free(e);
}

int main(void)
{
	test_quote_lengths();
	test_long_unquoted();
	return UNIT_DONE();
}
