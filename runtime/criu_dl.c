/* libcriu through dlopen (criu_dl.h says why). */
#include "criu_dl.h"

#include <dlfcn.h>
#include <errno.h>

#define X(f) __typeof__(f) *rt_dl_##f;
RT_DL_SYMS(X)
#undef X

int criu_dlopen(struct cap_error **err)
{
	static void *lib;
	if (lib)
		return 0;
	void *h = dlopen("libcriu.so.2", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return cap_fail(err, ENOENT,
				"checkpoint/restore: cannot load libcriu.so.2 (is criu "
				"installed?): %s",
				dlerror());
#define X(f)                                                                                       \
	if (!(rt_dl_##f = (__typeof__(f) *)dlsym(h, #f)))                                          \
		return cap_fail(err, ENOENT, "checkpoint/restore: libcriu.so.2 lacks %s", #f);
	RT_DL_SYMS(X)
#undef X
	lib = h;
	return 0;
}
