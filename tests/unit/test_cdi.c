/* gpu/: CDI spec parsing (JSON and YAML to one model), names, the
 * version/field rule, the registry's dir priority and conflicts, the edits
 * applied to a typed spec, and the ld.so.cache reader. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../gpu/internal.h"
#include "unit.h"

static struct cdi_spec *parse(const char *text, bool yaml, char **msg)
{
	struct cap_error *err = NULL;
	struct cdi_spec *s = cdi_spec_parse(text, strlen(text), yaml, "t.spec", &err);
	if (msg)
		*msg = err && err->msg ? strdup(err->msg) : NULL;
	cap_error_free(err);
	return s;
}

/* The error text of parsing `text`, "" when it parsed (caller frees). */
static char *parse_error(const char *text, bool yaml)
{
	char *msg = NULL;
	struct cdi_spec *s = parse(text, yaml, &msg);
	cdi_spec_free(s);
	return msg ? msg : strdup("");
}

#define CHECK_ERR(text, yaml, want)                                                                \
	do {                                                                                       \
		char *_m = parse_error(text, yaml);                                                \
		CHECK_STR(_m, want);                                                               \
		free(_m);                                                                          \
	} while (0)

static const char nvidia_json[] =
    "{\"cdiVersion\":\"0.5.0\",\"kind\":\"nvidia.com/gpu\",\"devices\":["
    "{\"name\":\"0\",\"containerEdits\":{\"deviceNodes\":[{\"path\":\"/dev/nvidia0\","
    "\"hostPath\":\"/h/nvidia0\",\"type\":\"c\",\"major\":195,\"minor\":0}]}},"
    "{\"name\":\"all\",\"containerEdits\":{\"deviceNodes\":[{\"path\":\"/dev/nvidia0\","
    "\"type\":\"c\",\"major\":195,\"minor\":0}]}}],"
    "\"containerEdits\":{\"env\":[\"NVIDIA_VISIBLE_DEVICES=void\"],"
    "\"hooks\":[{\"hookName\":\"createContainer\",\"path\":\"/usr/bin/nvidia-ctk\","
    "\"args\":[\"nvidia-ctk\",\"hook\",\"update-ldcache\"],\"timeout\":5}],"
    "\"mounts\":[{\"hostPath\":\"/h/libcuda.so.1\",\"containerPath\":\"/usr/lib/libcuda.so.1\","
    "\"options\":[\"ro\",\"nosuid\",\"nodev\",\"rbind\",\"rprivate\"]}]}}";

static const char nvidia_yaml[] =
    "cdiVersion: 0.5.0\n"
    "kind: nvidia.com/gpu\n"
    "devices:\n"
    "- name: \"0\"\n"
    "  containerEdits:\n"
    "    deviceNodes:\n"
    "    - {path: /dev/nvidia0, hostPath: /h/nvidia0, type: c, major: "
    "195, minor: 0}\n"
    "- name: all\n"
    "  containerEdits:\n"
    "    deviceNodes:\n"
    "    - path: /dev/nvidia0\n"
    "      type: c\n"
    "      major: 195\n"
    "      minor: 0\n"
    "containerEdits:\n"
    "  env: [NVIDIA_VISIBLE_DEVICES=void]\n"
    "  hooks:\n"
    "  - hookName: createContainer\n"
    "    path: /usr/bin/nvidia-ctk\n"
    "    args: [nvidia-ctk, hook, update-ldcache]\n"
    "    timeout: 5\n"
    "  mounts:\n"
    "  - hostPath: /h/libcuda.so.1\n"
    "    containerPath: /usr/lib/libcuda.so.1\n"
    "    options: [ro, nosuid, nodev, rbind, rprivate]\n";

