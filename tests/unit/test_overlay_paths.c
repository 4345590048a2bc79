/* Pure logic of overlay/: digest parsing, tar entry path validation, OCI whiteout names,
 * container ids and ref-name escaping. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../overlay/internal.h"
#include "unit.h"

#define HEX "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void test_digest(void)
{
	char hex[OVL_HEX_LEN + 1];
	CHECK(ovl_parse_digest("sha256:" HEX, hex) == 0);
	CHECK_STR(hex, HEX);
	CHECK(ovl_parse_digest(HEX, hex) < 0);		     /* no algorithm */
	CHECK(ovl_parse_digest("sha512:" HEX, hex) < 0);     /* other algorithm */
	CHECK(ovl_parse_digest("sha256:" HEX "0", hex) < 0); /* too long */
	CHECK(ovl_parse_digest("sha256:e3b0", hex) < 0);     /* too short */
	CHECK(ovl_parse_digest(
		  "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", hex) <
	      0); /* not canonical */
	CHECK(ovl_parse_digest("sha256:../../../../etc/passwd/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			       hex) < 0);
	CHECK(ovl_parse_digest(NULL, hex) < 0);
}

static const char *clean(const char *in)
{
	static char out[256];
	return ovl_clean_entry_path(in, out, sizeof(out)) == 0 ? out : "<refused>";
}

static void test_paths(void)
{
	CHECK_STR(clean("etc/passwd"), "etc/passwd");
	CHECK_STR(clean("./etc/passwd"), "etc/passwd");
	CHECK_STR(clean("./"), "");
	CHECK_STR(clean("."), "");
	CHECK_STR(clean("etc//./x/"), "etc/x");
	CHECK_STR(clean("..."), "...");
	CHECK_STR(clean("a/..b"), "a/..b");
	CHECK_STR(clean("../etc"), "<refused>");
	CHECK_STR(clean("a/../../etc"), "<refused>");
	CHECK_STR(clean("a/.."), "<refused>");
	CHECK_STR(clean("/etc/passwd"), "<refused>");
	CHECK_STR(clean("//etc"), "<refused>");
	char small[4];
	CHECK(ovl_clean_entry_path("abcd", small, sizeof(small)) < 0);
	CHECK(ovl_clean_entry_path("abc", small, sizeof(small)) == 0);
}

static void test_whiteouts(void)
{
	const char *t = NULL;
	CHECK(ovl_whiteout_kind("file", &t) == OVL_WH_NONE);
	CHECK(ovl_whiteout_kind(".whfile", &t) == OVL_WH_NONE);
	CHECK(ovl_whiteout_kind(".wh.foo", &t) == OVL_WH_FILE);
	CHECK_STR(t, "foo");
	CHECK(ovl_whiteout_kind(".wh..hidden", &t) == OVL_WH_FILE);
	CHECK_STR(t, ".hidden");
	CHECK(ovl_whiteout_kind(".wh..wh..opq", &t) == OVL_WH_OPAQUE);
	CHECK(ovl_whiteout_kind(".wh..wh.plnk", &t) == OVL_WH_META);
	CHECK(ovl_whiteout_kind(".wh.", &t) == OVL_WH_BAD);
	CHECK(ovl_whiteout_kind(".wh..", &t) == OVL_WH_BAD);
	CHECK(ovl_whiteout_kind(".wh...", &t) == OVL_WH_BAD);
}

static void test_ids_and_names(void)
{
	CHECK(ovl_valid_id("abc"));
	CHECK(ovl_valid_id("a-b_c.d+1"));
	CHECK(!ovl_valid_id(""));
	CHECK(!ovl_valid_id("-a"));
	CHECK(!ovl_valid_id("."));
	CHECK(!ovl_valid_id(".."));
	CHECK(!ovl_valid_id("a/b"));
	CHECK(!ovl_valid_id(NULL));
	char long_id[200];
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	CHECK(!ovl_valid_id(long_id));

	char esc[128], back[128];
	CHECK(ovl_escape_name("docker.io/library/busybox:1.36", esc, sizeof(esc)) == 0);
	CHECK_STR(esc, "docker.io%2Flibrary%2Fbusybox%3A1.36");
	CHECK(ovl_unescape_name(esc, back, sizeof(back)) == 0);
	CHECK_STR(back, "docker.io/library/busybox:1.36");
	CHECK(ovl_escape_name("..", esc, sizeof(esc)) < 0);
	CHECK(ovl_escape_name("", esc, sizeof(esc)) < 0);
	CHECK(ovl_escape_name("a/../b", esc, sizeof(esc)) == 0 && !strchr(esc, '/'));
	CHECK(ovl_unescape_name("bad%zz", back, sizeof(back)) < 0);
	CHECK(ovl_unescape_name("bad%2", back, sizeof(back)) < 0);
}

int main(void)
{
	test_digest();
	test_paths();
	test_whiteouts();
	test_ids_and_names();
	return UNIT_DONE();
}
