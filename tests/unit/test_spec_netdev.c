/* runtime-spec 1.3 linux.netDevices and linux.intelRdt parsing
 * (runtime/spec_netdev.c, runtime/spec_linux.c): every field, and the exact
 * one-line errors callers see.  JSON uses single quotes (q() swaps them). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../oci/spec.h"
#include "unit.h"

static char *linux_cfg(const char *ns, const char *extra)
{
	char *s = NULL;
	if (asprintf(&s,
		     "{'ociVersion': '1.3.0', 'root': {'path': 'rootfs'}, 'linux': "
		     "{'namespaces': [{'type': 'mount'}%s], %s}}",
		     ns, extra) < 0)
		abort();
	for (char *c = s; *c; c++)
		if (*c == '\'')
			*c = '"';
	return s;
}

#define NEWNET ", {'type': 'network'}"

static struct spec *parse(const char *ns, const char *extra, struct cap_error **err)
{
	char *j = linux_cfg(ns, extra);
	struct spec *s = spec_parse(j, strlen(j), err);
	free(j);
	return s;
}

static void err_at(const char *ns, const char *extra, const char *want, int line)
{
	struct cap_error *err = NULL;
	struct spec *s = parse(ns, extra, &err);
	int good = !s && err && err->msg && strcmp(err->msg, want) == 0;
	unit_result(good, __FILE__, line, want);
	if (!good)
		fprintf(stderr, "     got \"%s\"\n",
			s     ? "(parsed)"
			: err ? err->msg
			      : "(no error)");
	spec_free(s);
	cap_error_free(err);
}
#define ERR(ns, extra, want) err_at((ns), (extra), (want), __LINE__)

static void test_net_devices(void)
{
	struct cap_error *err = NULL;
	struct spec *s = parse(
	    NEWNET, "'netDevices': {'eth1': {'name': 'ctr0'}, 'eth2': {}, 'eth3': {'name': ''}}",
	    &err);
	CHECK(s != NULL);
	if (s) {
		const struct spec_linux *l = &s->linux_;
		CHECK_INT(l->n_net_devices, 3);
		CHECK_STR(l->net_devices[0].host_name, "eth1");
		CHECK_STR(l->net_devices[0].name, "ctr0");
		/* no name, or "": the host's name */
		CHECK_STR(l->net_devices[1].name, "eth2");
		CHECK_STR(l->net_devices[2].name, "eth3");
	}
	spec_free(s);
	s = parse(NEWNET, "'netDevices': {}", &err);
	CHECK(s && s->linux_.n_net_devices == 0);
	spec_free(s);
	cap_error_free(err);

	const char *rule = " is not a valid interface name (1 to 15 bytes, not \".\" or \"..\", "
			   "no '/', ':' or spaces)";
	char want[256];
	snprintf(want, sizeof(want), "linux.netDevices[\"eth1\"].name: name \"a/b\"%s", rule);
	ERR(NEWNET, "'netDevices': {'eth1': {'name': 'a/b'}}", want);
	snprintf(want, sizeof(want), "linux.netDevices[\"eth1\"].name: name \"0123456789abcdef\"%s",
		 rule);
	ERR(NEWNET, "'netDevices': {'eth1': {'name': '0123456789abcdef'}}", want);
	snprintf(want, sizeof(want), "linux.netDevices[\"..\"]: host interface \"..\"%s", rule);
	ERR(NEWNET, "'netDevices': {'..': {}}", want);
	snprintf(want, sizeof(want), "linux.netDevices[\"a b\"]: host interface \"a b\"%s", rule);
	ERR(NEWNET, "'netDevices': {'a b': {}}", want);
	snprintf(want, sizeof(want), "linux.netDevices[\"eth1\"].name: name \"x:1\"%s", rule);
	ERR(NEWNET, "'netDevices': {'eth1': {'name': 'x:1'}}", want);
	/* 15 bytes is the most IFNAMSIZ leaves */
	s = parse(NEWNET, "'netDevices': {'eth1': {'name': '0123456789abcde'}}", &err);
	CHECK(s != NULL);
	spec_free(s);

	ERR(NEWNET, "'netDevices': {'lo': {}}",
	    "linux.netDevices[\"lo\"]: the loopback interface cannot leave its namespace");
	ERR(NEWNET, "'netDevices': {'eth1': {'name': 'lo'}}",
	    "linux.netDevices[\"eth1\"].name: \"lo\" is the container's loopback interface");
	ERR(NEWNET, "'netDevices': {'eth1': {'name': 'x'}, 'eth2': {'name': 'x'}}",
	    "linux.netDevices[\"eth2\"]: renamed like another (\"x\" in the container)");
	ERR(NEWNET, "'netDevices': {'eth1': {}, 'eth2': {'name': 'eth1'}}",
	    "linux.netDevices[\"eth2\"]: renamed like another (\"eth1\" in the container)");
	ERR(NEWNET, "'netDevices': {'eth1': {}, 'eth1': {}}",
	    "linux.netDevices[\"eth1\"]: listed twice (\"eth1\" in the container)");
	ERR(NEWNET, "'netDevices': {'eth1': 'ctr0'}",
	    "linux.netDevices[\"eth1\"]: expected an object, got a string");
	ERR(NEWNET, "'netDevices': {'eth1': {'name': 3}}",
	    "linux.netDevices[\"eth1\"].name: expected a string, got a number");
	ERR(NEWNET, "'netDevices': ['eth1']", "linux.netDevices: expected an object, got an array");
	ERR("", "'netDevices': {'eth1': {}}",
	    "linux.netDevices: needs a new network namespace (a \"network\" entry without a "
	    "path in linux.namespaces)");
	ERR(", {'type': 'network', 'path': '/run/netns/x'}", "'netDevices': {'eth1': {}}",
	    "linux.netDevices: needs a new network namespace, but linux.namespaces joins "
	    "\"/run/netns/x\"");
}

