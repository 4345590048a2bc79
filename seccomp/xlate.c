/* Recording libseccomp calls (see xlate.h). */
#include <stdlib.h>
#include <string.h>

#include "xlate.h"

/* libseccomp 2.5.4 (Debian 12) leaks inside seccomp_rule_add for x86's multiplexed socket
 * and ipc calls with argument filters (abi_rule_add in db_col_transaction_commit; a 12-line
 * program calling only libseccomp shows it).  The fuzz build ignores what that call
 * allocates, and only that: the filter context itself stays tracked, so a missing
 * seccomp_release still fails the fuzzer. */
#ifdef CAPSULE_FUZZING
#include <sanitizer/lsan_interface.h>
#define fuzz_leaks_off() __lsan_disable()
#define fuzz_leaks_on()	 __lsan_enable()
#else
#define fuzz_leaks_off() ((void)0)
#define fuzz_leaks_on()	 ((void)0)
#endif

static void put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

void sc_xlate_put(struct sc_xlate *x, char tag, size_t n, const uint64_t *words)
{
	if (!x->record || x->oom)
		return;
	size_t need = x->len + 1 + 8 * (n + 1);
	if (need > x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 4096;
		while (cap < need)
			cap *= 2;
		unsigned char *nb = realloc(x->buf, cap);
		if (!nb) {
			x->oom = true;
			return;
		}
		x->buf = nb;
		x->cap = cap;
	}
	x->buf[x->len++] = (unsigned char)tag;
	put_u64(x->buf + x->len, n); /* the count keeps records unambiguous */
	x->len += 8;
	for (size_t i = 0; i < n; i++, x->len += 8)
		put_u64(x->buf + x->len, words[i]);
}

int sc_xlate_arch_add(struct sc_xlate *x, uint32_t arch)
{
	sc_xlate_put(x, 'A', 1, (uint64_t[]){arch});
	return x->ctx ? seccomp_arch_add(x->ctx, arch) : 0;
}

int sc_xlate_attr_set(struct sc_xlate *x, enum scmp_filter_attr a, uint32_t v)
{
	sc_xlate_put(x, 'T', 2, (uint64_t[]){(uint64_t)a, v});
	return x->ctx ? seccomp_attr_set(x->ctx, a, v) : 0;
}

int sc_xlate_rule_add(struct sc_xlate *x, uint32_t action, int nr, unsigned n,
		      const struct scmp_arg_cmp *conds)
{
	sc_xlate_put(x, 'R', 3, (uint64_t[]){action, (uint64_t)(int64_t)nr, n});
	for (unsigned i = 0; i < n; i++)
		sc_xlate_put(x, 'C', 4,
			     (uint64_t[]){conds[i].arg, (uint64_t)conds[i].op, conds[i].datum_a,
					  conds[i].datum_b});
	if (!x->ctx)
		return 0;
	fuzz_leaks_off();
	int rc = seccomp_rule_add_array(x->ctx, action, nr, n, conds);
	fuzz_leaks_on();
	return rc;
}

void sc_xlate_release(struct sc_xlate *x)
{
	if (x->ctx)
		seccomp_release(x->ctx);
	x->ctx = NULL;
	free(x->buf);
	x->buf = NULL;
	x->len = x->cap = 0;
}
