/* memory/: helpers shared inside the module. */
#ifndef CAPSULE_MEMORY_INTERNAL_H
#define CAPSULE_MEMORY_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "memory.h"

/* Whole small file (kernel files are < 64 KiB), NUL-terminated, or NULL with
 * errno set.  dirfd may be AT_FDCWD. */
char *mem_read_at(int dirfd, const char *name);
/* The same from an fd kept open (read from offset 0); NULL when fd < 0. */
char *mem_reread(int fd);
/* A file holding one number or "max"; false when absent or malformed. */
bool mem_read_val(int dirfd, const char *name, struct mem_val *out);
/* Note a missing group in a status' unavailable list (deduplicated). */
void mem_unavailable(const char **list, size_t *n, const char *what);

/* Ask the cgroup to reclaim bytes, with "swappiness=N" unless swappiness < 0:
 * 0 done, 1 when the kernel reclaimed less than asked (EAGAIN), -1 error. */
int mem_reclaim_write(int cgroup_dfd, uint64_t bytes, int swappiness, struct cap_error **err);

/* Idle memory (idle.c), over the processes of the cgroup and of the cgroups
 * below it: clear their accessed bits; the bytes mapped and not referenced
 * since.  -1 when there were processes and none could be cleared or read. */
int mem_idle_clear(int cgroup_dfd);
int mem_idle_bytes(int cgroup_dfd, uint64_t *bytes);

/* One flat JSON object (the lines `watch` prints). */
enum mem_jkind { MEM_J_U64, MEM_J_DBL, MEM_J_STR };
struct mem_jfield {
	const char *key;
	enum mem_jkind kind;
	uint64_t u;
	double d;
	const char *s;
};
char *mem_json_object(const struct mem_jfield *f, size_t n); /* caller frees */

#endif