static void test_intel_rdt(void)
{
	struct cap_error *err = NULL;
	struct spec *s = parse("",
			       "'intelRdt': {'closID': 'gold', 'l3CacheSchema': 'L3:0=7f0',"
			       " 'memBwSchema': 'MB:0=20', 'schemata': ['L2:0=f', 'L3CODE:0=ff'],"
			       " 'enableMonitoring': true}",
			       &err);
	CHECK(s != NULL);
	if (s) {
		const struct spec_intel_rdt *r = &s->linux_.intel_rdt;
		CHECK(r->present);
		CHECK_STR(r->clos_id, "gold");
		CHECK_INT(r->n_schemata, 2);
		CHECK_STR(r->schemata[1], "L3CODE:0=ff");
		CHECK(r->enable_monitoring);
	}
	spec_free(s);
	s = parse("", "'intelRdt': {}", &err);
	CHECK(s && s->linux_.intel_rdt.present && !s->linux_.intel_rdt.enable_monitoring &&
	      !s->linux_.intel_rdt.clos_id);
	spec_free(s);
	cap_error_free(err);

	ERR("", "'intelRdt': {'closID': '../x'}",
	    "linux.intelRdt.closID: \"../x\" is not a valid group name (one path component)");
	ERR("", "'intelRdt': {'closID': '..'}",
	    "linux.intelRdt.closID: \"..\" is not a valid group name (one path component)");
	ERR("", "'intelRdt': {'closID': ''}",
	    "linux.intelRdt.closID: \"\" is not a valid group name (one path component)");
	ERR("", "'intelRdt': {'schemata': ['L3:0=f\\nMB:0=1']}",
	    "linux.intelRdt.schemata[0]: one line per entry (no newline)");
	ERR("", "'intelRdt': {'schemata': 'L3:0=f'}",
	    "linux.intelRdt.schemata: expected an array, got a string");
	ERR("", "'intelRdt': {'enableMonitoring': 'yes'}",
	    "linux.intelRdt.enableMonitoring: expected a boolean, got a string");
}

int main(void)
{
	test_net_devices();
	test_intel_rdt();
	return UNIT_DONE();
}
