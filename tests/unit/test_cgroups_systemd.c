/* The pure parts of the systemd cgroup driver: cgroupsPath parsing, the
 * resource -> unit property mapping (runc's numbers), the AllowedCPUs
 * bitmask, device rules -> DeviceAllow, and org.systemd.property.* values. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "../../cgroups/internal.h"

static void test_path(void)
{
	struct cg_sd_unit u;
	struct cap_error *e = NULL;
	CHECK(cg_sd_parse_path(NULL, "abc", false, &u, NULL) == 0);
	CHECK_STR(u.slice, "system.slice");
	CHECK_STR(u.unit, "capsule-abc.scope");
	CHECK(cg_sd_parse_path("", "abc", true, &u, NULL) == 0);
	CHECK_STR(u.slice, "user.slice");
	/* containerd's CRI form */
	CHECK(cg_sd_parse_path("kubepods-besteffort-pod1.slice:cri-containerd:0123", "x", false, &u,
			       NULL) == 0);
	CHECK_STR(u.slice, "kubepods-besteffort-pod1.slice");
	CHECK_STR(u.unit, "cri-containerd-0123.scope");
	CHECK(cg_sd_parse_path("machine.slice::foo", "x", false, &u, NULL) == 0);
	CHECK_STR(u.unit, "foo.scope");
	CHECK(cg_sd_parse_path("system.slice:p:sub.slice", "x", false, &u, NULL) == 0);
	CHECK_STR(u.unit, "sub.slice");
	CHECK(cg_sd_parse_path("/a/b", "x", false, &u, &e) < 0);
	CHECK(e && strstr(e->msg, "slice:prefix:name"));
	cap_error_free(e), e = NULL;
	CHECK(cg_sd_parse_path("a:b:c:d", "x", false, &u, NULL) < 0);
	CHECK(cg_sd_parse_path("system.slice:p:", "x", false, &u, NULL) < 0);
	CHECK(cg_sd_parse_path("notaslice:p:n", "x", false, &u, &e) < 0);
	CHECK(e && strstr(e->msg, "must end in \".slice\""));
	cap_error_free(e), e = NULL;
	CHECK(cg_sd_parse_path("system.slice:p:a/b", "x", false, &u, NULL) < 0);
	char longname[400];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	char p[450];
	snprintf(p, sizeof(p), "::%s", longname);
	CHECK(cg_sd_parse_path(p, "x", false, &u, NULL) < 0);
}

static void test_cpuset(void)
{
	uint8_t *b = NULL;
	size_t n = 0;
	CHECK(cg_sd_cpuset_bits("0-3", &b, &n, NULL) == 0);
	CHECK_INT(n, 1);
	CHECK_INT(b[0], 0x0f);
	free(b);
	CHECK(cg_sd_cpuset_bits("1,8-9,17", &b, &n, NULL) == 0);
	CHECK_INT(n, 3);
	CHECK_INT(b[0], 0x02);
	CHECK_INT(b[1], 0x03);
	CHECK_INT(b[2], 0x02);
	free(b);
	CHECK(cg_sd_cpuset_bits("3-1", &b, &n, NULL) < 0);
	free(b), b = NULL;
	CHECK(cg_sd_cpuset_bits("a", &b, &n, NULL) < 0);
	free(b), b = NULL;
}

static void test_quota(void)
{
	CHECK(cg_sd_quota_per_sec(50000, 100000) == 500000);
	CHECK(cg_sd_quota_per_sec(50000, 0) == 500000);	     /* default period */
	CHECK(cg_sd_quota_per_sec(12345, 100000) == 130000); /* rounded up to 10 ms */
	CHECK(cg_sd_quota_per_sec(-1, 100000) == UINT64_MAX);
}

static uint64_t u64_of(const struct cg_sd_props *p, const char *name)
{
	const struct cg_sd_prop *x = cg_sd_props_get(p, name);
	return x ? x->u : 0xdead;
}

