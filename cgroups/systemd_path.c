/* systemd driver, pure part: linux.cgroupsPath "slice:prefix:name" -> the
 * parent slice and the transient unit, named as runc names them. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../lib/cleanup.h"

static bool has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

/* A unit name part: no '/', no control characters, no ':' (already split). */
static int check_part(const char *what, const char *s, const char *path, struct cap_error **err)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c == '/' || *c <= ' ' || *c >= 0x7f)
			return cap_fail(
			    err, EINVAL,
			    "linux.cgroupsPath \"%.200s\": %s \"%.200s\" may not contain "
			    "'/', spaces or control characters (--systemd-cgroup expects "
			    "\"slice:prefix:name\")",
			    path, what, s);
	return 0;
}

int cg_sd_parse_path(const char *cgroups_path, const char *id, bool rootless,
		     struct cg_sd_unit *out, struct cap_error **err)
{
	const char *path = cgroups_path && *cgroups_path ? cgroups_path : NULL;
	cleanup_free char *dflt = NULL;
	if (!path) {
		if (!id || !*id)
			return cap_fail(err, EINVAL, "cgroup: no container id for the unit name");
		if (asprintf(&dflt, ":capsule:%s", id) < 0)
			return cap_fail(err, ENOMEM, "cgroup path");
		path = dflt;
	}
	const char *c1 = strchr(path, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c1 || !c2 || strchr(c2 + 1, ':'))
		return cap_fail(err, EINVAL,
				"linux.cgroupsPath \"%.200s\": --systemd-cgroup expects "
				"\"slice:prefix:name\" (e.g. \"system.slice:capsule:ID\")",
				path);
	char slice[256], prefix[256], name[256];
	size_t ls = (size_t)(c1 - path), lp = (size_t)(c2 - c1 - 1), ln = strlen(c2 + 1);
	if (ls >= sizeof(slice) || lp >= sizeof(prefix) || ln >= sizeof(name))
		return cap_fail(err, ENAMETOOLONG, "linux.cgroupsPath \"%.200s\": too long", path);
	memcpy(slice, path, ls), slice[ls] = '\0';
	memcpy(prefix, c1 + 1, lp), prefix[lp] = '\0';
	memcpy(name, c2 + 1, ln), name[ln] = '\0';
	if (check_part("slice", slice, path, err) < 0 ||
	    check_part("prefix", prefix, path, err) < 0 || check_part("name", name, path, err) < 0)
		return -1;
	if (!*name)
		return cap_fail(err, EINVAL, "linux.cgroupsPath \"%.200s\": the name part is empty",
				path);
	if (*slice && !has_suffix(slice, ".slice"))
		return cap_fail(
		    err, EINVAL,
		    "linux.cgroupsPath \"%.200s\": the slice \"%s\" must end in \".slice\"", path,
		    slice);
	snprintf(out->slice, sizeof(out->slice), "%s",
		 *slice	    ? slice
		 : rootless ? "user.slice"
			    : "system.slice");
	if (has_suffix(name, ".slice"))
		snprintf(out->unit, sizeof(out->unit), "%s", name);
	else if (*prefix)
		snprintf(out->unit, sizeof(out->unit), "%s-%s.scope", prefix, name);
	else
		snprintf(out->unit, sizeof(out->unit), "%s.scope", name);
	if (strlen(out->unit) > 255)
		return cap_fail(
		    err, ENAMETOOLONG,
		    "linux.cgroupsPath \"%.200s\": unit name \"%.200s...\" is longer than "
		    "systemd's 255 characters",
		    path, out->unit);
	return 0;
}
