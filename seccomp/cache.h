/* Internal to seccomp/: compiled filters kept on disk, content-addressed.
 *
 * <dir>/<sha256 hex of the key> holds one BPF program:
 *   header { "CAPSBPF\0", format, payload length, key, sha256(payload) } + BPF
 * The key is the sha256 of the recorded translation (xlate.h) plus what else
 * the BPF depends on (filter.c: record_environment).  Files are written to a
 * temporary name and renamed into place, read back only when the directory
 * and file belong to the caller, the directory is 0700, and the header, the
 * checksum and the program's shape all hold; anything else is a miss and the
 * caller compiles.  The directory is kept to CACHE_MAX_ENTRIES files and
 * CACHE_MAX_BYTES, least recently used first out (a hit touches the file). */
#ifndef CAPSULE_SECCOMP_CACHE_H
#define CAPSULE_SECCOMP_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "program.h"

#define SECCOMP_CACHE_MAX_ENTRIES 64
#define SECCOMP_CACHE_MAX_BYTES	  (2u << 20)

struct sc_cache_key {
	unsigned char sum[32];
	char hex[65];
};

typedef void (*sc_note_fn)(const char *msg);

/* 0, or -1 if there is no usable key (incomplete record, digest failure). */
int sc_cache_key(const void *rec, size_t len, bool incomplete, struct sc_cache_key *k);
/* 0 and p->insns/len set on a verified hit; -1 on any miss (note says why). */
int sc_cache_get(const char *dir, const struct sc_cache_key *k, struct sc_program *p,
		 sc_note_fn note);
/* Best effort: failures only produce a note. */
void sc_cache_put(const char *dir, const struct sc_cache_key *k, const struct sc_program *p,
		  sc_note_fn note);

#endif