static void test_resources(void)
{
	struct spec_kv unified[] = {
	    {"memory.high", "400000"}, {"memory.min", "max"}, {"io.max", "8:0 rbps=1"}};
	struct spec_resources r = {.present = true};
	r.memory.limit.set = true, r.memory.limit.v = 1 << 20;
	r.memory.swap.set = true, r.memory.swap.v = 3 << 20;
	r.memory.reservation.set = true, r.memory.reservation.v = 1000;
	r.cpu.shares.set = true, r.cpu.shares.v = 1024;
	r.cpu.quota.set = true, r.cpu.quota.v = 25000;
	r.cpu.period.set = true, r.cpu.period.v = 50000;
	r.cpu.cpus = "0-1";
	r.pids.set = true, r.pids.limit = 42;
	r.block_io.weight.set = true, r.block_io.weight.v = 1000;
	r.unified = unified, r.n_unified = 3;
	struct cg_sd_props p = {0};
	CHECK(cg_sd_resource_props(&r, &p, NULL) == 0);
	CHECK(u64_of(&p, "MemoryMax") == 1 << 20);
	CHECK(u64_of(&p, "MemorySwapMax") == 2 << 20);
	CHECK(u64_of(&p, "MemoryLow") == 1000);
	CHECK(u64_of(&p, "MemoryHigh") == 400000);
	CHECK(u64_of(&p, "MemoryMin") == UINT64_MAX);
	CHECK(u64_of(&p, "CPUWeight") == 39);
	CHECK(u64_of(&p, "CPUQuotaPerSecUSec") == 500000);
	CHECK(u64_of(&p, "CPUQuotaPeriodUSec") == 50000);
	CHECK(u64_of(&p, "TasksMax") == 42);
	CHECK(u64_of(&p, "IOWeight") == 10000);
	const struct cg_sd_prop *cpus = cg_sd_props_get(&p, "AllowedCPUs");
	CHECK(cpus && cpus->n_bytes == 1 && cpus->bytes[0] == 3 && !strcmp(cpus->sig, "ay"));
	CHECK(!cg_sd_props_get(&p, "io.max"));
	CHECK(cg_sd_props_remove(&p, "TasksMax"));
	CHECK(!cg_sd_props_get(&p, "TasksMax"));
	CHECK(!cg_sd_props_remove(&p, "TasksMax"));
	cg_sd_props_free(&p);

	/* -1 means unlimited; pids 0 sets nothing (runc) */
	struct spec_resources u = {.present = true};
	u.memory.limit.set = true, u.memory.limit.v = -1;
	u.pids.set = true, u.pids.limit = 0;
	CHECK(cg_sd_resource_props(&u, &p, NULL) == 0);
	CHECK(u64_of(&p, "MemoryMax") == UINT64_MAX);
	CHECK(u64_of(&p, "MemorySwapMax") == UINT64_MAX);
	CHECK(!cg_sd_props_get(&p, "TasksMax"));
	cg_sd_props_free(&p);

	struct spec_kv bad[] = {{"memory.max", "lots"}};
	struct spec_resources b = {.unified = bad, .n_unified = 1};
	CHECK(cg_sd_resource_props(&b, &p, NULL) < 0);
	cg_sd_props_free(&p);
}

static bool has_pair(const struct cg_sd_prop *x, const char *a, const char *b)
{
	for (size_t i = 0; x && i + 1 < x->n_strv; i += 2)
		if (!strcmp(x->strv[i], a) && !strcmp(x->strv[i + 1], b))
			return true;
	return false;
}