static void check_nvidia_model(const struct cdi_spec *s)
{
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_STR(s->version, "0.5.0");
	CHECK_STR(s->kind, "nvidia.com/gpu");
	CHECK_INT(s->n_devices, 2);
	CHECK_STR(s->devices[0].name, "0");
	CHECK_STR(s->devices[1].name, "all");
	CHECK_INT(s->devices[0].edits.n_nodes, 1);
	CHECK_STR(s->devices[0].edits.nodes[0].path, "/dev/nvidia0");
	CHECK_STR(s->devices[0].edits.nodes[0].host_path, "/h/nvidia0");
	CHECK_INT(s->devices[0].edits.nodes[0].major, 195);
	CHECK_INT(s->edits.n_env, 1);
	CHECK_STR(s->edits.env[0], "NVIDIA_VISIBLE_DEVICES=void");
	CHECK_INT(s->edits.n_hooks, 1);
	CHECK_STR(s->edits.hooks[0].hook_name, "createContainer");
	CHECK_INT(s->edits.hooks[0].n_args, 3);
	CHECK_STR(s->edits.hooks[0].args[2], "update-ldcache");
	CHECK(s->edits.hooks[0].has_timeout && s->edits.hooks[0].timeout == 5);
	CHECK_INT(s->edits.n_mounts, 1);
	CHECK_INT(s->edits.mounts[0].n_options, 5);
	CHECK_STR(s->edits.mounts[0].options[4], "rprivate");
}

static void test_parse_json_and_yaml(void)
{
	struct cdi_spec *j = parse(nvidia_json, false, NULL);
	struct cdi_spec *y = parse(nvidia_yaml, true, NULL);
	check_nvidia_model(j);
	check_nvidia_model(y);
	cdi_spec_free(j);
	cdi_spec_free(y);
}

static void test_field_errors(void)
{
	CHECK_ERR("{\"cdiVersion\":\"0.5.0\",\"kind\":\"v.com/c\",\"devices\":[{\"name\":\"d\","
		  "\"containerEdits\":{\"deviceNodes\":[{\"type\":\"c\"}]}}]}",
		  false, "t.spec: devices[0].containerEdits.deviceNodes[0].path: required");
	CHECK_ERR("cdiVersion: 0.5.0\nkind: v.com/c\ndevices:\n- name: d\n  containerEdits:\n"
		  "    deviceNodes:\n    - {path: /dev/x, major: abc}\n",
		  true,
		  "t.spec: devices[0].containerEdits.deviceNodes[0].major: expected an integer in "
		  "[0, 4095]");
	CHECK_ERR("cdiVersion: 0.5.0\nkind: v.com/c\ndevices:\n- name: d\n  containerEdits:\n"
		  "    hooks:\n    - {hookName: preStart, path: /bin/true}\n",
		  true,
		  "t.spec: devices[0].containerEdits.hooks[0].hookName: unknown hook name (want "
		  "prestart, createRuntime, createContainer, startContainer, poststart or "
		  "poststop)");
	CHECK_ERR("cdiVersion: 0.5.0\nkind: v.com/c\ndevices:\n- name: d\n  containerEdits:\n"
		  "    env: [NOVALUE]\n",
		  true, "t.spec: devices[0].containerEdits.env[0]: expected KEY=VALUE");
	CHECK_ERR("cdiVersion: 0.5.0\nkind: v.com/c\ndevices: []\n", true,
		  "t.spec: devices: at least one device is required");
	CHECK_ERR("cdiVersion: 0.5.0\nkind: v.com/c\ndevices:\n- name: d\n  containerEdits: {}\n"
		  "- name: d\n  containerEdits: {}\n",
		  true, "t.spec: devices[1].name: \"d\" defined twice");
	CHECK_ERR("cdiVersion: 0.5.0\nkind: [x\n", true,
		  "t.spec: line 3: did not find expected ',' or ']'");
	CHECK_ERR("{\"cdiVersion\": 5}", false, "t.spec: cdiVersion: expected a string");
}

