/* memory/: parsers of the kernel files, the annotation and limit checks, the
 * controller's step rule and state, the host status over a fake tree, the JSON. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../memory/memory.h"
#include "unit.h"

static void test_u64_or_max(void)
{
	uint64_t v = 0;
	CHECK_INT(mem_parse_u64_or_max("1234\n", &v), 0);
	CHECK_INT(v, 1234);
	CHECK_INT(mem_parse_u64_or_max("max\n", &v), 0);
	CHECK(v == MEM_MAX);
	CHECK_INT(mem_parse_u64_or_max("", &v), -1);
	CHECK_INT(mem_parse_u64_or_max("12k", &v), -1);
	CHECK_INT(mem_parse_u64_or_max("-1", &v), -1);
	CHECK_INT(mem_parse_u64_or_max("maximum", &v), -1);
	CHECK_INT(mem_parse_u64_or_max(NULL, &v), -1);
}

static void test_keyed(void)
{
	const char *stat = "anon 4096\nfile 8192\nkernel 100\nshmem 0\nanon_thp 0\n";
	uint64_t v = 0;
	CHECK(mem_parse_keyed(stat, "anon", &v));
	CHECK_INT(v, 4096);
	CHECK(mem_parse_keyed(stat, "file", &v));
	CHECK_INT(v, 8192);
	CHECK(mem_parse_keyed(stat, "shmem", &v));
	CHECK_INT(v, 0);
	CHECK(!mem_parse_keyed(stat, "file_mapped", &v)); /* a prefix is not a key */
	CHECK(!mem_parse_keyed(stat, "anon_", &v));
	const char *ev = "low 0\nhigh 12\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n";
	CHECK(mem_parse_keyed(ev, "oom", &v));
	CHECK_INT(v, 1);
	CHECK(mem_parse_keyed(ev, "high", &v));
	CHECK_INT(v, 12);
	/* /proc/<pid>/ksm_stat (6.12): profit may be negative */
	const char *ksm = "ksm_rmap_items 512\nksm_zero_pages 0\nksm_merging_pages 300\n"
			  "ksm_process_profit -20480\nksm_merge_any: yes\nksm_mergeable: yes\n";
	int64_t p = 0;
	CHECK(mem_parse_keyed(ksm, "ksm_merging_pages", &v));
	CHECK_INT(v, 300);
	CHECK(mem_parse_keyed_i64(ksm, "ksm_process_profit", &p));
	CHECK_INT(p, -20480);
	CHECK(!mem_parse_keyed(NULL, "x", &v));
}

static void test_psi(void)
{
	struct mem_psi p;
	CHECK_INT(mem_parse_psi("some avg10=1.50 avg60=0.25 avg300=0.00 total=123456\n"
				"full avg10=0.75 avg60=0.10 avg300=0.00 total=6543\n",
				&p),
		  0);
	CHECK(p.present && p.has_full);
	CHECK(p.some.avg10 > 1.49 && p.some.avg10 < 1.51);
	CHECK(p.some.avg60 > 0.24 && p.some.avg60 < 0.26);
	CHECK_INT(p.some.total, 123456);
	CHECK(p.full.avg10 > 0.74 && p.full.avg10 < 0.76);
	CHECK_INT(p.full.total, 6543);
	/* the host's cpu.pressure style: no full line */
	CHECK_INT(mem_parse_psi("some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", &p), 0);
	CHECK(p.present && !p.has_full);
	CHECK_INT(mem_parse_psi("garbage\n", &p), -1);
	CHECK(!p.present);
	CHECK_INT(mem_parse_psi("some avg10=1.00\n", &p), -1); /* truncated */
	CHECK_INT(mem_parse_psi(NULL, &p), -1);
}

static void test_meminfo(void)
{
	const char *mi = "MemTotal:        2014856 kB\nMemFree:         1500000 kB\n"
			 "MemAvailable:    1700000 kB\nSwapTotal:       1048572 kB\n"
			 "HugePages_Total:       0\n";
	uint64_t v = 0;
	CHECK(mem_parse_meminfo(mi, "MemTotal", &v));
	CHECK_INT(v, 2014856ull * 1024);
	CHECK(mem_parse_meminfo(mi, "SwapTotal", &v));
	CHECK_INT(v, 1048572ull * 1024);
	CHECK(mem_parse_meminfo(mi, "HugePages_Total", &v));
	CHECK_INT(v, 0);
	CHECK(!mem_parse_meminfo(mi, "Mem", &v));
	CHECK(!mem_parse_meminfo(mi, "SwapFree", &v));
}

