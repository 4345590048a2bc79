/* Internal to seccomp/: the calls that turn a profile into a libseccomp filter,
 * recorded as they are made.
 *
 * filter.c makes every libseccomp call that shapes the filter through these
 * wrappers.  With ctx == NULL they only record, which is how the cache key
 * (cache.c) is derived from the translated filter inputs (syscall numbers as
 * this libseccomp resolves them, full actions, conditions, attributes) rather
 * than from the JSON: a change in the translation changes the key. */
#ifndef CAPSULE_SECCOMP_XLATE_H
#define CAPSULE_SECCOMP_XLATE_H

#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sc_xlate {
	scmp_filter_ctx ctx; /* NULL: record only */
	bool record;	     /* append every call to buf */
	unsigned char *buf;
	size_t len, cap;
	bool oom; /* the record is incomplete: never use it as a key */
};

/* Append one tagged record of n 64-bit words (fixed width, little endian). */
void sc_xlate_put(struct sc_xlate *x, char tag, size_t n, const uint64_t *words);
int sc_xlate_arch_add(struct sc_xlate *x, uint32_t arch);
int sc_xlate_attr_set(struct sc_xlate *x, enum scmp_filter_attr a, uint32_t v);
int sc_xlate_rule_add(struct sc_xlate *x, uint32_t action, int nr, unsigned n,
		      const struct scmp_arg_cmp *conds);
void sc_xlate_release(struct sc_xlate *x);

#endif
