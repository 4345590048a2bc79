/* `capsule features`: the OCI features document, generated from the same
 * tables the parser and the runtime use. */
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <yajl/yajl_gen.h>

#include "../lib/ns.h"
#include "../gpu/gpu.h"
#include "../runtime/hooks.h"
#include "../lib/json.h"
#include "../runtime/mounts.h"
#include "../oci/tables.h"
#include "../seccomp/seccomp.h"
#include "cmd.h"

static void gen_bool_obj(yajl_gen j, const char *key, bool enabled)
{
	cap_json_key(j, key);
	yajl_gen_map_open(j);
	cap_json_key(j, "enabled");
	yajl_gen_bool(j, enabled);
	yajl_gen_map_close(j);
}

static void gen_hooks_and_mounts(yajl_gen j)
{
	cap_json_key(j, "hooks");
	yajl_gen_array_open(j);
	for (int k = 0; k < HOOK__COUNT; k++)
		cap_json_str(j, spec_hook_kind_name(k));
	yajl_gen_array_close(j);
	cap_json_key(j, "mountOptions");
	yajl_gen_array_open(j);
	bool recursive = mounts_recursive_supported(), idmap = mounts_idmap_supported();
	for (size_t i = 0; i < oci_mount_opt_table_len; i++) {
		enum mount_opt_kind k = oci_mount_opt_table[i].kind;
		/* advertised only where this kernel can do them */
		if ((k == MOPT_RECURSIVE && !recursive) || (k == MOPT_IDMAP && !idmap))
			continue;
		cap_json_str(j, oci_mount_opt_table[i].name);
	}
	yajl_gen_array_close(j);
}

static void gen_namespaces_and_caps(yajl_gen j)
{
	cap_json_key(j, "namespaces");
	yajl_gen_array_open(j);
	for (size_t i = 0; i < CAP_NS_COUNT; i++)
		cap_json_str(j, cap_ns_table[i].name);
	yajl_gen_array_close(j);
	cap_json_key(j, "capabilities");
	yajl_gen_array_open(j);
	for (int c = 0; c < cap_max_bits(); c++) {
		char *name = cap_to_name(c);
		if (!name)
			continue;
		char upper[64];
		size_t k = 0;
		for (const char *p = name; *p && k < sizeof(upper) - 1; p++)
			upper[k++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		upper[k] = 0;
		cap_json_str(j, upper);
		cap_free(name);
	}
	yajl_gen_array_close(j);
}

static void gen_seccomp(yajl_gen j)
{
	cap_json_key(j, "seccomp");
	yajl_gen_map_open(j);
	cap_json_key(j, "enabled");
	yajl_gen_bool(j, 1);
	cap_json_str_array(j, "actions", (const char *const *)oci_seccomp_action_names);
	cap_json_str_array(j, "operators", (const char *const *)oci_seccomp_op_names);
	cap_json_str_array(j, "archs", (const char *const *)oci_seccomp_arch_names);
	cap_json_str_array(j, "knownFlags", (const char *const *)oci_seccomp_flag_names);
	cap_json_str_array(j, "supportedFlags", (const char *const *)oci_seccomp_flag_names);
	yajl_gen_map_close(j);
}

static void gen_names(yajl_gen j, const char *key, const struct name_value *t, size_t n)
{
	cap_json_key(j, key);
	yajl_gen_array_open(j);
	for (size_t i = 0; i < n; i++)
		cap_json_str(j, t[i].name);
	yajl_gen_array_close(j);
}

/* runtime-spec 1.3 linux.memoryPolicy: the modes and flags the parser takes. */
static void gen_mempolicy(yajl_gen j)
{
	cap_json_key(j, "memoryPolicy");
	yajl_gen_map_open(j);
	gen_names(j, "modes", oci_mpol_mode_table, oci_mpol_mode_table_len);
	gen_names(j, "flags", oci_mpol_flag_table, oci_mpol_flag_table_len);
	yajl_gen_map_close(j);
}

/* runtime/resctrl.c: the whole of runtime-spec 1.3's intelRdt (whether this
 * host mounts resctrl is create's business, as with runc). */
static void gen_intel_rdt(yajl_gen j)
{
	cap_json_key(j, "intelRdt");
	yajl_gen_map_open(j);
	static const char *const keys[] = {"enabled", "schemata", "monitoring"};
	for (size_t i = 0; i < 3; i++) {
		cap_json_key(j, keys[i]);
		yajl_gen_bool(j, 1);
	}
	yajl_gen_map_close(j);
}

static void gen_linux(yajl_gen j)
{
	cap_json_key(j, "linux");
	yajl_gen_map_open(j);
	gen_namespaces_and_caps(j);
	cap_json_key(j, "cgroup");
	yajl_gen_map_open(j);
	const char *keys[] = {"v1", "v2", "systemd", "systemdUser", "rdma"};
	const bool vals[] = {false, true, false, false, true};
	for (int i = 0; i < 5; i++) {
		cap_json_key(j, keys[i]);
		yajl_gen_bool(j, vals[i]);
	}
	yajl_gen_map_close(j);
	gen_seccomp(j);
	gen_bool_obj(j, "apparmor", false);
	gen_bool_obj(j, "selinux", false);
	gen_intel_rdt(j);
	gen_bool_obj(j, "netDevices", true); /* runtime/netdev.c */
	gen_mempolicy(j);
	cap_json_key(j, "mountExtensions");
	yajl_gen_map_open(j);
	gen_bool_obj(j, "idmap", mounts_idmap_supported());
	yajl_gen_map_close(j);
	yajl_gen_map_close(j);
}

CMD(features)
{
	yajl_gen j = yajl_gen_alloc(NULL);
	yajl_gen_config(j, yajl_gen_beautify, 1);
	yajl_gen_config(j, yajl_gen_indent_string, "    ");
	yajl_gen_map_open(j);
	cap_json_kv_str(j, "ociVersionMin", "1.0.0");
	cap_json_kv_str(j, "ociVersionMax", "1.3.0");
	gen_hooks_and_mounts(j);
	gen_linux(j);
	cap_json_key(j, "annotations");
	yajl_gen_map_open(j);
	const struct scmp_version *v = seccomp_version();
	char ver[32];
	snprintf(ver, sizeof(ver), "%u.%u.%u", v->major, v->minor, v->micro);
	cap_json_kv_str(j, "io.github.seccomp.libseccomp.version", ver);
	cap_json_kv_str(j, "run.capsule.version", CAPSULE_VERSION);
	/* CDI resolved by the runtime: --device and cdi.k8s.io/ annotations. */
	cap_json_kv_str(j, "run.capsule.cdi.versions", CDI_VERSION_MIN "-" CDI_VERSION_MAX);
	static const char *const dirs[] = CDI_DEFAULT_DIRS;
	char buf[256];
	snprintf(buf, sizeof(buf), "%s,%s", dirs[0], dirs[1]);
	cap_json_kv_str(j, "run.capsule.cdi.specDirs", buf);
	cap_json_kv_str(j, "run.capsule.cdi.annotationPrefix", CDI_ANNOTATION_PREFIX);
	cap_json_kv_str(j, "run.capsule.gpus", "nvidia");
	yajl_gen_map_close(j);
	yajl_gen_map_close(j);
	char *out = cap_json_finish(j);
	printf("%s\n", out ? out : "{}");
	free(out);
	yajl_gen_free(j);
	return 0;
}
