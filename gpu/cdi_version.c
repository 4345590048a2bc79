/* cdiVersion and the names: which versions exist, the rule that a spec may
 * not use a field newer than the version it declares (the reference's
 * specs-go/version.go: hostPath and digit-leading names need 0.5.0,
 * annotations and dotted classes 0.6.0, intelRdt and additionalGids 0.7.0,
 * netDevices and intelRdt.schemata/enableMonitoring 1.1.0, mounts[].type
 * 0.4.0), and the syntax of vendor.com/class=name. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const char *const versions[] = {"0.3.0", "0.4.0", "0.5.0", "0.6.0",
				       "0.7.0", "0.8.0", "1.0.0", "1.1.0"};
#define N_VERSIONS (sizeof(versions) / sizeof(versions[0]))

static int version_index(const char *v)
{
	if (v[0] == 'v')
		v++;
	for (size_t i = 0; i < N_VERSIONS; i++)
		if (strcmp(v, versions[i]) == 0)
			return (int)i;
	return -1;
}

static bool is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
	return is_letter(c) || (c >= '0' && c <= '9');
}

/* The highest requirement seen so far and the field that caused it. */
struct need {
	int index;
	char field[256];
};

static void require(struct need *n, const char *version, const char *fmt, const char *a, size_t i,
		    size_t j)
{
	int v = version_index(version);
	if (v <= n->index)
		return;
	n->index = v;
	snprintf(n->field, sizeof(n->field), fmt, a, i, j);
}

static void need_edits(struct need *n, const struct cdi_edits *e, const char *at)
{
	for (size_t i = 0; i < e->n_mounts; i++)
		if (e->mounts[i].type)
			require(n, "0.4.0", "%smounts[%zu].type", at, i, 0);
	for (size_t i = 0; i < e->n_nodes; i++)
		if (e->nodes[i].host_path)
			require(n, "0.5.0", "%sdeviceNodes[%zu].hostPath", at, i, 0);
	if (e->rdt.present)
		require(n, "0.7.0", "%sintelRdt", at, 0, 0);
	if (e->n_gids)
		require(n, "0.7.0", "%sadditionalGids", at, 0, 0);
	if (e->rdt.schemata)
		require(n, "1.1.0", "%sintelRdt.schemata", at, 0, 0);
	if (e->rdt.enable_monitoring)
		require(n, "1.1.0", "%sintelRdt.enableMonitoring", at, 0, 0);
	if (e->n_net_devices)
		require(n, "1.1.0", "%snetDevices", at, 0, 0);
}

int cdi_check_version(const struct cdi_spec *s, struct cap_error **err)
{
	int have = version_index(s->version);
	if (have < 0)
		return cap_fail(err, 0, "cdiVersion: unsupported version \"%.40s\" (want %s to %s)",
				s->version, CDI_VERSION_MIN, CDI_VERSION_MAX);
	struct need n = {.index = 0};
	need_edits(&n, &s->edits, "containerEdits.");
	if (s->has_annotations)
		require(&n, "0.6.0", "%sannotations", "", 0, 0);
	const char *slash = strchr(s->kind, '/');
	if (slash && strchr(slash, '.'))
		require(&n, "0.6.0", "%skind (a '.' in the class)", "", 0, 0);
	for (size_t i = 0; i < s->n_devices; i++) {
		const struct cdi_device *d = &s->devices[i];
		char at[64];
		snprintf(at, sizeof(at), "devices[%zu].containerEdits.", i);
		need_edits(&n, &d->edits, at);
		if (!is_letter(d->name[0]))
			require(&n, "0.5.0", "%sdevices[%zu].name (starts with a digit)", "", i, 0);
		if (d->has_annotations)
			require(&n, "0.6.0", "%sdevices[%zu].annotations", "", i, 0);
	}
	if (n.index > have)
		return cap_fail(err, 0, "%s: needs cdiVersion %s or later (cdiVersion is \"%s\")",
				n.field, versions[n.index], s->version);
	return 0;
}

/* vendor and class: a letter first, a letter or digit last, [A-Za-z0-9_.-]
 * between. */
static int check_label(const char *what, const char *s, size_t len, struct cap_error **err)
{
	if (!len)
		return cap_fail(err, 0, "empty %s", what);
	if (!is_letter(s[0]))
		return cap_fail(err, 0, "%s \"%.*s\" must start with a letter", what, (int)len, s);
	if (!is_alnum(s[len - 1]))
		return cap_fail(err, 0, "%s \"%.*s\" must end with a letter or digit", what,
				(int)len, s);
	for (size_t i = 1; i + 1 < len; i++)
		if (!is_alnum(s[i]) && !strchr("_-.", s[i]))
			return cap_fail(err, 0, "%s \"%.*s\": invalid character '%c'", what,
					(int)len, s, s[i]);
	return 0;
}

int cdi_check_kind(const char *kind, struct cap_error **err)
{
	const char *slash = strchr(kind, '/');
	if (!slash)
		return cap_fail(err, 0, "\"%.200s\" is not vendor.com/class", kind);
	if (check_label("vendor", kind, (size_t)(slash - kind), err) < 0)
		return -1;
	return check_label("class", slash + 1, strlen(slash + 1), err);
}

int cdi_check_device_name(const char *name, struct cap_error **err)
{
	size_t len = strlen(name);
	if (!len)
		return cap_fail(err, 0, "empty device name");
	if (!is_alnum(name[0]))
		return cap_fail(err, 0, "device name \"%.200s\" must start with a letter or digit",
				name);
	if (!is_alnum(name[len - 1]))
		return cap_fail(err, 0, "device name \"%.200s\" must end with a letter or digit",
				name);
	for (size_t i = 1; i + 1 < len; i++)
		if (!is_alnum(name[i]) && !strchr("_-.:", name[i]))
			return cap_fail(err, 0, "device name \"%.200s\": invalid character '%c'",
					name, name[i]);
	return 0;
}

int cdi_split_name(char *buf, char **kind, char **name, struct cap_error **err)
{
	char *eq = strchr(buf, '=');
	if (!eq)
		return cap_fail(err, 0,
				"\"%.200s\" is not a CDI device name (vendor.com/class=name)", buf);
	*eq = 0;
	*kind = buf;
	*name = eq + 1;
	if (cdi_check_kind(buf, err) < 0 || cdi_check_device_name(*name, err) < 0) {
		*eq = '=';
		return cap_wrap(err, "CDI device \"%.200s\"", buf);
	}
	return 0;
}

int cdi_parse_qualified(const char *name, struct cap_error **err)
{
	char buf[1024];
	if (strlen(name) >= sizeof(buf))
		return cap_fail(err, 0, "CDI device name too long");
	strcpy(buf, name);
	char *k, *n;
	return cdi_split_name(buf, &k, &n, err);
}
