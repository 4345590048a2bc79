/* libsystemd through dlopen (sd_dl.h says why). */
#include "sd_dl.h"

#include "../lib/dl.h"

#define X(f) __typeof__(f) *cg_dl_##f;
CG_DL_SYMS(X)
#undef X

int cg_sd_dlopen(struct cap_error **err)
{
	static void *lib;
	static const struct cap_dl_sym syms[] = {
#define X(f) {#f, (void **)&cg_dl_##f},
	    CG_DL_SYMS(X)
#undef X
	};
	return cap_dl_load(&lib, "libsystemd.so.0", syms, sizeof(syms) / sizeof(syms[0]),
			   "--systemd-cgroup", "", err);
}
