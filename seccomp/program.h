/* Internal to seccomp/: the compiled filter handed from filter.c (parent,
 * before clone) to load.c (child, right before execve). */
#ifndef CAPSULE_SECCOMP_PROGRAM_H
#define CAPSULE_SECCOMP_PROGRAM_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>

#include "../lib/error.h"

struct sc_program {
	struct sock_filter *insns; /* raw BPF as libseccomp exported it */
	unsigned short len;	   /* number of instructions */
	unsigned flags;		   /* SECCOMP_FILTER_FLAG_* passed to seccomp(2) */
	bool listener;		   /* flags include NEW_LISTENER */
};

/* A BPF program of `bytes` bytes is one the kernel can take: a whole number
 * of instructions, 1..BPF_MAXINSNS of them. */
int sc_bpf_check(const char *what, size_t bytes, struct cap_error **err);

/* The cache key (cache.h) this build computes for a profile, as if libseccomp
 * were version v (NULL: the one linked in).  For tests. */
struct spec_seccomp;
struct scmp_version;
struct sc_cache_key;
int sc_program_cache_key(const struct spec_seccomp *sc, const struct scmp_version *v,
			 struct sc_cache_key *key, struct cap_error **err);

#endif
