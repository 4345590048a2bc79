/* Checks across fields of a parsed config.json: what each field's own parser cannot see
 * but would otherwise fail late, deep in the container's setup, with an errno that names
 * nothing (a new user namespace without maps fails at `mkdir /dev/pts` with EOVERFLOW). */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <string.h>

#include "spec.h"

#ifndef HOST_NAME_MAX
#define HOST_NAME_MAX 64
#endif

static int check_name(const char *field, const char *v, struct cap_error **err)
{
	if (v && strlen(v) > HOST_NAME_MAX)
		return cap_fail(err, 0, "%s: \"%s\" is longer than %d bytes", field, v,
				HOST_NAME_MAX);
	return 0;
}

static int check_user_namespace(const struct spec *s, struct cap_error **err)
{
	const struct spec_linux *l = &s->linux_;
	const struct spec_namespace *user = spec_find_namespace(s, CLONE_NEWUSER);
	bool maps = l->n_uid_mappings || l->n_gid_mappings;
	if (!user && maps)
		return cap_fail(err, 0,
				"linux.%s: mappings without a user namespace in "
				"linux.namespaces",
				l->n_uid_mappings ? "uidMappings" : "gidMappings");
	if (user && !user->path && (!l->n_uid_mappings || !l->n_gid_mappings))
		return cap_fail(err, 0, "linux.%s: required for a new user namespace",
				!l->n_uid_mappings ? "uidMappings" : "gidMappings");
	return 0;
}

int spec_check(const struct spec *s, struct cap_error **err)
{
	if (check_name("hostname", s->hostname, err) < 0 ||
	    check_name("domainname", s->domainname, err) < 0)
		return -1;
	return s->has_linux ? check_user_namespace(s, err) : 0;
}