static void test_devices(void)
{
	struct cg_sd_props p = {0};
	/* the usual spec: deny all, then runc's defaults */
	struct spec_device_cgroup deny = {.allow = false, .type = 'a', .access = "rwm"};
	struct spec_resources r = {.devices = &deny, .n_devices = 1};
	CHECK(cg_sd_device_props(&r, &p, NULL) == 0);
	const struct cg_sd_prop *pol = cg_sd_props_get(&p, "DevicePolicy");
	CHECK(pol && !strcmp(pol->s, "strict"));
	const struct cg_sd_prop *al = cg_sd_props_get(&p, "DeviceAllow");
	CHECK(has_pair(al, "/dev/char/1:3", "rwm"));
	CHECK(has_pair(al, "char-*", "m"));
	CHECK(has_pair(al, "block-*", "m"));
	CHECK(has_pair(al, "char-pts", "rwm")); /* 136:* by its /proc/devices group */
	/* linux.devices nodes are only created: no grant of their own */
	CHECK(!has_pair(al, "/dev/char/10:229", "rwm"));
	cg_sd_props_free(&p);

	/* allow all -> auto, no list */
	struct spec_device_cgroup all = {.allow = true, .type = 'a', .access = "rwm"};
	struct spec_resources ra = {.devices = &all, .n_devices = 1};
	CHECK(cg_sd_device_props(&ra, &p, NULL) == 0);
	CHECK(!strcmp(cg_sd_props_get(&p, "DevicePolicy")->s, "strict") == false);
	CHECK(cg_sd_props_get(&p, "DeviceAllow")->n_strv == 0);
	cg_sd_props_free(&p);
}

static void test_annotations(void)
{
	struct cg_sd_props p = {0};
	struct cap_error *e = NULL;
	CHECK(cg_sd_annotation_prop("TimeoutStopUSec", "uint64 123456789", &p, NULL) == 0);
	const struct cg_sd_prop *x = cg_sd_props_get(&p, "TimeoutStopUSec");
	CHECK(x && !strcmp(x->sig, "t") && x->u == 123456789);
	CHECK(cg_sd_annotation_prop("CollectMode", "'inactive-or-failed'", &p, NULL) == 0);
	x = cg_sd_props_get(&p, "CollectMode");
	CHECK(x && !strcmp(x->sig, "s") && !strcmp(x->s, "inactive-or-failed"));
	CHECK(cg_sd_annotation_prop("CPUQuotaPeriodUSec", "@t 20000", &p, NULL) == 0);
	CHECK(cg_sd_props_get(&p, "CPUQuotaPeriodUSec")->u == 20000);
	CHECK(cg_sd_annotation_prop("Delegate", "true", &p, NULL) == 0);
	x = cg_sd_props_get(&p, "Delegate");
	CHECK(x && !strcmp(x->sig, "b") && x->u == 1);
	CHECK(cg_sd_annotation_prop("Nice", "5", &p, NULL) == 0);
	x = cg_sd_props_get(&p, "Nice");
	CHECK(x && !strcmp(x->sig, "i") && x->i == 5);
	CHECK(cg_sd_annotation_prop("After", "['a.service', \"b.service\"]", &p, NULL) == 0);
	x = cg_sd_props_get(&p, "After");
	CHECK(x && !strcmp(x->sig, "as") && x->n_strv == 2 && !strcmp(x->strv[1], "b.service"));
	CHECK(cg_sd_annotation_prop("Weight", "uint32 -1", &p, NULL) < 0);
	CHECK(cg_sd_annotation_prop("Weight", "byte 256", &p, NULL) < 0);
	CHECK(!cg_sd_props_get(&p, "Weight"));
	CHECK(cg_sd_annotation_prop("Bad", "'unterminated", &p, &e) < 0);
	CHECK(e && strstr(e->msg, "org.systemd.property.Bad"));
	cap_error_free(e), e = NULL;
	CHECK(cg_sd_annotation_prop("lowercase", "1", &p, NULL) < 0);
	CHECK(cg_sd_annotation_prop("Has.Dot", "1", &p, NULL) < 0);
	cg_sd_props_free(&p);
}

int main(void)
{
	test_path();
	test_cpuset();
	test_quota();
	test_resources();
	test_devices();
	test_annotations();
	return UNIT_DONE();
}
