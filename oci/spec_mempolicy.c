/* linux.memoryPolicy (runtime-spec 1.3): mode, nodes ("0-3,7") and flags,
 * checked here so that a bad policy fails create with the field named,
 * before the kernel's bare EINVAL from set_mempolicy in the init. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cleanup.h"
#include "spec_internal.h"
#include "tables.h"

enum { MODE_DEFAULT = 0, MODE_PREFERRED = 1, MODE_LOCAL = 4 };
enum { F_NUMA_BALANCING = 1 << 13, F_RELATIVE = 1 << 14, F_STATIC = 1 << 15 };

static int lookup(const struct name_value *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return t[i].value;
	return -1;
}

static void set_node(struct spec_mem_policy *mp, unsigned long node)
{
	size_t bits = 8 * sizeof(mp->nodes[0]);
	mp->nodes[node / bits] |= 1UL << (node % bits);
	mp->has_nodes = true;
}

static int parse_node(const char **s, unsigned long *out)
{
	char *end;
	if (**s < '0' || **s > '9')
		return -1;
	errno = 0;
	*out = strtoul(*s, &end, 10);
	if (errno || *out >= SPEC_MPOL_MAX_NODES)
		return -1;
	*s = end;
	return 0;
}

/* "0-3,7" -> bitmask; -1 on any malformed part. */
static int parse_nodes(const char *s, struct spec_mem_policy *mp)
{
	while (*s) {
		unsigned long a, b;
		if (parse_node(&s, &a) < 0)
			return -1;
		b = a;
		if (*s == '-' && (s++, parse_node(&s, &b) < 0 || b < a))
			return -1;
		for (unsigned long n = a; n <= b; n++)
			set_node(mp, n);
		if (*s == ',' && s[1])
			s++;
		else if (*s)
			return -1;
	}
	return 0;
}

static int parse_flags(yajl_val v, struct jpath *p, struct spec_mem_policy *mp,
		       struct cap_error **err)
{
	char **flags = NULL;
	size_t n = 0;
	if (oci_jf_strv(v, "flags", p, &flags, &n, err) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		int f = lookup(oci_mpol_flag_table, oci_mpol_flag_table_len, flags[i]);
		if (f < 0)
			rc = oci_jf_fail(p, "flags", err, "unknown flag \"%.100s\"", flags[i]);
		else
			mp->flags |= (unsigned)f;
	}
	spec_strv_free(flags);
	return rc;
}

/* The combinations set_mempolicy(2) refuses, named. */
static int check_policy(const struct spec_mem_policy *mp, const char *mode, struct jpath *p,
			struct cap_error **err)
{
	bool nodeless = mp->mode == MODE_DEFAULT || mp->mode == MODE_LOCAL;
	if (nodeless && mp->has_nodes)
		return oci_jf_fail(p, "nodes", err, "mode %s takes no nodes", mode);
	if (nodeless && mp->flags)
		return oci_jf_fail(p, "flags", err, "mode %s takes no flags", mode);
	if (!nodeless && mp->mode != MODE_PREFERRED && !mp->has_nodes)
		return oci_jf_fail(p, "nodes", err, "mode %s needs at least one node", mode);
	if ((mp->flags & F_STATIC) && (mp->flags & F_RELATIVE))
		return oci_jf_fail(
		    p, "flags", err, "%s",
		    "MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other");
	if ((mp->flags & F_NUMA_BALANCING) && mp->mode != 2 /* MPOL_BIND */)
		return oci_jf_fail(p, "flags", err,
				   "MPOL_F_NUMA_BALANCING needs mode MPOL_BIND, not %s", mode);
	return 0;
}

int spec_mempolicy_from_json(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	struct spec_mem_policy *mp = out;
	const char *mode;
	cleanup_free char *nodes = NULL;
	if (oci_jf_name(v, "mode", p, true, &mode, err) < 0)
		return -1;
	if ((mp->mode = lookup(oci_mpol_mode_table, oci_mpol_mode_table_len, mode)) < 0)
		return oci_jf_fail(p, "mode", err, "unknown mode \"%.100s\"", mode);
	if (oci_jf_str(v, "nodes", p, &nodes, err) < 0)
		return -1;
	if (nodes && parse_nodes(nodes, mp) < 0)
		return oci_jf_fail(
		    p, "nodes", err,
		    "\"%.100s\": want node numbers below 1024 and ranges, as \"0-3,7\"", nodes);
	if (parse_flags(v, p, mp, err) < 0 || check_policy(mp, mode, p, err) < 0)
		return -1;
	mp->present = true;
	return 0;
}
