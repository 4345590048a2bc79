/* runtime/resctrl.c against a temp directory laid out like resctrl (the
 * kernel's files stand in as plain files): which group is made or joined,
 * the schemata lines and their order, tasks, mon_groups, the record and
 * what release removes. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/file.h"
#include "../../runtime/resctrl.h"
#include "unit.h"

static char root[64], state[64];
static int state_fd = -1;

static char *slurp(const char *dir, const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	struct cap_error *e = NULL;
	char *s = cap_read_file_at(AT_FDCWD, path, NULL, &e);
	cap_error_free(e);
	return s;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void fresh_tree(void)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", root, state);
	if (root[0] && system(cmd) != 0)
		abort();
	strcpy(root, "/tmp/capsule-resctrl-XXXXXX");
	strcpy(state, "/tmp/capsule-rstate-XXXXXX");
	if (!mkdtemp(root) || !mkdtemp(state))
		abort();
	char p[128];
	snprintf(p, sizeof(p), "%s/info", root);
	mkdir(p, 0755);
	if (state_fd >= 0)
		close(state_fd);
	state_fd = open(state, O_RDONLY | O_DIRECTORY);
}

static int apply(const struct spec_intel_rdt *r, struct cap_error **err)
{
	return resctrl_apply(root, "ctr1", 4242, r, state_fd, err);
}

static int warnings;
static void count_warning(const char *msg)
{
	(void)msg;
	warnings++;
}

/* A group capsule makes: named after the container, schemata in order. */
static void test_new_group(void)
{
	fresh_tree();
	char *sch[] = {"L2:0=f", "L3CODE:0=ff", NULL};
	struct spec_intel_rdt r = {.l3_cache_schema = "L3:0=7f0;1=1f\nMB:0=10",
				   .mem_bw_schema = "MB:0=20",
				   .schemata = sch,
				   .n_schemata = 2,
				   .present = true};
	struct cap_error *err = NULL;
	CHECK_INT(apply(&r, &err), 0);
	char g[128];
	snprintf(g, sizeof(g), "%s/ctr1", root);
	char *s = slurp(g, "schemata"), *t = slurp(g, "tasks"), *rec = slurp(state, "resctrl");
	/* l3CacheSchema's MB: line gives way to memBwSchema; schemata[] last */
	CHECK_STR(s, "L3:0=7f0;1=1f\nMB:0=20\nL2:0=f\nL3CODE:0=ff\n");
	CHECK_STR(t, "4242\n");
	char want[256];
	snprintf(want, sizeof(want), "%s\n1\n\n", g);
	CHECK_STR(rec, want);
	free(s);
	free(t);
	free(rec);
	cap_error_free(err);

	/* release: the container is gone (the kernel's files with it here) */
	char p[320];
	snprintf(p, sizeof(p), "%s/schemata", g);
	unlink(p);
	snprintf(p, sizeof(p), "%s/tasks", g);
	unlink(p);
	warnings = 0;
	resctrl_release(state_fd, count_warning);
	struct stat st;
	CHECK(stat(g, &st) < 0);
	CHECK(faccessat(state_fd, "resctrl", F_OK, 0) < 0);
	CHECK_INT(warnings, 0);
}

/* closID names an existing group: joined, schemata rewritten, kept at
 * release; monitoring: mon_groups/<id>, made and removed. */
