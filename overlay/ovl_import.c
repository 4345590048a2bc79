/* `image import`: OCI image layout (dir or tar) -> verified layers, manifest and config in
 * the store.  Order: read and verify every manifest and config, stream every layer blob
 * (verify + unpack into tmp/), and only then rename into place.  Any failure removes the
 * tmp/ entries, so a refused import leaves nothing behind; the renames make concurrent
 * imports of shared layers safe (the loser of a rename discards its copy). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "../lib/cleanup.h"
#include "../lib/fault.h"
#include "internal.h"
#include "overlay.h"

#define MEDIA_INDEX	  "application/vnd.oci.image.index.v1+json"
#define MEDIA_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MAX_IMAGES	  64
#define MAX_LAYERS	  512

struct pending_image {
	char hex[OVL_HEX_LEN + 1];
	char *name; /* org.opencontainers.image.ref.name, or NULL */
	char *manifest, *config;
	size_t manifest_len, config_len;
	struct ovl_layer *layers;
	size_t n_layers;
};

struct import {
	int storefd, layoutfd;
	struct pending_image images[MAX_IMAGES];
	size_t n_images;
	char tmp[MAX_LAYERS + 1][96]; /* tmp/ entries to remove on failure; [0] = tar layout */
	char tmp_diff[MAX_LAYERS + 1][OVL_HEX_LEN + 1];
	size_t n_tmp;
};

/* Read a blob fully and check it against its descriptor. */
static int read_blob(struct import *im, const char *hex, long long size, const char *what,
		     char **buf, size_t *len, struct cap_error **err)
{
	char path[128], got[OVL_HEX_LEN + 1];
	snprintf(path, sizeof(path), "blobs/sha256/%s", hex);
	if (ovl_read_file_at(im->layoutfd, path, OVL_MAX_JSON, buf, len, err) < 0)
		return cap_wrap(err, "%s", what);
	if ((long long)*len != size)
		return cap_fail(err, 0, "%s sha256:%s: size %zu, descriptor says %lld", what, hex,
				*len, size);
	if (ovl_hash_buf(*buf, *len, got, err) < 0)
		return -1;
	if (strcmp(got, hex) != 0)
		return cap_fail(err, 0, "%s sha256:%s: digest mismatch (blob is sha256:%s)", what,
				hex, got);
	return 0;
}

static int parse_layers(struct pending_image *pi, yajl_val manifest, yajl_val config,
			struct cap_error **err)
{
	yajl_val layers = cap_json_get(manifest, "layers", yajl_t_array);
	const char *rp[] = {"rootfs", "diff_ids", NULL};
	yajl_val diffs = yajl_tree_get(config, rp, yajl_t_array);
	if (!layers || !diffs)
		return cap_fail(err, 0,
				"image sha256:%s: manifest layers or config rootfs.diff_ids "
				"missing",
				pi->hex);
	size_t n = YAJL_GET_ARRAY(layers)->len;
	if (n != YAJL_GET_ARRAY(diffs)->len || n > MAX_LAYERS)
		return cap_fail(err, 0, "image sha256:%s: %zu layers but %zu diff_ids", pi->hex, n,
				YAJL_GET_ARRAY(diffs)->len);
	pi->layers = calloc(n ? n : 1, sizeof(*pi->layers));
	if (!pi->layers)
		return cap_fail(err, ENOMEM, "layers");
	pi->n_layers = n;
	for (size_t i = 0; i < n; i++) {
		yajl_val d = YAJL_GET_ARRAY(layers)->values[i];
		yajl_val id = YAJL_GET_ARRAY(diffs)->values[i];
		const char *mt = cap_json_get_str(d, "mediaType");
		if (mt && !strstr(mt, "tar"))
			return cap_fail(err, 0, "layer %zu: unsupported media type %s", i, mt);
		if (ovl_json_descriptor(d, "layer", pi->layers[i].digest, &pi->layers[i].size,
					err) < 0)
			return -1;
		if (!YAJL_IS_STRING(id) ||
		    ovl_parse_digest(YAJL_GET_STRING(id), pi->layers[i].diff_id) < 0)
			return cap_fail(err, 0, "config rootfs.diff_ids[%zu]: not sha256:<hex>", i);
	}
	return 0;
}

