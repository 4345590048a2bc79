/* systemd driver, pure part: device rules -> DevicePolicy + DeviceAllow, as
 * runc's generateDeviceProperties does.  The rules are replayed in order
 * (last match wins); systemd can only express an allow list, so anything
 * else falls back to "strict" with no entries, and capsule's own eBPF
 * filter, attached after systemd's, is what decides. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cleanup.h"

/* The device group of a major number in /proc/devices ("136 pts" ->
 * "char-pts"), or "" when it has none. */
static void device_group(char type, int64_t major, char *out, size_t len)
{
	out[0] = '\0';
	cleanup_file FILE *f = fopen("/proc/devices", "re");
	if (!f)
		return;
	char line[256];
	bool in_section = false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Character", 9) == 0 || strncmp(line, "Block", 5) == 0) {
			in_section = (line[0] == 'C') == (type == 'c');
			continue;
		}
		long m;
		char name[128];
		if (in_section && sscanf(line, "%ld %127s", &m, name) == 2 && m == major) {
			snprintf(out, len, "%s-%s", type == 'c' ? "char" : "block", name);
			return;
		}
	}
}

static void access_str(unsigned acc, char *out)
{
	char *o = out;
	if (acc & BPF_DEVCG_ACC_READ)
		*o++ = 'r';
	if (acc & BPF_DEVCG_ACC_WRITE)
		*o++ = 'w';
	if (acc & BPF_DEVCG_ACC_MKNOD)
		*o++ = 'm';
	*o = '\0';
}

/* The DeviceAllow path of one allow rule; false when systemd cannot name it. */
static bool rule_path(const struct cg_dev_rule *r, char *out, size_t len)
{
	const char *kind = r->type == 'b' ? "block" : "char";
	if (r->major < 0 && r->minor < 0)
		snprintf(out, len, "%s-*", kind);
	else if (r->major < 0)
		return false; /* "*:N" has no systemd form */
	else if (r->minor < 0)
		device_group(r->type, r->major, out, len);
	else
		snprintf(out, len, "/dev/%s/%lld:%lld", kind, (long long)r->major,
			 (long long)r->minor);
	return out[0] != '\0';
}

static bool is_all(const struct cg_dev_rule *r)
{
	return r->type == 'a' && r->major < 0 && r->minor < 0;
}

static int push_pair(struct cg_sd_prop *e, const char *a, const char *b, struct cap_error **err)
{
	char **v = realloc(e->strv, (e->n_strv + 2) * sizeof(*v));
	if (!v)
		return cap_fail(err, ENOMEM, "DeviceAllow");
	e->strv = v;
	if (!(v[e->n_strv] = strdup(a)))
		return cap_fail(err, ENOMEM, "DeviceAllow");
	e->n_strv++;
	if (!(v[e->n_strv] = strdup(b)))
		return cap_fail(err, ENOMEM, "DeviceAllow");
	e->n_strv++;
	return 0;
}

int cg_sd_device_props(const struct spec_resources *r, struct cg_sd_props *p,
		       struct cap_error **err)
{
	cleanup_free struct cg_dev_rule *rules = NULL;
	size_t n = 0;
	if (cg_collect_dev_rules(r, &rules, &n, err) < 0)
		return -1;
	/* replay: the final allow list, or "allow all", or a deny list */
	cleanup_free struct cg_dev_rule *allow = calloc(n + 1, sizeof(*allow));
	if (!allow)
		return cap_fail(err, ENOMEM, "device rules");
	size_t n_allow = 0;
	bool allow_all = false, deny_list = false;
	for (size_t i = 0; i < n; i++) {
		const struct cg_dev_rule *x = &rules[i];
		if (is_all(x)) {
			allow_all = x->allow && x->access == 7;
			deny_list = x->allow && !allow_all;
			n_allow = 0;
		} else if (allow_all || deny_list) {
			deny_list = deny_list || !x->allow;
			allow_all = allow_all && x->allow;
		} else if (x->allow) {
			allow[n_allow++] = *x;
		} else {
			for (size_t k = 0; k < n_allow; k++)
				if (allow[k].type == x->type && allow[k].major == x->major &&
				    allow[k].minor == x->minor)
					allow[k].access &= ~x->access;
		}
	}
	if (cg_sd_props_str(p, "DevicePolicy", allow_all ? "auto" : "strict", err) < 0)
		return -1;
	struct cg_sd_prop *e = cg_sd_props_set(p, "DeviceAllow", "a(ss)");
	if (!e)
		return cap_fail(err, ENOMEM, "DeviceAllow");
	for (size_t k = 0; !allow_all && !deny_list && k < n_allow; k++) {
		char path[160], acc[4];
		access_str(allow[k].access, acc);
		if (!acc[0] || !rule_path(&allow[k], path, sizeof(path)))
			continue;
		if (push_pair(e, path, acc, err) < 0)
			return -1;
	}
	return 0;
}
