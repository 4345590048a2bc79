/* runtime/mount_options.c: OCI mount options -> flags, propagation,
 * mount_setattr attributes and the data string.  Pure logic, no privileges. */
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "unit.h"
#include "../../oci/mount_options.h"

#define OPTS(...)                                                                                  \
	((char *[]){__VA_ARGS__, NULL}), (sizeof((char *[]){__VA_ARGS__}) / sizeof(char *))

static struct mount_opts o;

static int parse(const char *type, char **opts, size_t n)
{
	struct cap_error *err = NULL;
	int rc = oci_mount_options_parse(type, opts, n, &o, &err);
	cap_error_free(err);
	return rc;
}

static void test_flags_and_data(void)
{
	CHECK(parse("tmpfs", OPTS("nosuid", "strictatime", "mode=755", "size=65536k")) == 0);
	CHECK(o.flags == (MS_NOSUID | MS_STRICTATIME));
	CHECK(strcmp(o.data, "mode=755,size=65536k") == 0);
	CHECK(o.n_propagation == 0 && !o.tmpcopyup && !o.idmap);

	CHECK(parse("devpts", OPTS("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620",
				   "gid=5")) == 0);
	CHECK(o.flags == (MS_NOSUID | MS_NOEXEC));
	CHECK(strcmp(o.data, "newinstance,ptmxmode=0666,mode=0620,gid=5") == 0);

	CHECK(parse("proc", NULL, 0) == 0);
	CHECK(o.flags == 0 && o.data[0] == '\0');
}

static void test_clear_and_order(void)
{
	CHECK(parse("tmpfs", OPTS("ro", "rw", "nodev", "dev", "exec")) == 0);
	CHECK(o.flags == 0);
	CHECK(o.cleared == (MS_RDONLY | MS_NODEV | MS_NOEXEC));
	CHECK(parse("tmpfs", OPTS("rw", "ro")) == 0);
	CHECK(o.flags == MS_RDONLY && !(o.cleared & MS_RDONLY));
}

static void test_bind(void)
{
	CHECK(parse("bind", OPTS("ro")) == 0);
	CHECK(o.flags == (MS_BIND | MS_RDONLY));
	CHECK(parse("none", OPTS("rbind", "nosuid")) == 0);
	CHECK(o.flags == (MS_BIND | MS_REC | MS_NOSUID));
	CHECK(parse(NULL, OPTS("bind")) == 0);
	CHECK(o.flags == MS_BIND);
}

static void test_propagation(void)
{
	CHECK(parse("bind", OPTS("rbind", "rprivate", "shared")) == 0);
	CHECK(o.n_propagation == 2);
	CHECK(o.propagation[0] == (MS_PRIVATE | MS_REC) && o.propagation[1] == MS_SHARED);
	CHECK(!(o.flags & (MS_PRIVATE | MS_SHARED)));
	CHECK(parse("bind", OPTS("shared", "slave", "private", "unbindable", "rshared")) < 0);
}

static void test_recursive(void)
{
	CHECK(parse("bind", OPTS("rbind", "rro", "rnosuid", "rexec")) == 0);
	CHECK(o.attr_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID));
	CHECK(o.attr_clr == MOUNT_ATTR_NOEXEC);
	CHECK(o.flags == (MS_BIND | MS_REC));
	/* An atime mode in attr_set needs MOUNT_ATTR__ATIME in attr_clr. */
	CHECK(parse("bind", OPTS("rbind", "rnoatime")) == 0);
	CHECK(o.attr_set == MOUNT_ATTR_NOATIME && o.attr_clr == MOUNT_ATTR__ATIME);
	CHECK(parse("bind", OPTS("rbind", "rro", "rrw")) == 0);
	CHECK(o.attr_set == 0 && o.attr_clr == MOUNT_ATTR_RDONLY);
}

static void test_extras(void)
{
	CHECK(parse("tmpfs", OPTS("tmpcopyup", "mode=700")) == 0);
	CHECK(o.tmpcopyup && strcmp(o.data, "mode=700") == 0);
	CHECK(parse("bind", OPTS("bind", "idmap")) == 0);
	CHECK(o.idmap && !o.ridmap);
	CHECK(parse("bind", OPTS("rbind", "ridmap")) == 0);
	CHECK(o.ridmap && !o.idmap);
}

static void test_data_limit(void)
{
	static char big[MOUNT_DATA_MAX];
	memset(big, 'a', sizeof(big) - 1); /* the most data that fits, with its NUL */
	big[sizeof(big) - 1] = '\0';
	CHECK(parse("tmpfs", OPTS(big)) == 0);
	CHECK(strlen(o.data) == MOUNT_DATA_MAX - 1);
	CHECK(parse("tmpfs", OPTS(big, "x")) < 0);
	big[sizeof(big) - 2] = '\0';
	CHECK(parse("tmpfs", OPTS(big, "x")) < 0); /* the comma does not fit */
}

int main(void)
{
	test_flags_and_data();
	test_clear_and_order();
	test_bind();
	test_propagation();
	test_recursive();
	test_extras();
	test_data_limit();
	return UNIT_DONE();
}