static void test_existing_group_monitoring(void)
{
	fresh_tree();
	char g[128], p[320];
	snprintf(g, sizeof(g), "%s/gold", root);
	mkdir(g, 0755);
	snprintf(p, sizeof(p), "%s/mon_groups", g);
	mkdir(p, 0755);
	struct spec_intel_rdt r = {.clos_id = "gold",
				   .mem_bw_schema = "MB:0=30",
				   .enable_monitoring = true,
				   .present = true};
	struct cap_error *err = NULL;
	CHECK_INT(apply(&r, &err), 0);
	char *s = slurp(g, "schemata");
	CHECK_STR(s, "MB:0=30\n");
	free(s);
	char mon[256];
	snprintf(mon, sizeof(mon), "%s/mon_groups/ctr1", g);
	char *t = slurp(mon, "tasks"), *own = slurp(g, "tasks");
	CHECK_STR(t, "4242\n"); /* the monitoring group's, not the CLOS group's */
	CHECK(own == NULL);
	free(t);
	free(own);
	char *rec = slurp(state, "resctrl");
	char want[512];
	snprintf(want, sizeof(want), "%s\n0\n%s\n", g, mon);
	CHECK_STR(rec, want);
	free(rec);
	cap_error_free(err);

	snprintf(p, sizeof(p), "%s/tasks", mon);
	unlink(p);
	warnings = 0;
	resctrl_release(state_fd, count_warning);
	struct stat st;
	CHECK(stat(mon, &st) < 0);
	CHECK(stat(g, &st) == 0); /* not ours */
	CHECK_INT(warnings, 0);
}

/* closID with nothing to write: the group must exist. */
static void test_join_only(void)
{
	fresh_tree();
	struct spec_intel_rdt r = {.clos_id = "silver", .present = true};
	struct cap_error *err = NULL;
	CHECK_INT(apply(&r, &err), -1);
	char want[256];
	snprintf(want, sizeof(want),
		 "linux.intelRdt.closID: no resctrl group %s/silver (with no schemata given, the "
		 "group must exist)",
		 root);
	CHECK_STR(err ? err->msg : NULL, want);
	cap_error_free(err);
	err = NULL;
	CHECK(faccessat(state_fd, "resctrl", F_OK, 0) < 0); /* nothing made, nothing recorded */

	char g[128];
	snprintf(g, sizeof(g), "%s/silver", root);
	mkdir(g, 0755);
	CHECK_INT(apply(&r, &err), 0);
	char *s = slurp(g, "schemata"), *t = slurp(g, "tasks");
	CHECK(s == NULL); /* never written */
	CHECK_STR(t, "4242\n");
	free(s);
	free(t);
	cap_error_free(err);
}

/* A group capsule made that another task joined meanwhile stays. */
static void test_shared_group_kept(void)
{
	fresh_tree();
	struct spec_intel_rdt r = {
	    .clos_id = "shared", .l3_cache_schema = "L3:0=f", .present = true};
	struct cap_error *err = NULL;
	CHECK_INT(apply(&r, &err), 0);
	char g[128], p[320];
	snprintf(g, sizeof(g), "%s/shared", root);
	snprintf(p, sizeof(p), "%s/tasks", g);
	put(p, "777\n");
	resctrl_release(state_fd, count_warning);
	struct stat st;
	CHECK(stat(g, &st) == 0);
	cap_error_free(err);
}

/* A refused write names the line and the kernel's reason. */
static void test_refused_line(void)
{
	fresh_tree();
	char g[128], p[320];
	snprintf(g, sizeof(g), "%s/ctr1", root);
	mkdir(g, 0755);
	snprintf(p, sizeof(p), "%s/schemata", g);
	if (symlink("/dev/full", p) < 0) /* every write fails */
		abort();
	snprintf(p, sizeof(p), "%s/info/last_cmd_status", root);
	put(p, "unknown resource\n");
	struct spec_intel_rdt r = {.mem_bw_schema = "XX:0=1", .present = true};
	struct cap_error *err = NULL;
	CHECK_INT(apply(&r, &err), -1);
	char want[256];
	snprintf(want, sizeof(want),
		 "linux.intelRdt: write \"XX:0=1\" to %s/schemata: unknown resource: No space left "
		 "on device",
		 g);
	CHECK_STR(err ? err->msg : NULL, want);
	cap_error_free(err);
}

int main(void)
{
	test_new_group();
	test_existing_group_monitoring();
	test_join_only();
	test_shared_group_kept();
	test_refused_line();
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", root, state);
	if (system(cmd) != 0)
		return 1;
	return UNIT_DONE();
}
