/* Optional libraries loaded with dlopen when a command needs them (libsystemd for
 * --systemd-cgroup, libcriu for checkpoint/restore): every other start pays nothing for
 * them.  Each user lists its symbols with an X-macro and points the table at its
 * function-pointer variables.
 *
 * capsule is a static PIE (Makefile), so a library opened here brings its own copy of
 * libc (the shared one of the same glibc release): its heap and errno are not ours, and
 * it sees the environment as it was when it was opened.  Callers never free() what a
 * library allocated (they resolve the library's own free, cgroups/sd_dl.h) and read
 * results from return values rather than errno. */
#ifndef CAPSULE_LIB_DL_H
#define CAPSULE_LIB_DL_H

#include <stddef.h>

struct cap_error;

struct cap_dl_sym {
	const char *name;
	void **slot; /* POSIX: a function pointer is stored through void * by dlsym */
};

/* Load `soname` once (*handle caches it) and resolve every symbol into its slot.  Errors
 * start with `what` ("--systemd-cgroup") and add `hint` after the library name. */
int cap_dl_load(void **handle, const char *soname, const struct cap_dl_sym *syms, size_t n,
		const char *what, const char *hint, struct cap_error **err);

#endif
