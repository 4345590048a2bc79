/* libsystemd through dlopen (sd_dl.h says why). */
#include "sd_dl.h"

#include <dlfcn.h>
#include <errno.h>

#define X(f) __typeof__(f) *cg_dl_##f;
CG_DL_SYMS(X)
#undef X

int cg_sd_dlopen(struct cap_error **err)
{
	static void *lib;
	if (lib)
		return 0;
	void *h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return cap_fail(err, ENOENT, "--systemd-cgroup: cannot load libsystemd.so.0: %s",
				dlerror());
#define X(f)                                                                                       \
	if (!(cg_dl_##f = (__typeof__(f) *)dlsym(h, #f)))                                          \
		return cap_fail(err, ENOENT, "--systemd-cgroup: libsystemd.so.0 lacks %s", #f);
	CG_DL_SYMS(X)
#undef X
	lib = h;
	return 0;
}
