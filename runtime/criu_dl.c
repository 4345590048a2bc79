/* libcriu through dlopen (criu_dl.h says why). */
#include "criu_dl.h"

#include "../lib/dl.h"

#define X(f) __typeof__(f) *rt_dl_##f;
RT_DL_SYMS(X)
#undef X

int criu_dlopen(struct cap_error **err)
{
	static void *lib;
	static const struct cap_dl_sym syms[] = {
#define X(f) {#f, (void **)&rt_dl_##f},
	    RT_DL_SYMS(X)
#undef X
	};
	return cap_dl_load(&lib, "libcriu.so.2", syms, sizeof(syms) / sizeof(syms[0]),
			   "checkpoint/restore", " (is criu installed?)", err);
}
