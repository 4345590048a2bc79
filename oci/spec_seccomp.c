/* config.json "linux.seccomp" -> struct spec_seccomp.  Names are looked up in
 * seccomp/'s tables, the same ones `features` prints. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spec_internal.h"
#include "tables.h"

static int action_field(yajl_val v, const char *key, struct jpath *p, uint32_t *out,
			struct cap_error **err)
{
	const char *name;
	if (oci_jf_name(v, key, p, true, &name, err) < 0)
		return -1;
	if (oci_seccomp_action_from_name(name, out) < 0)
		return oci_jf_fail(p, key, err, "unknown action \"%s\"", name);
	return 0;
}

static int parse_arch(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	const char *name = NULL;
	if (oci_jv_str(v, p, &name, err) < 0)
		return -1;
	if (oci_seccomp_arch_from_name(name, out) < 0)
		return oci_jp_fail(p, err, "unknown architecture \"%s\"", name);
	return 0;
}

static int parse_flag(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	const char *name = NULL;
	if (oci_jv_str(v, p, &name, err) < 0)
		return -1;
	if (oci_seccomp_flag_from_name(name, out) < 0)
		return oci_jp_fail(p, err, "unknown flag \"%s\"", name);
	return 0;
}

static int parse_flags(yajl_val v, struct jpath *p, unsigned *flags, struct cap_error **err)
{
	unsigned *list = NULL;
	size_t n = 0;
	int rc = oci_jf_each(v, "flags", p, sizeof(unsigned), &list, &n, parse_flag, err);
	for (size_t i = 0; rc > 0 && i < n; i++)
		*flags |= list[i];
	free(list);
	return rc;
}

static int parse_arg(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	struct spec_seccomp_arg *a = out;
	uint64_t index;
	int rc = oci_jf_u64(v, "index", p, 5, &index, err); /* six syscall arguments */
	if (rc <= 0)
		return rc < 0 ? -1 : oci_jp_required(p, "index", err);
	a->index = (unsigned)index;
	if ((rc = oci_jf_u64(v, "value", p, UINT64_MAX, &a->value, err)) <= 0)
		return rc < 0 ? -1 : oci_jp_required(p, "value", err);
	if (oci_jf_u64(v, "valueTwo", p, UINT64_MAX, &a->value_two, err) < 0)
		return -1;
	const char *op;
	if (oci_jf_name(v, "op", p, true, &op, err) < 0)
		return -1;
	if (oci_seccomp_op_from_name(op, &a->op) < 0)
		return oci_jf_fail(p, "op", err, "unknown operator \"%s\"", op);
	return 0;
}

static int parse_syscall(yajl_val v, struct jpath *p, void *out, struct cap_error **err)
{
	struct spec_seccomp_syscall *sc = out;
	int rc = oci_jf_strv(v, "names", p, &sc->names, &sc->n_names, err);
	if (rc < 0)
		return -1;
	if (rc == 0 || sc->n_names == 0)
		return oci_jp_required(p, "names", err);
	if (action_field(v, "action", p, &sc->action, err) < 0)
		return -1;
	if ((rc = oci_jf_u32(v, "errnoRet", p, &sc->errno_ret, err)) < 0)
		return -1;
	sc->has_errno_ret = rc > 0;
	return oci_jf_objects(v, "args", p, sizeof(struct spec_seccomp_arg), &sc->args, &sc->n_args,
			      parse_arg, err) < 0
		   ? -1
		   : 0;
}

int spec_seccomp_from_json(yajl_val v, struct jpath *p, struct spec_seccomp *out,
			   struct cap_error **err)
{
	if (action_field(v, "defaultAction", p, &out->default_action, err) < 0)
		return -1;
	int rc = oci_jf_u32(v, "defaultErrnoRet", p, &out->default_errno_ret, err);
	if (rc < 0)
		return -1;
	out->has_default_errno_ret = rc > 0;
	if (oci_jf_each(v, "architectures", p, sizeof(uint32_t), &out->architectures,
			&out->n_architectures, parse_arch, err) < 0 ||
	    parse_flags(v, p, &out->flags, err) < 0 ||
	    oci_jf_str(v, "listenerPath", p, &out->listener_path, err) < 0 ||
	    oci_jf_str(v, "listenerMetadata", p, &out->listener_metadata, err) < 0 ||
	    oci_jf_objects(v, "syscalls", p, sizeof(struct spec_seccomp_syscall), &out->syscalls,
			   &out->n_syscalls, parse_syscall, err) < 0)
		return -1;
	return 0;
}
