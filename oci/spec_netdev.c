/* config.json linux.netDevices (runtime-spec 1.3): {"<host name>": {"name":
 * "<name in the container>"}}.  Every name is checked here as the kernel
 * checks it, so that a bad one fails create before anything is moved. */
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "spec_internal.h"

bool spec_ifname_valid(const char *name)
{
	/* net/core/dev.c dev_valid_name */
	if (!name[0] || strnlen(name, IFNAMSIZ) == IFNAMSIZ)
		return false;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (const char *c = name; *c; c++)
		if (*c == '/' || *c == ':' || isspace((unsigned char)*c))
			return false;
	return true;
}

static int bad_name(struct jpath *p, const char *what, const char *name, struct cap_error **err)
{
	return oci_jp_fail(p, err,
			   "%s \"%.64s\" is not a valid interface name (1 to %d bytes, not \".\" "
			   "or \"..\", no '/', ':' or spaces)",
			   what, name, IFNAMSIZ - 1);
}

/* The path is at netDevices["<key>"]. */
static int parse_one(yajl_val v, const char *key, struct jpath *p, struct spec_net_device *d,
		     struct cap_error **err)
{
	if (!spec_ifname_valid(key))
		return bad_name(p, "host interface", key, err);
	if (strcmp(key, "lo") == 0) /* NETIF_F_NETNS_LOCAL: the kernel refuses */
		return oci_jp_fail(p, err, "%s",
				   "the loopback interface cannot leave its namespace");
	if (!(d->host_name = strdup(key)))
		return cap_fail(err, ENOMEM, "linux.netDevices");
	if (oci_jv_obj(v, p, err) < 0 || oci_jf_str(v, "name", p, &d->name, err) < 0)
		return -1;
	if (d->name && !d->name[0]) { /* "" keeps the name, as in runc */
		free(d->name);
		d->name = NULL;
	}
	if (d->name && !spec_ifname_valid(d->name)) {
		size_t m = oci_jp_key(p, "name");
		bad_name(p, "name", d->name, err);
		return oci_jp_pop(p, m), -1;
	}
	/* every new namespace has one: the move would fail half-way */
	if (d->name && strcmp(d->name, "lo") == 0) {
		size_t m = oci_jp_key(p, "name");
		oci_jp_fail(p, err, "%s", "\"lo\" is the container's loopback interface");
		return oci_jp_pop(p, m), -1;
	}
	if (!d->name && !(d->name = strdup(key)))
		return cap_fail(err, ENOMEM, "linux.netDevices");
	return 0;
}

/* Two devices given the same name in the container: the second move would
 * fail half-way with EEXIST. */
static int check_duplicates(const struct spec_linux *out, struct jpath *p, struct cap_error **err)
{
	for (size_t i = 1; i < out->n_net_devices; i++) {
		const struct spec_net_device *d = &out->net_devices[i];
		for (size_t j = 0; j < i; j++) {
			const struct spec_net_device *o = &out->net_devices[j];
			const char *clash = strcmp(d->host_name, o->host_name) == 0 ? "listed twice"
					    : strcmp(d->name, o->name) == 0 ? "renamed like another"
									    : NULL;
			if (!clash)
				continue;
			size_t m = oci_jp_mapkey(p, d->host_name);
			oci_jp_fail(p, err, "%s (\"%.64s\" in the container)", clash, d->name);
			return oci_jp_pop(p, m), -1;
		}
	}
	return 0;
}

/* Devices moved into a namespace the container joins would stay there (or
 * be destroyed with it) after the container is gone: only a new one, which
 * capsule holds until delete, gets them back. */
static int check_new_netns(const struct spec_linux *out, struct jpath *p, struct cap_error **err)
{
	for (size_t i = 0; i < out->n_namespaces; i++) {
		if (out->namespaces[i].type != CLONE_NEWNET)
			continue;
		if (!out->namespaces[i].path)
			return 0;
		return oci_jp_fail(
		    p, err, "needs a new network namespace, but linux.namespaces joins \"%.200s\"",
		    out->namespaces[i].path);
	}
	return oci_jp_fail(p, err, "%s",
			   "needs a new network namespace (a \"network\" entry without a path in "
			   "linux.namespaces)");
}

int spec_net_devices_from_json(yajl_val l, struct jpath *p, struct spec_linux *out,
			       struct cap_error **err)
{
	yajl_val nd;
	int rc = oci_jf_obj(l, "netDevices", p, &nd, err);
	if (rc <= 0 || !nd->u.object.len)
		return rc;
	size_t n = nd->u.object.len;
	if (!(out->net_devices = calloc(n, sizeof(*out->net_devices))))
		return cap_fail(err, ENOMEM, "linux.netDevices");
	size_t m = oci_jp_key(p, "netDevices");
	for (size_t i = 0; i < n; i++) {
		out->n_net_devices = i + 1;
		const char *key = nd->u.object.keys[i];
		size_t mk = oci_jp_mapkey(p, key);
		rc = parse_one(nd->u.object.values[i], key, p, &out->net_devices[i], err);
		oci_jp_pop(p, mk);
		if (rc < 0)
			return oci_jp_pop(p, m), -1;
	}
	rc = check_duplicates(out, p, err) < 0 || check_new_netns(out, p, err) < 0 ? -1 : 1;
	oci_jp_pop(p, m);
	return rc;
}
