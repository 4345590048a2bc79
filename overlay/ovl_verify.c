/* Re-check an image in the store as import did: manifest.json and config.json hash to the
 * digests they are stored under and every layer the config names is unpacked.  (Layers
 * are checked against their diff_ids while they are unpacked; the unpacked tree has no
 * digest of its own.) */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../lib/cleanup.h"
#include "internal.h"
#include "overlay.h"

static int check_blob(int storefd, const char *hex, const char *file, const char *want,
		      struct cap_error **err)
{
	char path[160], got[OVL_HEX_LEN + 1];
	cleanup_free char *buf = NULL;
	size_t len = 0;
	snprintf(path, sizeof(path), "images/sha256/%s/%s", hex, file);
	if (ovl_read_file_at(storefd, path, OVL_MAX_JSON, &buf, &len, err) < 0 ||
	    ovl_hash_buf(buf, len, got, err) < 0)
		return -1;
	if (strcmp(got, want) != 0)
		return cap_fail(err, 0, "image sha256:%s: %s has digest sha256:%s, want sha256:%s",
				hex, file, got, want);
	return 0;
}

int overlay_image_verify(const char *store, const char *ref, struct cap_error **err)
{
	char hex[OVL_HEX_LEN + 1];
	struct ovl_image img;
	cleanup_close int storefd = ovl_image_open(store, ref, hex, &img, err);
	if (storefd < 0)
		return -1;
	int rc = check_blob(storefd, hex, "manifest.json", hex, err);
	if (rc == 0)
		rc = check_blob(storefd, hex, "config.json", img.config_digest, err);
	for (size_t i = 0; rc == 0 && i < img.n_layers; i++) {
		char path[160];
		snprintf(path, sizeof(path), "layers/sha256/%s", img.layers[i]);
		if (!ovl_exists_at(storefd, path))
			rc = cap_fail(err, ENOENT, "image sha256:%s: layer sha256:%s missing", hex,
				      img.layers[i]);
	}
	ovl_image_clear(&img);
	return rc;
}
