/* OCI image layout: index.json, manifest and image config, through `image import` and the
 * bundle generated from the image (`run --image`).
 *
 * Input: "<index>\0<manifest>\0<config>".  So that the fuzzer gets past the digest checks,
 * placeholders are replaced before the files are written:
 *   @CD @CS  the config blob's sha256:<hex> and size
 *   @MD @MS  the manifest blob's digest and size (after its own placeholders)
 *   @LD @LS  an empty tar layer blob (its diff_id is the same digest)
 * Each run imports into a fresh store in a scratch dir on tmpfs. */
#include "fuzz.h"

#include <openssl/sha.h>

#include "../../overlay/internal.h"
#include "../../overlay/overlay.h"

static char layer_digest[80];
static char empty_tar[1024];

static void digest_of(const char *buf, size_t len, char out[80])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)buf, len, md);
	int n = snprintf(out, 80, "sha256:");
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
		n += snprintf(out + n, 80 - (size_t)n, "%02x", md[i]);
}

/* s with every @XD/@XS of one blob replaced; caller frees. */
static char *subst(const char *s, char tag, const char *digest, size_t size)
{
	char d[4] = {'@', tag, 'D', 0}, z[4] = {'@', tag, 'S', 0}, num[32];
	snprintf(num, sizeof(num), "%zu", size);
	size_t cap = strlen(s) * 25 + 1, n = 0; /* "@xD" (3) grows to 71 at most */
	char *out = malloc(cap);
	if (!out)
		abort();
	while (*s) {
		const char *rep = strncmp(s, d, 3) == 0	  ? digest
				  : strncmp(s, z, 3) == 0 ? num
							  : NULL;
		if (rep) {
			n += (size_t)snprintf(out + n, cap - n, "%s", rep);
			s += 3;
		} else {
			out[n++] = *s++;
		}
	}
	out[n] = '\0';
	return out;
}

static void write_blob(int dirfd, const char *digest, const char *buf, size_t len)
{
	char path[128];
	snprintf(path, sizeof(path), "blobs/sha256/%s", digest + 7);
	fuzz_write(dirfd, path, buf, len);
}

static int layout_dir(const char *base, const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", base, name);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%s/blobs", base, name);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%s/blobs/sha256", base, name);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%s", base, name);
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static void import_and_bundle(const char *base)
{
	char layout[256], store[256], bundle[256];
	snprintf(layout, sizeof(layout), "%s/layout", base);
	snprintf(store, sizeof(store), "%s/store", base);
	snprintf(bundle, sizeof(bundle), "%s/bundle", base);
	char *digest = NULL;
	cleanup_error struct cap_error *err = NULL;
	if (overlay_import(store, layout, &digest, &err) == 0 && digest) {
		cleanup_error struct cap_error *e2 = NULL;
		cleanup_error struct cap_error *e3 = NULL;
		char *json = NULL;
		(void)overlay_bundle_from_image(store, digest, bundle, NULL, false, NULL, &e2);
		if (overlay_inspect(store, digest, &json, &e3) == 0)
			free(json);
		if (getenv("FUZZ_VERBOSE"))
			fprintf(stderr, "imported %s; bundle: %s\n", digest, e2 ? e2->msg : "ok");
	} else if (getenv("FUZZ_VERBOSE")) {
		fprintf(stderr, "import: %s\n", err ? err->msg : "no image");
	}
	free(digest);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *base = fuzz_scratch();
	int basefd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (basefd < 0)
		abort();
	cap_rm_rf_at(basefd, "layout");
	cap_rm_rf_at(basefd, "store");
	cap_rm_rf_at(basefd, "bundle");
	if (!layer_digest[0])
		digest_of(empty_tar, sizeof(empty_tar), layer_digest);

	char *in = fuzz_cstr(data, size);
	const char *index = in, *manifest = "", *config = "";
	size_t n1 = strlen(in);
	if (n1 < size) {
		manifest = in + n1 + 1;
		size_t n2 = strlen(manifest);
		if (n1 + 1 + n2 < size)
			config = manifest + n2 + 1;
	}
	char cdig[80], mdig[80];
	char *cfg = subst(config, 'L', layer_digest, sizeof(empty_tar));
	digest_of(cfg, strlen(cfg), cdig);
	char *m1 = subst(manifest, 'C', cdig, strlen(cfg));
	char *man = subst(m1, 'L', layer_digest, sizeof(empty_tar));
	digest_of(man, strlen(man), mdig);
	char *i1 = subst(index, 'M', mdig, strlen(man));
	char *idx = subst(i1, 'L', layer_digest, sizeof(empty_tar));

	int lfd = layout_dir(base, "layout");
	fuzz_write(lfd, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
	fuzz_write(lfd, "index.json", idx, strlen(idx));
	write_blob(lfd, cdig, cfg, strlen(cfg));
	write_blob(lfd, mdig, man, strlen(man));
	write_blob(lfd, layer_digest, empty_tar, sizeof(empty_tar));
	close(lfd);
	import_and_bundle(base);

	free(in);
	free(cfg);
	free(m1);
	free(man);
	free(i1);
	free(idx);
	close(basefd);
	return 0;
}
