#include "dl.h"

#include <dlfcn.h>
#include <errno.h>

#include "error.h"

int cap_dl_load(void **handle, const char *soname, const struct cap_dl_sym *syms, size_t n,
		const char *what, const char *hint, struct cap_error **err)
{
	if (*handle)
		return 0;
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return cap_fail(err, ENOENT, "%s: cannot load %s%s: %s", what, soname, hint,
				dlerror());
	for (size_t i = 0; i < n; i++) {
		if (!(*syms[i].slot = dlsym(h, syms[i].name))) {
			dlclose(h);
			return cap_fail(err, ENOENT, "%s: %s lacks %s", what, soname, syms[i].name);
		}
	}
	*handle = h;
	return 0;
}