static int add_manifest(struct import *im, yajl_val desc, const char *name, struct cap_error **err)
{
	if (im->n_images == MAX_IMAGES)
		return cap_fail(err, E2BIG, "more than %d manifests in index.json", MAX_IMAGES);
	struct pending_image *pi = &im->images[im->n_images++];
	long long size, csize;
	if (ovl_json_descriptor(desc, "index.json manifest", pi->hex, &size, err) < 0)
		return -1;
	pi->name = name ? strdup(name) : NULL;
	if (read_blob(im, pi->hex, size, "manifest", &pi->manifest, &pi->manifest_len, err) < 0)
		return -1;
	yajl_val m = ovl_json_parse(pi->manifest, "manifest", err);
	if (!m)
		return -1;
	char chex[OVL_HEX_LEN + 1];
	yajl_val c = NULL;
	int rc = ovl_json_descriptor(cap_json_get(m, "config", yajl_t_object), "manifest config",
				     chex, &csize, err);
	if (rc == 0)
		rc = read_blob(im, chex, csize, "config", &pi->config, &pi->config_len, err);
	if (rc == 0 && !(c = ovl_json_parse(pi->config, "image config", err)))
		rc = -1;
	if (rc == 0)
		rc = parse_layers(pi, m, c, err);
	yajl_tree_free(m);
	yajl_tree_free(c);
	return rc;
}

static bool platform_ok(yajl_val desc)
{
	yajl_val p = cap_json_get(desc, "platform", yajl_t_object);
	if (!p)
		return true;
	const char *os = cap_json_get_str(p, "os"), *arch = cap_json_get_str(p, "architecture");
#if defined(__x86_64__)
	const char *host = "amd64";
#elif defined(__aarch64__)
	const char *host = "arm64";
#else
	const char *host = NULL;
#endif
	return (!os || strcmp(os, "linux") == 0) && (!arch || !host || strcmp(arch, host) == 0);
}

/* index.json (or a nested index): every manifest, nested indexes resolved to the entry for
 * this platform, named by the outer descriptor's ref.name annotation. */
static int walk_index(struct import *im, const char *buf, const char *name, int depth,
		      struct cap_error **err)
{
	yajl_val idx = ovl_json_parse(buf, "index.json", err);
	if (!idx)
		return -1;
	yajl_val ms = cap_json_get(idx, "manifests", yajl_t_array);
	int rc = ms ? 0 : cap_fail(err, 0, "index.json: no manifests");
	for (size_t i = 0; rc == 0 && ms && i < YAJL_GET_ARRAY(ms)->len; i++) {
		yajl_val d = YAJL_GET_ARRAY(ms)->values[i];
		const char *mt = cap_json_get_str(d, "mediaType");
		const char *ap[] = {"annotations", "org.opencontainers.image.ref.name", NULL};
		yajl_val an = yajl_tree_get(d, ap, yajl_t_string);
		const char *n = an ? YAJL_GET_STRING(an) : name;
		if (mt && (strcmp(mt, MEDIA_INDEX) == 0 || strcmp(mt, MEDIA_DOCKER_LIST) == 0)) {
			char hex[OVL_HEX_LEN + 1];
			long long size;
			cleanup_free char *sub = NULL;
			size_t len;
			if (depth > 2)
				rc = cap_fail(err, ELOOP, "index.json: indexes nested too deep");
			else if ((rc = ovl_json_descriptor(d, "index", hex, &size, err)) == 0 &&
				 (rc = read_blob(im, hex, size, "index", &sub, &len, err)) == 0)
				rc = walk_index(im, sub, n, depth + 1, err);
		} else if (depth == 0 || platform_ok(d)) {
			rc = add_manifest(im, d, n, err);
			if (depth > 0)
				break; /* one manifest per platform index */
		}
	}
	yajl_tree_free(idx);
	return rc;
}

/* A tar layout is unpacked (only oci-layout, index.json and blobs/sha256/<hex>, as plain
 * files) into tmp/, so blobs can be read more than once and nothing else is written. */