static void test_names(void)
{
	CHECK_ERR("cdiVersion: 0.5.0\nkind: v.com/c\ndevices:\n- name: -d\n  containerEdits: {}\n",
		  true,
		  "t.spec: devices[0].name: device name \"-d\" must start with a letter or digit");
	CHECK_ERR("cdiVersion: 0.5.0\nkind: v.com/c.\ndevices:\n- name: d\n  containerEdits: {}\n",
		  true, "t.spec: kind: class \"c.\" must end with a letter or digit");
	CHECK_ERR("cdiVersion: 0.5.0\nkind: 1v.com/c\ndevices:\n- name: d\n  containerEdits: {}\n",
		  true, "t.spec: kind: vendor \"1v.com\" must start with a letter");
	CHECK_ERR("cdiVersion: 0.5.0\nkind: vcom\ndevices:\n- name: d\n  containerEdits: {}\n",
		  true, "t.spec: kind: \"vcom\" is not vendor.com/class");
	CHECK(cdi_parse_qualified("nvidia.com/gpu=0", NULL) == 0);
	CHECK(cdi_parse_qualified("nvidia.com/gpu=MIG-1:0", NULL) == 0);
	struct cap_error *e = NULL;
	CHECK(cdi_parse_qualified("nvidia.com/gpu", &e) < 0);
	CHECK_STR(e ? e->msg : NULL, "\"nvidia.com/gpu\" is not a CDI device name "
				     "(vendor.com/class=name)");
	cap_error_free(e);
	e = NULL;
	CHECK(cdi_parse_qualified("nvidia.com/gpu=a b", &e) < 0);
	CHECK_STR(e ? e->msg : NULL, "CDI device \"nvidia.com/gpu=a b\": device name \"a b\": "
				     "invalid character ' '");
	cap_error_free(e);
}

static void test_versions(void)
{
	const char *hd = "kind: v.com/c\ndevices:\n- name: d\n  containerEdits:\n";
	char buf[1024];
	snprintf(buf, sizeof(buf),
		 "cdiVersion: 0.3.0\n%s    deviceNodes: [{path: /dev/x, "
		 "hostPath: /dev/null}]\n",
		 hd);
	CHECK_ERR(buf, true,
		  "t.spec: devices[0].containerEdits.deviceNodes[0].hostPath: needs cdiVersion "
		  "0.5.0 or later (cdiVersion is \"0.3.0\")");
	snprintf(buf, sizeof(buf),
		 "cdiVersion: 0.4.0\n%s    deviceNodes: [{path: /dev/x, "
		 "hostPath: /dev/null}]\n",
		 hd);
	CHECK_ERR(buf, true,
		  "t.spec: devices[0].containerEdits.deviceNodes[0].hostPath: needs cdiVersion "
		  "0.5.0 or later (cdiVersion is \"0.4.0\")");
	snprintf(buf, sizeof(buf),
		 "cdiVersion: 0.5.0\n%s    deviceNodes: [{path: /dev/x, "
		 "hostPath: /dev/null}]\n",
		 hd);
	CHECK_ERR(buf, true, "");
	snprintf(buf, sizeof(buf),
		 "cdiVersion: 0.3.0\n%s    mounts: [{hostPath: /a, "
		 "containerPath: /b, type: bind}]\n",
		 hd);
	CHECK_ERR(buf, true,
		  "t.spec: devices[0].containerEdits.mounts[0].type: needs cdiVersion 0.4.0 or "
		  "later (cdiVersion is \"0.3.0\")");
	snprintf(buf, sizeof(buf), "cdiVersion: 0.6.0\n%s    additionalGids: [44]\n", hd);
	CHECK_ERR(buf, true,
		  "t.spec: devices[0].containerEdits.additionalGids: needs cdiVersion 0.7.0 or "
		  "later (cdiVersion is \"0.6.0\")");
	snprintf(buf, sizeof(buf), "cdiVersion: 1.0.0\n%s    netDevices: [{name: eth1}]\n", hd);
	CHECK_ERR(buf, true,
		  "t.spec: devices[0].containerEdits.netDevices: needs cdiVersion 1.1.0 or later "
		  "(cdiVersion is \"1.0.0\")");
	snprintf(buf, sizeof(buf), "cdiVersion: 1.1.0\n%s    netDevices: [{name: eth1}]\n", hd);
	CHECK_ERR(buf, true, "");
	snprintf(buf, sizeof(buf), "cdiVersion: 0.5.0\nannotations: {a: b}\n%s    env: [A=1]\n",
		 hd);
	CHECK_ERR(buf, true,
		  "t.spec: annotations: needs cdiVersion 0.6.0 or later (cdiVersion is \"0.5.0\")");
	CHECK_ERR("cdiVersion: 0.4.0\nkind: v.com/c\ndevices:\n- name: '0'\n  containerEdits: "
		  "{}\n",
		  true,
		  "t.spec: devices[0].name (starts with a digit): needs cdiVersion 0.5.0 or later "
		  "(cdiVersion is \"0.4.0\")");
	CHECK_ERR("cdiVersion: 0.5.0\nkind: v.com/c.x\ndevices:\n- name: d\n  containerEdits: "
		  "{}\n",
		  true,
		  "t.spec: kind (a '.' in the class): needs cdiVersion 0.6.0 or later (cdiVersion "
		  "is \"0.5.0\")");
	CHECK_ERR("cdiVersion: 2.0.0\nkind: v.com/c\ndevices:\n- name: d\n  containerEdits: {}\n",
		  true, "t.spec: cdiVersion: unsupported version \"2.0.0\" (want 0.3.0 to 1.1.0)");
	CHECK_ERR("cdiVersion: 0.2.0\nkind: v.com/c\ndevices:\n- name: d\n  containerEdits: {}\n",
		  true, "t.spec: cdiVersion: unsupported version \"0.2.0\" (want 0.3.0 to 1.1.0)");
}