static void test_zram(void)
{
	char *a = mem_parse_comp_algorithm("lzo lzo-rle [lz4] zstd\n");
	CHECK_STR(a, "lz4");
	free(a);
	a = mem_parse_comp_algorithm("zstd\n");
	CHECK_STR(a, "zstd");
	free(a);
	CHECK(mem_parse_comp_algorithm(NULL) == NULL);
	uint64_t o = 0, c = 0, u = 0;
	CHECK_INT(
	    mem_parse_zram_mm_stat("  8388608  2097152  2359296        0  2359296      0      0"
				   "        0        0\n",
				   &o, &c, &u),
	    0);
	CHECK_INT(o, 8388608);
	CHECK_INT(c, 2097152);
	CHECK_INT(u, 2359296);
	CHECK_INT(mem_parse_zram_mm_stat("12 x", &o, &c, &u), -1);
}

static void test_swaps(void)
{
	struct mem_swap_dev *d;
	size_t n;
	struct cap_error *e = NULL;
	CHECK_INT(
	    mem_parse_swaps("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
			    "/dev/zram0                              partition\t1048572\t\t1024"
			    "\t\t100\n"
			    "/swap\\040file                             file\t\t2048\t\t0\t\t-2\n",
			    &d, &n, &e),
	    0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(d[0].name, "/dev/zram0");
		CHECK_STR(d[0].type, "partition");
		CHECK_INT(d[0].size, 1048572ull * 1024);
		CHECK_INT(d[0].used, 1024ull * 1024);
		CHECK_INT(d[0].priority, 100);
		CHECK_STR(d[1].name, "/swap\\040file");
		CHECK_INT(d[1].priority, -2);
	}
	mem_swaps_free(d, n);
	CHECK_INT(mem_parse_swaps("Filename Type Size Used Priority\n", &d, &n, &e), 0);
	CHECK_INT(n, 0);
	mem_swaps_free(d, n);
	cap_error_free(e);
}

static struct cap_error *opts_err(const char *key, const char *value, struct mem_opts *o)
{
	struct spec_kv kv[] = {{(char *)"other", (char *)"x"}, {(char *)key, (char *)value}};
	struct cap_error *e = NULL;
	mem_opts_from_annotations(kv, 2, o, &e);
	return e;
}