static int unpack_layout_tar(struct import *im, const char *path, struct cap_error **err)
{
	if (ovl_mktemp_dir(im->storefd, "layout", im->tmp[0], sizeof(im->tmp[0]), err) < 0)
		return -1;
	im->n_tmp = 1;
	im->layoutfd = openat(im->storefd, im->tmp[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (im->layoutfd < 0 || mkdirat(im->layoutfd, "blobs", 0700) < 0 ||
	    mkdirat(im->layoutfd, "blobs/sha256", 0700) < 0)
		return cap_fail(err, errno, "prepare %s", im->tmp[0]);
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	int rc = 0;
	if (archive_read_open_filename(a, path, 128 * 1024) != ARCHIVE_OK)
		rc = cap_fail(err, 0, "open %s: %s", path, archive_error_string(a));
	struct archive_entry *e;
	int r = ARCHIVE_OK;
	while (rc == 0 && (r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		char name[PATH_MAX], hex[OVL_HEX_LEN + 1];
		if (ovl_clean_entry_path(archive_entry_pathname(e), name, sizeof(name)) < 0) {
			rc = cap_fail(err, EPERM, "%s: entry %s escapes the layout", path,
				      archive_entry_pathname(e));
			break;
		}
		if (archive_entry_filetype(e) == AE_IFDIR)
			continue;
		bool blob = strncmp(name, "blobs/sha256/", 13) == 0;
		char dig[80];
		snprintf(dig, sizeof(dig), "sha256:%.72s", blob ? name + 13 : "");
		if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) ||
		    !(strcmp(name, "index.json") == 0 || strcmp(name, "oci-layout") == 0 ||
		      (blob && ovl_parse_digest(dig, hex) == 0)))
			continue; /* ignore anything else; it is never read */
		cleanup_close int fd = openat(
		    im->layoutfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 || archive_read_data_into_fd(a, fd) != ARCHIVE_OK)
			rc = cap_fail(err, fd < 0 ? errno : EINVAL, "%s: unpack %s: %s", path, name,
				      fd < 0 ? "create failed" : archive_error_string(a));
	}
	if (rc == 0 && r != ARCHIVE_EOF)
		rc = cap_fail(err, 0, "%s: malformed or truncated archive: %s", path,
			      archive_error_string(a));
	archive_read_free(a);
	return rc;
}

static int open_layout(struct import *im, const char *path, struct cap_error **err)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return cap_fail(err, errno, "%s", path);
	if (S_ISDIR(st.st_mode)) {
		im->layoutfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		return im->layoutfd < 0 ? cap_fail(err, errno, "open %s", path) : 0;
	}
	return unpack_layout_tar(im, path, err);
}

static bool layer_seen(struct import *im, const char *diff)
{
	for (size_t i = 1; i < im->n_tmp; i++)
		if (strcmp(im->tmp_diff[i], diff) == 0)
			return true;
	return false;
}