/* Billion laughs: aliases must not expand without bound. */
static void test_yaml_bomb(void)
{
	char buf[4096] = "a: &a [x,x,x,x,x,x,x,x,x,x]\n";
	for (char c = 'b'; c <= 'j'; c++) {
		char line[128];
		snprintf(line, sizeof(line), "%c: &%c [*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c]\n",
			 c, c, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1,
			 c - 1);
		strcat(buf, line);
	}
	char *m = parse_error(buf, true);
	CHECK(strstr(m, "too deep or too large") != NULL);
	free(m);
}

static struct spec *base_spec(void)
{
	static const char cfg[] =
	    "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
	    "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":1000,\"gid\":100},"
	    "\"env\":[\"PATH=/bin\",\"NVIDIA_VISIBLE_DEVICES=all\"]},"
	    "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	    "{\"destination\":\"/usr/lib/libcuda.so.1\",\"type\":\"bind\",\"source\":\"/old\","
	    "\"options\":[\"bind\"]}],"
	    "\"linux\":{\"devices\":[{\"path\":\"/dev/nvidia0\",\"type\":\"c\",\"major\":195,"
	    "\"minor\":0}]}}";
	return spec_parse(cfg, strlen(cfg), NULL);
}

static void test_apply(void)
{
	struct spec *s = base_spec();
	struct cdi_spec *c = parse(nvidia_json, false, NULL);
	CHECK(s && c);
	if (!s || !c)
		return;
	for (int round = 0; round < 2; round++) { /* idempotent */
		CHECK(cdi_apply_edits(s, &c->edits, NULL) == 0);
		CHECK(cdi_apply_edits(s, &c->devices[0].edits, NULL) == 0);
		cdi_sort_mounts(s);
	}
	CHECK_INT(s->process.n_env, 2);
	CHECK_STR(s->process.env[1], "NVIDIA_VISIBLE_DEVICES=void");
	CHECK(s->process.env[2] == NULL);
	CHECK_INT(s->linux_.n_devices, 1);
	struct spec_device *d = &s->linux_.devices[0];
	CHECK_STR(d->host_path, "/h/nvidia0");
	CHECK(d->type == 'c' && d->major == 195 && d->minor == 0);
	CHECK(d->has_uid && d->uid == 1000 && d->has_gid && d->gid == 100);
	CHECK_INT(s->linux_.resources.n_devices, 1);
	CHECK(s->linux_.resources.present);
	CHECK_STR(s->linux_.resources.devices[0].access, "rwm");
	CHECK_INT(s->n_mounts, 2);
	CHECK_STR(s->mounts[0].destination, "/proc");
	CHECK_STR(s->mounts[1].source, "/h/libcuda.so.1");
	CHECK_INT(s->mounts[1].n_options, 5);
	CHECK_INT(s->hooks.count[HOOK_CREATE_CONTAINER], 2); /* hooks are appended each time */
	CHECK_STR(s->hooks.list[HOOK_CREATE_CONTAINER][0].args[1], "hook");
	spec_free(s);
	cdi_spec_free(c);
}

/* Type, major and minor come from stat(hostPath); permissions make the rule. */
static void test_apply_stat_and_rules(void)
{
	struct spec *s = base_spec();
	struct cdi_spec *c = parse("cdiVersion: 0.7.0\nkind: v.com/c\ndevices:\n- name: d\n"
				   "  containerEdits:\n    additionalGids: [44, 0, 44]\n"
				   "    deviceNodes:\n    - {path: /dev/mynull, hostPath: "
				   "/dev/null, permissions: rw}\n    mounts:\n"
				   "    - {hostPath: /a, containerPath: /a/b/c}\n"
				   "    - {hostPath: /a, containerPath: /x}\n",
				   true, NULL);
	CHECK(s && c);
	if (!s || !c)
		return;
	CHECK(cdi_apply_edits(s, &c->devices[0].edits, NULL) == 0);
	cdi_sort_mounts(s);
	struct spec_device *d = &s->linux_.devices[1];
	CHECK(d->type == 'c' && d->major == 1 && d->minor == 3);
	CHECK(d->has_file_mode && d->file_mode == 0666);
	CHECK_STR(s->linux_.resources.devices[0].access, "rw");
	CHECK_INT(s->process.user.n_additional_gids, 1);
	CHECK_INT(s->process.user.additional_gids[0], 44);
	CHECK_STR(s->mounts[0].destination, "/proc");
	CHECK_STR(s->mounts[1].destination, "/x");
	CHECK_STR(s->mounts[1].type, "bind");
	CHECK_STR(s->mounts[2].destination, "/usr/lib/libcuda.so.1");
	CHECK_STR(s->mounts[3].destination, "/a/b/c");
	cdi_spec_free(c);
	c = parse("cdiVersion: 0.7.0\nkind: v.com/c\ndevices:\n- name: d\n  containerEdits:\n"
		  "    deviceNodes: [{path: /dev/nope, hostPath: /nonexistent/dev}]\n"
		  "- name: r\n  containerEdits:\n    intelRdt: {closID: x}\n",
		  true, NULL);
	struct cap_error *e = NULL;
	CHECK(c && cdi_apply_edits(s, &c->devices[0].edits, &e) < 0);
	CHECK_STR(e ? e->msg : NULL,
		  "deviceNodes /dev/nope: stat /nonexistent/dev: No such file or directory");
	cap_error_free(e);
	e = NULL;
	CHECK(c && cdi_apply_edits(s, &c->devices[1].edits, &e) < 0);
	CHECK_STR(e ? e->msg : NULL,
		  "intelRdt: not supported by capsule (see `capsule features`): Operation not "
		  "supported");
	cap_error_free(e);
	cdi_spec_free(c);
	spec_free(s);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_registry(void)
{
	char tmpl[] = "/tmp/capsule-cdi-XXXXXX";
	char *t = mkdtemp(tmpl);
	CHECK(t != NULL);
	if (!t)
		return;
	char d1[256], d2[256];
	snprintf(d1, sizeof(d1), "%s/etc", t);
	snprintf(d2, sizeof(d2), "%s/run", t);
	mkdir(d1, 0755);
	mkdir(d2, 0755);
	write_file(d1, "a.yaml",
		   "cdiVersion: 0.5.0\nkind: v.com/c\ndevices:\n- name: d\n"
		   "  containerEdits: {env: [WHO=etc]}\n- name: e\n"
		   "  containerEdits: {env: [E=1]}\n");
	write_file(d2, "b.json",
		   "{\"cdiVersion\":\"0.5.0\",\"kind\":\"v.com/c\",\"devices\":"
		   "[{\"name\":\"d\",\"containerEdits\":{\"env\":[\"WHO=run\"]}}]}");
	write_file(d2, "ignored.txt", "not a spec");
	const char *dirs[] = {d1, d2, "/nonexistent-cdi-dir"};
	struct cap_error *e = NULL;
	struct cdi_registry *r = cdi_registry_load(dirs, 3, &e);
	CHECK(r != NULL);
	if (r) {
		CHECK_INT(cdi_registry_count(r), 2);
		const char *name, *file;
		cdi_registry_device(r, 0, &name, &file);
		CHECK_STR(name, "v.com/c=d");
		CHECK(strstr(file, "/run/b.json") != NULL); /* the later dir wins */
		struct spec *s = base_spec();
		const char *want[] = {"v.com/c=d", "v.com/c=e"};
		CHECK(cdi_inject(r, want, 2, s, NULL) == 0);
		CHECK_STR(s->process.env[2], "WHO=run");
		CHECK_STR(s->process.env[3], "E=1");
		const char *unknown[] = {"v.com/c=zz"};
		CHECK(cdi_inject(r, unknown, 1, s, &e) < 0);
		CHECK_STR(e ? e->msg : NULL, "unresolvable CDI device v.com/c=zz: no spec in the "
					     "CDI spec dirs defines it");
		cap_error_free(e);
		e = NULL;
		spec_free(s);
		cdi_registry_free(r);
	}
	/* Two files of one dir defining one device: an error naming both. */
	write_file(d1, "c.json",
		   "{\"cdiVersion\":\"0.5.0\",\"kind\":\"v.com/c\",\"devices\":"
		   "[{\"name\":\"e\",\"containerEdits\":{}}]}");
	r = cdi_registry_load(dirs, 3, &e);
	CHECK(r == NULL);
	char want[1024];
	snprintf(want, sizeof(want),
		 "CDI device v.com/c=e is defined both in %s/a.yaml and in "
		 "%s/c.json",
		 d1, d1);
	CHECK_STR(e ? e->msg : NULL, want);
	cap_error_free(e);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t);
	CHECK(system(cmd) == 0);
}

static void test_ldcache(void)
{
	struct ldcache_entry *v = NULL;
	size_t n = 0;
	if (access("/etc/ld.so.cache", R_OK) != 0)
		return;
	CHECK(gpu_ldcache_read("/etc/ld.so.cache", &v, &n, NULL) == 0);
	bool libc = false;
	for (size_t i = 0; i < n; i++)
		libc |= strcmp(v[i].soname, "libc.so.6") == 0 && v[i].path[0] == '/';
	CHECK(libc);
	gpu_ldcache_free(v, n);
	struct cap_error *e = NULL;
	CHECK(gpu_ldcache_read("/etc/hostname", &v, &n, &e) < 0);
	cap_error_free(e);
}

int main(void)
{
	test_parse_json_and_yaml();
	test_field_errors();
	test_names();
	test_versions();
	test_yaml_bomb();
	test_apply();
	test_apply_stat_and_rules();
	test_registry();
	test_ldcache();
	return UNIT_DONE();
}
