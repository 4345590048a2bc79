/* Scope-bound resources: `cleanup_free char *p = ...;` frees p when it goes out
 * of scope, so error paths are plain early returns (no goto ladders). */
#ifndef CAPSULE_CLEANUP_H
#define CAPSULE_CLEANUP_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <errno.h>

static inline void cleanup_free_fn(void *p)
{
	free(*(void **)p);
}
static inline void cleanup_close_fn(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
static inline void cleanup_file_fn(FILE **f)
{
	if (*f)
		fclose(*f);
}
static inline void cleanup_dir_fn(DIR **d)
{
	if (*d)
		closedir(*d);
}

#define cleanup_free  __attribute__((cleanup(cleanup_free_fn)))
#define cleanup_close __attribute__((cleanup(cleanup_close_fn)))
#define cleanup_file  __attribute__((cleanup(cleanup_file_fn)))
#define cleanup_dir   __attribute__((cleanup(cleanup_dir_fn)))

/* Hand ownership out of a cleanup-scoped variable. */
#define steal_pointer(pp)                                                                          \
	({                                                                                         \
		__typeof__(*(pp)) _v = *(pp);                                                      \
		*(pp) = NULL;                                                                      \
		_v;                                                                                \
	})
#define steal_fd(fdp)                                                                              \
	({                                                                                         \
		int _fd = *(fdp);                                                                  \
		*(fdp) = -1;                                                                       \
		_fd;                                                                               \
	})

#endif