static void test_opts(void)
{
	struct mem_opts o;
	struct cap_error *e = opts_err(MEM_ANNOTATION_KSM, "true", &o);
	CHECK(!e && o.ksm && !o.reclaim_auto);
	e = opts_err(MEM_ANNOTATION_RECLAIM, "auto", &o);
	CHECK(!e && o.reclaim_auto && !o.has_psi_target);
	e = opts_err(MEM_ANNOTATION_KSM, "yes", &o);
	CHECK(e && strstr(e->msg, "org.capsule.memory.ksm") && strstr(e->msg, "\"yes\""));
	cap_error_free(e);
	e = opts_err(MEM_ANNOTATION_RECLAIM, "always", &o);
	CHECK(e && strstr(e->msg, "org.capsule.memory.reclaim"));
	cap_error_free(e);
	e = opts_err("org.capsule.memory.kms", "true", &o); /* a typo is not ignored */
	CHECK(e && strstr(e->msg, "org.capsule.memory.kms: unknown"));
	cap_error_free(e);
	/* psi-target alone means nothing: say so */
	e = opts_err(MEM_ANNOTATION_PSI_TARGET, "5", &o);
	CHECK(e && strstr(e->msg, "needs org.capsule.memory.reclaim=auto"));
	cap_error_free(e);
	struct spec_kv both[] = {{(char *)MEM_ANNOTATION_RECLAIM, (char *)"auto"},
				 {(char *)MEM_ANNOTATION_PSI_TARGET, (char *)"0.5"}};
	e = NULL;
	CHECK_INT(mem_opts_from_annotations(both, 2, &o, &e), 0);
	CHECK(o.has_psi_target && o.psi_target > 0.49 && o.psi_target < 0.51);
	static const char *const bad[] = {"0", "-1", "101", "abc", "", "1e400", "nan", "5%"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		both[1].value = (char *)bad[i];
		e = NULL;
		CHECK_INT(mem_opts_from_annotations(both, 2, &o, &e), -1);
		CHECK(e && strstr(e->msg, "org.capsule.memory.psi-target: invalid value"));
		cap_error_free(e);
	}
	/* a long value is quoted shortened */
	char longv[1000];
	memset(longv, 'a', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	e = opts_err(MEM_ANNOTATION_KSM, longv, &o);
	CHECK(e && strlen(e->msg) < 400);
	cap_error_free(e);
}

static void test_resources(void)
{
	struct spec_resources r;
	memset(&r, 0, sizeof(r));
	struct cap_error *e = NULL;
	CHECK_INT(mem_validate_resources(NULL, &e), 0);
	r.memory.limit = (struct spec_opt_i64){true, 64 << 20};
	r.memory.swap = (struct spec_opt_i64){true, 32 << 20};
	CHECK_INT(mem_validate_resources(&r, &e), -1);
	CHECK(e && strstr(e->msg, "linux.resources.memory.swap") && strstr(e->msg, "memory+swap"));
	cap_error_free(e);
	e = NULL;
	r.memory.swap.v = 128 << 20;
	CHECK_INT(mem_validate_resources(&r, &e), 0);
	r.memory.swap.v = -2;
	CHECK_INT(mem_validate_resources(&r, &e), -1);
	cap_error_free(e);
	e = NULL;
	r.memory.swap.v = -1;
	struct spec_kv u[] = {{(char *)"memory.zswap.max", (char *)"16M"},
			      {(char *)"memory.zswap.writeback", (char *)"1"}};
	r.unified = u;
	r.n_unified = 2;
	CHECK_INT(mem_validate_resources(&r, &e), -1);
	CHECK(e && strstr(e->msg, "memory.zswap.max") && strstr(e->msg, "\"16M\""));
	cap_error_free(e);
	e = NULL;
	u[0].value = (char *)"max";
	CHECK_INT(mem_validate_resources(&r, &e), 0);
	u[0].value = (char *)"16777216";
	u[1].value = (char *)"yes";
	CHECK_INT(mem_validate_resources(&r, &e), -1);
	CHECK(e && strstr(e->msg, "memory.zswap.writeback") && strstr(e->msg, "0 or 1"));
	cap_error_free(e);
}

static void test_step(void)
{
	double s = 0;
	const uint64_t cur = 100ull << 20;
	/* no pressure: starts at the minimum step, grows to the maximum */
	uint64_t a = mem_reclaim_step(0, 1.0, cur, 0, &s);
	CHECK_INT(a, cur / 100);
	uint64_t b = mem_reclaim_step(0, 1.0, cur, 0, &s);
	CHECK(b > a);
	for (int i = 0; i < 10; i++)
		b = mem_reclaim_step(0, 1.0, cur, 0, &s);
	CHECK_INT(b, (uint64_t)(cur * MEM_STEP_MAX_PCT / 100));
	/* pressure near the target: smaller steps */
	uint64_t c = mem_reclaim_step(0.9, 1.0, cur, 0, &s);
	CHECK(c > 0 && c < b / 5);
	/* over the target: nothing, and the step halves */
	s = 4.0;
	CHECK_INT(mem_reclaim_step(1.5, 1.0, cur, 0, &s), 0);
	CHECK(s > 1.99 && s < 2.01);
	/* twice the target: stop */
	CHECK_INT(mem_reclaim_step(2.0, 1.0, cur, 0, &s), 0);
	CHECK(s == 0);
	/* never below the floor (memory.low/min) */
	s = MEM_STEP_MAX_PCT;
	CHECK_INT(mem_reclaim_step(0, 1.0, cur, cur - (1 << 20), &s), 1 << 20);
	CHECK_INT(mem_reclaim_step(0, 1.0, cur, cur, &s), 0);
	CHECK_INT(mem_reclaim_step(0, 1.0, cur, cur + 1, &s), 0);
	/* refaults above 0.5% of memory.current mean the working set is reached */
	CHECK(!mem_refaulting(0, cur));
	CHECK(!mem_refaulting(cur / 1000, cur));
	CHECK(mem_refaulting(cur / 100, cur));
	/* tiny cgroups: not worth a write */
	s = 0;
	CHECK_INT(mem_reclaim_step(0, 1.0, 1 << 20, 0, &s), 0);
}

#define SEC 1000000000ull

/* One round of the controller at time t (seconds). */
static uint64_t ctl_round(struct mem_ctl *c, double psi, uint64_t cur, uint64_t refault, unsigned t,
			  enum mem_ctl_why *why)
{
	struct mem_ctl_in in = {psi, 1.0, cur, 0, refault, t * SEC};
	return mem_ctl_decide(c, &in, why);
}

static void test_control(void)
{
	const uint64_t cur = 100ull << 20;
	struct mem_ctl c = {0};
	enum mem_ctl_why why;
	unsigned t = 0;
	/* probing: steps while PSI stays low, a good yield keeps it going */
	for (; t < 5; t++) {
		uint64_t a = ctl_round(&c, 0, cur, 0, t, &why);
		CHECK(a > 0 && why == MEM_WHY_NONE);
		CHECK_INT(mem_ctl_done(&c, a, a, false, cur - a, t * SEC), MEM_WHY_NONE);
	}
	/* PSI at the target: nothing for MEM_PSI_HOLD_S, then the smallest step */
	CHECK_INT(ctl_round(&c, 1.0, cur, 0, t, &why), 0);
	CHECK_INT(why, MEM_WHY_PSI);
	CHECK_INT(ctl_round(&c, 0, cur, 0, t + MEM_PSI_HOLD_S - 1, &why), 0);
	CHECK_INT(why, MEM_WHY_NONE);
	t += MEM_PSI_HOLD_S;
	CHECK_INT(ctl_round(&c, 0, cur, 0, t, &why), cur / 100);
	/* refaults: the hot set is reached, it settles for MEM_HOLD_MIN_S */
	CHECK_INT(ctl_round(&c, 0, cur, cur / 100, ++t, &why), 0);
	CHECK_INT(why, MEM_WHY_REFAULT);
	CHECK_INT(c.phase, MEM_CTL_SETTLED);
	unsigned settled = t;
	for (t++; t < settled + MEM_HOLD_MIN_S; t++) {
		CHECK_INT(ctl_round(&c, 0, cur, 0, t, &why), 0);
		CHECK_INT(why, MEM_WHY_NONE);
	}
	/* the hold ends: one small probe; it yields little: settles again, twice as long */
	uint64_t a = ctl_round(&c, 0, cur, 0, t, &why);
	CHECK_INT(a, cur / 100);
	CHECK_INT(mem_ctl_done(&c, a, a / 10, false, cur, t * SEC), MEM_WHY_YIELD);
	CHECK(c.hold_ns == 2 * MEM_HOLD_MIN_S * SEC);
	CHECK_INT(ctl_round(&c, 0, cur, 0, t + 2 * MEM_HOLD_MIN_S - 1, &why), 0);
	/* EAGAIN also settles; the hold never passes MEM_HOLD_MAX_S */
	for (int i = 0; i < 10; i++) {
		t += (unsigned)(c.hold_ns / SEC);
		a = ctl_round(&c, 0, cur, 0, t, &why);
		CHECK(a > 0);
		CHECK_INT(mem_ctl_done(&c, a, a, true, cur, t * SEC), MEM_WHY_YIELD);
	}
	CHECK(c.hold_ns == MEM_HOLD_MAX_S * SEC);
	/* settled, but the container grew by more than a tenth: probe again */
	CHECK_INT(ctl_round(&c, 0, cur + cur / 20, 0, ++t, &why), 0);
	CHECK(ctl_round(&c, 0, cur + cur / 5, 0, ++t, &why) > 0);
	/* clean steps after that reset the hold to the minimum at the next settle */
	for (int i = 0; i < MEM_CLEAN_STEPS + 1; i++) {
		a = ctl_round(&c, 0, cur, 0, ++t, &why);
		CHECK(a > 0);
		mem_ctl_done(&c, a, a, false, cur, t * SEC);
	}
	CHECK_INT(ctl_round(&c, 0, cur, cur, ++t, &why), 0);
	CHECK_INT(why, MEM_WHY_REFAULT);
	CHECK(c.hold_ns == MEM_HOLD_MIN_S * SEC);
	/* refaults with PSI over the target: settles all the same (not a 5 s backoff) */
	t += MEM_HOLD_MIN_S;
	CHECK(ctl_round(&c, 0, cur, 0, t, &why) > 0);
	CHECK_INT(ctl_round(&c, 30.0, cur, cur, ++t, &why), 0);
	CHECK_INT(why, MEM_WHY_REFAULT);
	CHECK_INT(c.phase, MEM_CTL_SETTLED);
	/* PSI while settled: reported, the hold is kept */
	CHECK_INT(ctl_round(&c, 5.0, cur, 0, ++t, &why), 0);
	CHECK_INT(why, MEM_WHY_PSI);
	CHECK_INT(c.phase, MEM_CTL_SETTLED);
}

static void test_smaps_idle(void)
{
	uint64_t b = 1;
	CHECK_INT(mem_parse_smaps_idle("55d0a000-7ffc0000 ---p 00000000 00:00 0 [rollup]\n"
				       "Rss:               32768 kB\n"
				       "Pss:               20480 kB\n"
				       "Referenced:         8192 kB\n"
				       "Anonymous:         32768 kB\n",
				       &b),
		  0);
	CHECK(b == 24576ull << 10);
	/* merged pages are shared with other cgroups: never counted idle */
	CHECK_INT(mem_parse_smaps_idle("Rss: 32768 kB\nReferenced: 8192 kB\nKSM: 16384 kB\n", &b),
		  0);
	CHECK(b == 8192ull << 10);
	CHECK_INT(mem_parse_smaps_idle("Rss: 32768 kB\nReferenced: 8192 kB\nKSM: 30000 kB\n", &b),
		  0);
	CHECK(b == 0);
	/* everything referenced (or more, as the two lines are read apart) */
	CHECK_INT(mem_parse_smaps_idle("Rss: 100 kB\nReferenced: 120 kB\n", &b), 0);
	CHECK(b == 0);
	CHECK_INT(mem_parse_smaps_idle("Rss: 100 kB\n", &b), -1);
	CHECK_INT(mem_parse_smaps_idle("Referenced: 1 kB\n", &b), -1);
	CHECK_INT(mem_parse_smaps_idle("", &b), -1);
	CHECK_INT(mem_parse_smaps_idle(NULL, &b), -1);
	/* page cache nobody maps */
	CHECK(mem_parse_unmapped_file("anon 100\nfile 8192\nkernel 5\nfile_mapped 4096\n") == 4096);
	CHECK(mem_parse_unmapped_file("file 4096\nfile_mapped 8192\n") == 0);
	CHECK(mem_parse_unmapped_file("file_mapped 8192\n") == 0);
	CHECK(mem_parse_unmapped_file("file 12288\n") == 12288);
	CHECK(mem_parse_unmapped_file(NULL) == 0);
}

/* Gated: no probe without idle memory, and none takes more than was idle. */
static void test_control_gated(void)
{
	const uint64_t cur = 100ull << 20, window = 20 * SEC;
	struct mem_ctl c = {0};
	enum mem_ctl_why why;
	unsigned t = 1;
	mem_ctl_gate(&c);
	CHECK_INT(c.phase, MEM_CTL_IDLE);
	CHECK(!mem_ctl_idle_due(&c, window, t * SEC + window)); /* bits not cleared yet */
	c.idle_from_ns = t * SEC; /* as the watch does when it clears them */
	/* the first window: no reclaim, the measurement is due after it */
	for (; t < 21; t++) {
		CHECK_INT(ctl_round(&c, 0, cur, 0, t, &why), 0);
		CHECK_INT(why, MEM_WHY_NONE);
		CHECK(!mem_ctl_idle_due(&c, window, t * SEC));
	}
	CHECK(mem_ctl_idle_due(&c, window, t * SEC));
	/* 2.5 MiB idle: each step is capped by what is left of it, and the
	 * probe ends with less than a huge page left */
	CHECK_INT(mem_ctl_idle(&c, 5 << 19, cur, t * SEC), MEM_WHY_NONE);
	CHECK_INT(c.phase, MEM_CTL_PROBE);
	uint64_t a = ctl_round(&c, 0, cur, 0, ++t, &why);
	CHECK(a == cur / 100); /* the step: 1% of 100 MiB */
	CHECK_INT(mem_ctl_done(&c, a, a, false, cur, t * SEC), MEM_WHY_NONE);
	CHECK(c.budget == (5 << 19) - a);
	CHECK_INT(ctl_round(&c, 0, cur, 0, ++t, &why), 0);
	CHECK_INT(why, MEM_WHY_IDLE);
	CHECK_INT(c.phase, MEM_CTL_SETTLED);
	/* a budget smaller than the step caps it */
	CHECK_INT(mem_ctl_idle(&c, 5 << 20, cur, t * SEC), MEM_WHY_NONE);
	c.step_pct = MEM_STEP_MAX_PCT;
	a = ctl_round(&c, 0, cur, 0, ++t, &why);
	CHECK(a == 5 << 20);
	CHECK_INT(mem_ctl_done(&c, a, 4 << 20, false, cur, t * SEC), MEM_WHY_NONE);
	CHECK_INT(ctl_round(&c, 0, cur, 0, ++t, &why), 0);
	CHECK_INT(why, MEM_WHY_IDLE);
	CHECK_INT(c.phase, MEM_CTL_SETTLED);
	CHECK(c.idle_from_ns == 0); /* the watch clears the bits: the hold is the next window */
	c.idle_from_ns = t * SEC;
	/* the hold ends: measure first, no probe in that round */
	uint64_t hold = c.hold_ns;
	t += (unsigned)(hold / SEC) - 1;
	CHECK_INT(ctl_round(&c, 0, cur, 0, t++, &why), 0);
	CHECK_INT(c.phase, MEM_CTL_SETTLED);
	CHECK_INT(ctl_round(&c, 0, cur, 0, t, &why), 0);
	CHECK_INT(c.phase, MEM_CTL_IDLE);
	CHECK(mem_ctl_idle_due(&c, window, t * SEC));
	/* nothing went cold (less than a huge page): no probe, a hold twice as long */
	CHECK_INT(mem_ctl_idle(&c, (2 << 20) - 4096, cur, t * SEC), MEM_WHY_IDLE);
	CHECK_INT(c.phase, MEM_CTL_SETTLED);
	CHECK(c.hold_ns == 2 * hold);
	c.idle_from_ns = t * SEC;
	/* it grew: the new memory was just touched, so a new window first */
	CHECK_INT(ctl_round(&c, 0, cur + cur / 5, 0, ++t, &why), 0);
	CHECK_INT(c.phase, MEM_CTL_IDLE);
	CHECK(c.idle_from_ns == 0);
	CHECK(!mem_ctl_idle_due(&c, window, t * SEC));
	/* refaults during a gated probe still settle it */
	c.idle_from_ns = t * SEC;
	t += 20;
	CHECK_INT(mem_ctl_idle(&c, 50 << 20, cur, t * SEC), MEM_WHY_NONE);
	CHECK(ctl_round(&c, 0, cur, 0, ++t, &why) > 0);
	CHECK_INT(ctl_round(&c, 0, cur, cur / 100, ++t, &why), 0);
	CHECK_INT(why, MEM_WHY_REFAULT);
	/* ungated (the bits cannot be cleared): plain senpai from IDLE on */
	mem_ctl_gate(&c);
	mem_ctl_ungate(&c);
	CHECK_INT(c.phase, MEM_CTL_PROBE);
	CHECK(ctl_round(&c, 0, cur, 0, ++t, &why) > 0);
	CHECK_INT(strcmp(mem_ctl_why_name(MEM_WHY_IDLE), "idle"), 0);
}

static void put(const char *root, const char *path, const char *text)
{
	char p[512], cmd[600];
	snprintf(p, sizeof(p), "%s%s", root, path);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", p);
	if (system(cmd) != 0)
		return;
	FILE *f = fopen(p, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_host(void)
{
	char root[] = "/tmp/capsule-memtest-XXXXXX";
	if (!mkdtemp(root)) {
		CHECK(!"mkdtemp");
		return;
	}
	put(root, "/proc/meminfo",
	    "MemTotal: 1000 kB\nMemFree: 500 kB\nMemAvailable: 600 kB\n"
	    "SwapTotal: 100 kB\nSwapFree: 100 kB\n");
	put(root, "/proc/swaps",
	    "Filename Type Size Used Priority\n/dev/zram0 partition 100 0 100\n");
	put(root, "/sys/block/zram0/comp_algorithm", "lzo [zstd]\n");
	put(root, "/sys/block/zram0/disksize", "102400\n");
	put(root, "/sys/block/zram0/mm_stat", "4096 1024 8192 0 8192 0 0 0 0\n");
	put(root, "/sys/block/loop0/size", "0\n");
	put(root, "/sys/kernel/mm/ksm/run", "1\n");
	put(root, "/sys/kernel/mm/ksm/pages_sharing", "42\n");
	put(root, "/sys/kernel/mm/ksm/pages_shared", "2\n");
	put(root, "/sys/kernel/mm/ksm/general_profit", "-4096\n");
	put(root, "/proc/pressure/memory",
	    "some avg10=0.00 avg60=0.00 avg300=0.00 total=5\n"
	    "full avg10=0.00 avg60=0.00 avg300=0.00 total=1\n");
	struct mem_host_status h;
	struct cap_error *e = NULL;
	CHECK_INT(mem_host_status(root, &h, &e), 0);
	CHECK_INT(h.mem_total.v, 1000 * 1024);
	CHECK_INT(h.n_swaps, 1);
	CHECK_INT(h.n_zram, 1);
	if (h.n_zram == 1) {
		CHECK_STR(h.zram[0].algorithm, "zstd");
		CHECK_INT(h.zram[0].disksize, 102400);
		CHECK_INT(h.zram[0].mem_used, 8192);
	}
	CHECK(h.has_ksm && h.ksm_run == 1 && h.ksm_pages_sharing == 42);
	CHECK_INT(h.ksm_general_profit, -4096);
	CHECK(!h.has_zswap); /* no /sys/module/zswap in the tree */
	CHECK_INT(h.n_unavailable, 1);
	CHECK_STR(h.n_unavailable ? h.unavailable[0] : NULL, "zswap");
	CHECK_INT(h.psi.some.total, 5);
	/* the JSON: null + "unavailable" for what is missing */
	struct mem_container_status c;
	memset(&c, 0, sizeof(c));
	c.id = "c1";
	c.current = (struct mem_val){true, 1 << 20};
	c.max = (struct mem_val){true, MEM_MAX};
	c.unavailable[c.n_unavailable++] = "swap";
	char *j = mem_status_json(&c, 1, &h);
	CHECK(j && strstr(j, "\"current\":1048576"));
	CHECK(j && strstr(j, "\"max\":\"max\""));
	CHECK(j && strstr(j, "\"swap\":{\"current\":null,\"max\":null}"));
	CHECK(j && strstr(j, "\"zswap\":null"));
	CHECK(j && strstr(j, "\"unavailable\":[\"swap\"]"));
	CHECK(j && strstr(j, "\"unavailable\":[\"zswap\"]"));
	CHECK(j && strstr(j, "\"general_profit\":-4096"));
	CHECK(j && strstr(j, "\"ratio\":4.00"));
	free(j);
	mem_host_status_free(&h);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CHECK_INT(system(cmd), 0);
}

int main(void)
{
	test_u64_or_max();
	test_keyed();
	test_psi();
	test_meminfo();
	test_zram();
	test_swaps();
	test_opts();
	test_resources();
	test_step();
	test_control();
	test_control_gated();
	test_smaps_idle();
	test_host();
	return UNIT_DONE();
}