/* Stream one layer blob: unpack into a fresh tmp/ dir, or only verify if already stored. */
static int stage_layer(struct import *im, const struct ovl_layer *l, struct cap_error **err)
{
	char blob[128], dest[128];
	snprintf(blob, sizeof(blob), "blobs/sha256/%s", l->digest);
	snprintf(dest, sizeof(dest), "layers/sha256/%s", l->diff_id);
	cleanup_close int bfd = openat(im->layoutfd, blob, O_RDONLY | O_CLOEXEC);
	if (bfd < 0)
		return cap_fail(err, errno, "layer blob %s", blob);
	if (layer_seen(im, l->diff_id) || ovl_exists_at(im->storefd, dest))
		return ovl_layer_unpack(bfd, l, -1, err);
	if (im->n_tmp > MAX_LAYERS)
		return cap_fail(err, E2BIG, "more than %d layers", MAX_LAYERS);
	size_t t = im->n_tmp;
	if (ovl_mktemp_dir(im->storefd, "layer", im->tmp[t], sizeof(im->tmp[t]), err) < 0)
		return -1;
	memcpy(im->tmp_diff[t], l->diff_id, sizeof(im->tmp_diff[t]));
	im->n_tmp++;
	cleanup_close int dfd = openat(im->storefd, im->tmp[t], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cap_fail(err, errno, "open %s", im->tmp[t]);
	return ovl_layer_unpack(bfd, l, dfd, err);
}

static int commit_image(struct import *im, struct pending_image *pi, struct cap_error **err)
{
	char tmp[96], dest[128];
	snprintf(dest, sizeof(dest), "images/sha256/%s", pi->hex);
	if (!ovl_exists_at(im->storefd, dest)) {
		if (ovl_mktemp_dir(im->storefd, "image", tmp, sizeof(tmp), err) < 0)
			return -1;
		cleanup_close int fd = openat(im->storefd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 ||
		    cap_write_file_atomic(fd, "manifest.json", pi->manifest, pi->manifest_len, 0644,
					  err) < 0 ||
		    cap_write_file_atomic(fd, "config.json", pi->config, pi->config_len, 0644,
					  err) < 0 ||
		    (renameat(im->storefd, tmp, im->storefd, dest) < 0 && errno != EEXIST &&
		     errno != ENOTEMPTY)) {
			int e = errno;
			cap_rm_rf_at(im->storefd, tmp);
			return cap_fail(err, e, "commit %s", dest);
		}
		cap_rm_rf_at(im->storefd, tmp); /* no-op unless another import won the rename */
	}
	if (!pi->name)
		return 0;
	char esc[512], ref[600], line[80];
	if (ovl_escape_name(pi->name, esc, sizeof(esc)) < 0)
		return cap_fail(err, 0, "image name \"%s\" is not usable", pi->name);
	snprintf(ref, sizeof(ref), "refs/%s", esc);
	int n = snprintf(line, sizeof(line), "sha256:%s\n", pi->hex);
	return cap_write_file_atomic(im->storefd, ref, line, (size_t)n, 0644, err);
}

static int commit(struct import *im, struct cap_error **err)
{
	/* Unpacked layers reach the disk before their names do: after a crash a layer dir is
	 * either absent or complete. */
	if (syncfs(im->storefd) < 0)
		return cap_fail(err, errno, "sync store");
	fault_point("import-staged");
	for (size_t i = 1; i < im->n_tmp; i++) {
		char dest[128];
		snprintf(dest, sizeof(dest), "layers/sha256/%s", im->tmp_diff[i]);
		if (renameat(im->storefd, im->tmp[i], im->storefd, dest) < 0 && errno != EEXIST &&
		    errno != ENOTEMPTY)
			return cap_fail(err, errno, "commit %s", dest);
		fault_point("import-layer-committed");
	}
	for (size_t i = 0; i < im->n_images; i++)
		if (commit_image(im, &im->images[i], err) < 0)
			return -1;
	return 0;
}

static int run_import(struct import *im, const char *layout, struct cap_error **err)
{
	if (open_layout(im, layout, err) < 0)
		return -1;
	cleanup_free char *index = NULL;
	if (!ovl_exists_at(im->layoutfd, "oci-layout"))
		return cap_fail(err, 0, "%s: not an OCI image layout (no oci-layout file)", layout);
	if (ovl_read_file_at(im->layoutfd, "index.json", OVL_MAX_JSON, &index, NULL, err) < 0)
		return cap_wrap(err, "%s", layout);
	if (walk_index(im, index, NULL, 0, err) < 0)
		return -1;
	if (im->n_images == 0)
		return cap_fail(err, ENOENT, "%s: no image manifest for this platform", layout);
	for (size_t i = 0; i < im->n_images; i++)
		for (size_t j = 0; j < im->images[i].n_layers; j++)
			if (stage_layer(im, &im->images[i].layers[j], err) < 0)
				return cap_wrap(err, "image sha256:%.12s layer %zu",
						im->images[i].hex, j);
	return commit(im, err);
}

int overlay_import(const char *store, const char *layout_path, char **out_digest,
		   struct cap_error **err)
{
	cleanup_close int storefd = ovl_store_open(store, true, err);
	if (storefd < 0)
		return -1;
	cleanup_close int lock = ovl_store_lock(storefd, LOCK_SH, err);
	if (lock < 0)
		return -1;
	cleanup_free struct import *im = calloc(1, sizeof(*im));
	if (!im)
		return cap_fail(err, ENOMEM, "import");
	im->storefd = storefd;
	im->layoutfd = -1;
	im->n_tmp = 1;
	int rc = run_import(im, layout_path, err);
	/* Committed layers were renamed away; whatever is left in tmp/ is ours to drop. */
	for (size_t i = 0; i < im->n_tmp; i++)
		if (im->tmp[i][0])
			cap_rm_rf_at(storefd, im->tmp[i]);
	if (rc == 0 && out_digest && im->n_images &&
	    asprintf(out_digest, "sha256:%s", im->images[0].hex) < 0)
		*out_digest = NULL;
	for (size_t i = 0; i < im->n_images; i++) {
		free(im->images[i].name);
		free(im->images[i].manifest);
		free(im->images[i].config);
		free(im->images[i].layers);
	}
	if (im->layoutfd >= 0)
		close(im->layoutfd);
	return rc;
}
