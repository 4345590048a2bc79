/* oci/default_spec.c: the one default config.json generator behind
 * `capsule spec` and `run --image`.  Pins what both get (issue 9: the image
 * bundles had drifted to no seccomp profile, one masked path fewer and an
 * older ociVersion). */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "../../oci/oci.h"
#include "../../oci/spec.h"
#include "../../seccomp/seccomp.h"
#include "unit.h"

static struct spec *parse(const char *json)
{
	struct cap_error *err = NULL;
	struct spec *s = spec_parse(json, strlen(json), &err);
	if (!s)
		fprintf(stderr, "     spec_parse: %s\n", err && err->msg ? err->msg : "?");
	cap_error_free(err);
	return s;
}

/* The text from "mounts" to the end or to "annotations": all but the
 * process, root and annotations. */
static char *common_part(const char *json)
{
	const char *a = strstr(json, "\"mounts\"");
	const char *b = strstr(json, "\"annotations\"");
	if (!a)
		return NULL;
	if (!b) /* the closing brace of the document */
		b = strrchr(json, '}');
	while (b > a && strchr(" \t\n,", b[-1]))
		b--;
	return strndup(a, (size_t)(b - a));
}

static void test_spec_and_image_agree(void)
{
	char *plain = NULL, *image = NULL;
	struct oci_spec_opts def = {.root_readonly = true,
				    .seccomp_json = sc_default_profile_json()};
	CHECK(oci_default_spec(&def, &plain, NULL) == 0);
	const struct oci_process proc = {
	    .terminal = false,
	    .uid = 1000,
	    .gid = 1000,
	    .args = (const char *const[]){"/bin/app", "--flag", NULL},
	    .env = (const char *const[]){"PATH=/bin", NULL},
	    .cwd = "/srv",
	};
	struct oci_spec_opts img = {
	    .process = &proc,
	    .seccomp_json = sc_default_profile_json(),
	    .annotations = (const char *const[]){"org.capsule.image", "sha256:ab", NULL},
	};
	CHECK(oci_default_spec(&img, &image, NULL) == 0);
	if (!plain || !image)
		return;
	char *pa = common_part(plain), *pb = common_part(image);
	CHECK(pa && pb);
	CHECK_STR(pa, pb);
	free(pa);
	free(pb);

	struct spec *a = parse(plain), *b = parse(image);
	CHECK(a && b);
	if (a && b) {
		for (struct spec *s = a; s; s = s == a ? b : NULL) {
			CHECK_STR(s->oci_version, OCI_SPEC_VERSION);
			CHECK(s->linux_.seccomp != NULL);
			CHECK_INT(s->linux_.n_masked_paths, 11);
			CHECK_INT(s->linux_.n_readonly_paths, 5);
			CHECK(spec_find_namespace(s, CLONE_NEWNS) != NULL);
			CHECK(spec_find_namespace(s, CLONE_NEWCGROUP) != NULL);
			CHECK_INT(s->linux_.resources.n_devices, 1);
			CHECK(s->process.no_new_privileges);
		}
		CHECK(a->root_readonly && !b->root_readonly);
		CHECK(a->process.terminal && !b->process.terminal);
		CHECK_STR(b->process.args[1], "--flag");
		CHECK_STR(b->process.cwd, "/srv");
		CHECK_INT(b->process.user.uid, 1000);
	}
	spec_free(a);
	spec_free(b);
	free(plain);
	free(image);
}

static void test_rootless_and_errors(void)
{
	char *json = NULL;
	struct oci_spec_opts rl = {.rootless = true};
	CHECK(oci_default_spec(&rl, &json, NULL) == 0);
	struct spec *s = json ? parse(json) : NULL;
	CHECK(s != NULL);
	if (s) {
		CHECK(spec_find_namespace(s, CLONE_NEWUSER) != NULL);
		CHECK(spec_find_namespace(s, CLONE_NEWNET) == NULL);
		CHECK(s->linux_.seccomp == NULL);
		CHECK_INT(s->linux_.n_uid_mappings, 1);
	}
	spec_free(s);
	free(json);
	json = NULL;
	struct cap_error *err = NULL;
	struct oci_spec_opts bad = {.seccomp_json = "{"};
	CHECK(oci_default_spec(&bad, &json, &err) < 0);
	CHECK(json == NULL);
	CHECK(err && err->msg && strstr(err->msg, "default seccomp profile"));
	cap_error_free(err);
}

int main(void)
{
	test_spec_and_image_agree();
	test_rootless_and_errors();
	return UNIT_DONE();
}
