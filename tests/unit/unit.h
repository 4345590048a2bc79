/* A tiny assertion framework for the C unit tests.
 *
 *   CHECK(cond); CHECK_STR(a, b); CHECK_INT(a, b);
 *   int main(void) { test_x(); return UNIT_DONE(); }
 *
 * Failures print "FAIL file:line: what" on stderr and the run goes on; each
 * binary ends with the line "N passed, N failed" on stdout (tests/unit/run
 * sums them) and exits non-zero when anything failed. */
#ifndef CAPSULE_UNIT_H
#define CAPSULE_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed;

static inline void unit_result(int ok, const char *file, int line, const char *what)
{
	if (ok) {
		unit_passed++;
		return;
	}
	unit_failed++;
	fprintf(stderr, "FAIL %s:%d: %s\n", file, line, what);
}

#define CHECK(cond) unit_result(!!(cond), __FILE__, __LINE__, #cond)

/* NULL-safe string equality; shows both strings on failure. */
#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *_a = (a), *_b = (b);                                                   \
		int _ok = (_a && _b) ? strcmp(_a, _b) == 0 : _a == _b;                             \
		unit_result(_ok, __FILE__, __LINE__, #a " == " #b);                                \
		if (!_ok)                                                                          \
			fprintf(stderr, "     got \"%s\"\n     want \"%s\"\n", _a ? _a : "(null)", \
				_b ? _b : "(null)");                                               \
	} while (0)

/* Integer equality; shows both values on failure. */
#define CHECK_INT(a, b)                                                                            \
	do {                                                                                       \
		long long _a = (long long)(a), _b = (long long)(b);                                \
		unit_result(_a == _b, __FILE__, __LINE__, #a " == " #b);                           \
		if (_a != _b)                                                                      \
			fprintf(stderr, "     got %lld, want %lld\n", _a, _b);                     \
	} while (0)

/* Print the summary line and give main's exit status. */
#define UNIT_DONE()                                                                                \
	(printf("%d passed, %d failed\n", unit_passed, unit_failed), fflush(stdout),               \
	 unit_failed ? 1 : 0)

#endif
