/* Store queries and maintenance: resolve a ref, list, inspect, rm, gc. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <yajl/yajl_gen.h>

#include "../lib/cleanup.h"
#include "internal.h"
#include "overlay.h"

void ovl_image_clear(struct ovl_image *img)
{
	free(img->layers);
	free(img->layer_sizes);
	yajl_tree_free(img->manifest);
	yajl_tree_free(img->config);
	memset(img, 0, sizeof(*img));
}

static yajl_val load_json(int storefd, const char *hex, const char *file, struct cap_error **err)
{
	char path[160];
	cleanup_free char *buf = NULL;
	snprintf(path, sizeof(path), "images/sha256/%s/%s", hex, file);
	if (ovl_read_file_at(storefd, path, OVL_MAX_JSON, &buf, NULL, err) < 0)
		return NULL;
	return ovl_json_parse(buf, path, err);
}

int ovl_image_load(int storefd, const char *hex, struct ovl_image *img, struct cap_error **err)
{
	memset(img, 0, sizeof(*img));
	snprintf(img->digest, sizeof(img->digest), "%s", hex);
	if (!(img->manifest = load_json(storefd, hex, "manifest.json", err)) ||
	    !(img->config = load_json(storefd, hex, "config.json", err)))
		return ovl_image_clear(img), -1;
	long long csize;
	const char *rp[] = {"rootfs", "diff_ids", NULL};
	yajl_val diffs = yajl_tree_get(img->config, rp, yajl_t_array);
	yajl_val layers = cap_json_get(img->manifest, "layers", yajl_t_array);
	size_t n = diffs ? YAJL_GET_ARRAY(diffs)->len : 0;
	if (ovl_json_descriptor(cap_json_get(img->manifest, "config", yajl_t_object), "config",
				img->config_digest, &csize, err) < 0 ||
	    !layers || YAJL_GET_ARRAY(layers)->len != n)
		return ovl_image_clear(img), cap_fail(err, 0, "image sha256:%s: corrupt", hex);
	img->layers = calloc(n + 1, sizeof(*img->layers));
	img->layer_sizes = calloc(n + 1, sizeof(*img->layer_sizes));
	if (!img->layers || !img->layer_sizes)
		return ovl_image_clear(img), cap_fail(err, ENOMEM, "image");
	img->n_layers = n;
	for (size_t i = 0; i < n; i++) {
		yajl_val d = YAJL_GET_ARRAY(diffs)->values[i];
		yajl_val sz =
		    cap_json_get(YAJL_GET_ARRAY(layers)->values[i], "size", yajl_t_number);
		if (!YAJL_IS_STRING(d) || ovl_parse_digest(YAJL_GET_STRING(d), img->layers[i]) < 0)
			return ovl_image_clear(img),
			       cap_fail(err, 0, "image sha256:%s: bad diff_id", hex);
		img->layer_sizes[i] = sz && YAJL_IS_INTEGER(sz) ? YAJL_GET_INTEGER(sz) : 0;
	}
	return 0;
}

static bool is_hex(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

/* Search images/ for a manifest whose digest starts with prefix, or whose config digest is
 * cfg (either may be NULL).  Ambiguous prefixes fail. */
static int scan_images(int storefd, const char *prefix, const char *cfg, char hex[OVL_HEX_LEN + 1],
		       struct cap_error **err)
{
	int dfd = openat(storefd, "images/sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_dir DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d)
		return cap_fail(err, errno, "open images");
	int found = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strlen(e->d_name) != OVL_HEX_LEN)
			continue;
		bool hit = prefix && strncmp(e->d_name, prefix, strlen(prefix)) == 0;
		if (cfg && !hit) {
			struct ovl_image img;
			cleanup_error struct cap_error *ignored = NULL;
			if (ovl_image_load(storefd, e->d_name, &img, &ignored) < 0)
				continue;
			hit = strcmp(img.config_digest, cfg) == 0;
			ovl_image_clear(&img);
		}
		if (hit && found++ == 0)
			memcpy(hex, e->d_name, OVL_HEX_LEN + 1);
	}
	if (found > 1 && prefix)
		return cap_fail(err, 0, "image %s is ambiguous", prefix);
	return found ? 0 : -1;
}

int ovl_resolve_at(int storefd, const char *ref, char hex[OVL_HEX_LEN + 1], struct cap_error **err)
{
	char path[600], esc[512];
	if (ovl_parse_digest(ref, hex) == 0) {
		snprintf(path, sizeof(path), "images/sha256/%s", hex);
		if (ovl_exists_at(storefd, path))
			return 0;
		char cfg[OVL_HEX_LEN + 1];
		memcpy(cfg, hex, sizeof(cfg));
		if (scan_images(storefd, NULL, cfg, hex, err) == 0)
			return 0;
	} else if (ovl_escape_name(ref, esc, sizeof(esc)) == 0) {
		cleanup_free char *buf = NULL;
		snprintf(path, sizeof(path), "refs/%s", esc);
		if (ovl_exists_at(storefd, path) &&
		    ovl_read_file_at(storefd, path, 4096, &buf, NULL, err) == 0) {
			buf[strcspn(buf, "\n")] = '\0';
			if (ovl_parse_digest(buf, hex) < 0)
				return cap_fail(err, 0, "%s: corrupt ref", path);
			return 0;
		}
		/* A digest prefix, as `image ls` prints it. */
		if (strlen(ref) >= 6 && strlen(ref) < OVL_HEX_LEN && is_hex(ref) &&
		    scan_images(storefd, ref, NULL, hex, err) == 0)
			return 0;
	}
	if (!*err)
		cap_fail(err, ENOENT, "image %s: not in the store", ref);
	return -1;
}

int ovl_image_open(const char *store, const char *ref, char hex[OVL_HEX_LEN + 1],
		   struct ovl_image *img, struct cap_error **err)
{
	int storefd = ovl_store_open(store, false, err);
	if (storefd < 0)
		return -1;
	if (ovl_resolve_at(storefd, ref, hex, err) < 0 ||
	    ovl_image_load(storefd, hex, img, err) < 0) {
		close(storefd);
		return -1;
	}
	return storefd;
}

int overlay_resolve(const char *store, const char *ref, char **manifest_digest,
		    struct cap_error **err)
{
	cleanup_close int storefd = ovl_store_open(store, false, err);
	char hex[OVL_HEX_LEN + 1];
	if (storefd < 0 || ovl_resolve_at(storefd, ref, hex, err) < 0)
		return -1;
	if (asprintf(manifest_digest, "sha256:%s", hex) < 0)
		return cap_fail(err, ENOMEM, "resolve");
	return 0;
}

/* Callback over refs/: name and the manifest hex it points at. */
typedef int (*ref_fn)(int storefd, const char *file, const char *name, const char *hex, void *ctx);

static int each_ref(int storefd, ref_fn fn, void *ctx)
{
	int dfd = openat(storefd, "refs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_dir DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char path[600], name[512], hex[OVL_HEX_LEN + 1];
		cleanup_free char *buf = NULL;
		cleanup_error struct cap_error *ignored = NULL;
		if (e->d_name[0] == '.' || strstr(e->d_name, ".tmp."))
			continue;
		snprintf(path, sizeof(path), "refs/%s", e->d_name);
		if (ovl_read_file_at(storefd, path, 4096, &buf, NULL, &ignored) < 0)
			continue;
		buf[strcspn(buf, "\n")] = '\0';
		if (ovl_parse_digest(buf, hex) < 0 ||
		    ovl_unescape_name(e->d_name, name, sizeof(name)) < 0)
			continue;
		if (fn(storefd, path, name, hex, ctx) < 0)
			return -1;
	}
	return 0;
}

struct names_ctx {
	const char *hex;
	char **names;
	size_t n;
};

static int collect_name(int storefd, const char *file, const char *name, const char *hex, void *c)
{
	struct names_ctx *nc = c;
	if (strcmp(hex, nc->hex) != 0)
		return 0;
	char **v = realloc(nc->names, (nc->n + 2) * sizeof(*v));
	if (!v)
		return -1;
	nc->names = v;
	v[nc->n++] = strdup(name);
	v[nc->n] = NULL;
	return 0;
}

static char **names_of(int storefd, const char *hex)
{
	struct names_ctx nc = {hex, calloc(1, sizeof(char *)), 0};
	each_ref(storefd, collect_name, &nc);
	return nc.names;
}

void overlay_image_info_free(struct overlay_image_info *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].digest);
		free(v[i].config_digest);
		for (char **p = v[i].names; p && *p; p++)
			free(*p);
		free(v[i].names);
	}
	free(v);
}

int overlay_image_list(const char *store, struct overlay_image_info **out, size_t *n,
		       struct cap_error **err)
{
	*out = NULL;
	*n = 0;
	cleanup_close int storefd = ovl_store_open(store, false, err);
	if (storefd < 0)
		return errno == ENOENT ? (cap_error_free(*err), *err = NULL, 0) : -1;
	int dfd = openat(storefd, "images/sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_dir DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		struct ovl_image img;
		cleanup_error struct cap_error *ignored = NULL;
		if (strlen(e->d_name) != OVL_HEX_LEN ||
		    ovl_image_load(storefd, e->d_name, &img, &ignored) < 0)
			continue;
		struct overlay_image_info *v = realloc(*out, (*n + 1) * sizeof(*v));
		if (!v) {
			ovl_image_clear(&img);
			return cap_fail(err, ENOMEM, "image list");
		}
		*out = v;
		struct overlay_image_info *it = &v[(*n)++];
		memset(it, 0, sizeof(*it));
		it->digest = cap_strdupf("sha256:%s", img.digest);
		it->config_digest = cap_strdupf("sha256:%s", img.config_digest);
		it->names = names_of(storefd, img.digest);
		it->n_layers = img.n_layers;
		for (size_t i = 0; i < img.n_layers; i++)
			it->size += img.layer_sizes[i];
		ovl_image_clear(&img);
	}
	return 0;
}

static void gen_raw_json(yajl_gen g, const char *key, const char *buf)
{
	yajl_gen_string(g, (const unsigned char *)key, strlen(key));
	size_t len = strlen(buf);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	/* yajl_gen_number emits its argument verbatim: the stored (verified) JSON as is. */
	yajl_gen_number(g, buf, len);
}

static void gen_str(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

int overlay_inspect(const char *store, const char *ref, char **json, struct cap_error **err)
{
	char hex[OVL_HEX_LEN + 1], path[160], digest[80];
	struct ovl_image img;
	cleanup_close int storefd = ovl_image_open(store, ref, hex, &img, err);
	if (storefd < 0)
		return -1;
	cleanup_free char *m = NULL, *c = NULL;
	snprintf(path, sizeof(path), "images/sha256/%s/manifest.json", hex);
	int rc = ovl_read_file_at(storefd, path, OVL_MAX_JSON, &m, NULL, err);
	snprintf(path, sizeof(path), "images/sha256/%s/config.json", hex);
	if (rc == 0)
		rc = ovl_read_file_at(storefd, path, OVL_MAX_JSON, &c, NULL, err);
	yajl_gen g = rc == 0 ? yajl_gen_alloc(NULL) : NULL;
	if (g) {
		yajl_gen_config(g, yajl_gen_beautify, 1);
		yajl_gen_map_open(g);
		gen_str(g, "digest");
		snprintf(digest, sizeof(digest), "sha256:%s", hex);
		gen_str(g, digest);
		gen_str(g, "names");
		yajl_gen_array_open(g);
		char **names = names_of(storefd, hex);
		for (char **p = names; p && *p; p++)
			gen_str(g, *p), free(*p);
		free(names);
		yajl_gen_array_close(g);
		gen_str(g, "layers");
		yajl_gen_array_open(g);
		for (size_t i = 0; i < img.n_layers; i++) {
			yajl_gen_map_open(g);
			gen_str(g, "diff_id");
			snprintf(digest, sizeof(digest), "sha256:%s", img.layers[i]);
			gen_str(g, digest);
			gen_str(g, "path");
			cleanup_free char *lp =
			    cap_strdupf("%s/layers/sha256/%s", store, img.layers[i]);
			gen_str(g, lp ? lp : "");
			yajl_gen_map_close(g);
		}
		yajl_gen_array_close(g);
		gen_raw_json(g, "manifest", m);
		gen_raw_json(g, "config", c);
		yajl_gen_map_close(g);
		const unsigned char *buf;
		size_t len;
		yajl_gen_get_buf(g, &buf, &len);
		*json = strndup((const char *)buf, len);
		yajl_gen_free(g);
	} else if (rc == 0) {
		rc = cap_fail(err, ENOMEM, "inspect");
	}
	ovl_image_clear(&img);
	return rc;
}

struct rm_ctx {
	const char *hex, *only; /* only: remove just this name */
	int others;		/* names left pointing at hex */
};

static int rm_name(int storefd, const char *file, const char *name, const char *hex, void *c)
{
	struct rm_ctx *rc = c;
	if (strcmp(hex, rc->hex) != 0)
		return 0;
	if (!rc->only || strcmp(rc->only, name) == 0)
		unlinkat(storefd, file, 0);
	else
		rc->others++;
	return 0;
}

int overlay_image_rm(const char *store, const char *ref, struct cap_error **err)
{
	cleanup_close int storefd = ovl_store_open(store, false, err);
	if (storefd < 0)
		return -1;
	cleanup_close int lock = ovl_store_lock(storefd, LOCK_EX, err);
	char hex[OVL_HEX_LEN + 1], path[160];
	if (lock < 0 || ovl_resolve_at(storefd, ref, hex, err) < 0)
		return -1;
	/* By name: untag; the image goes with its last name.  By digest: image and all names. */
	char dummy[OVL_HEX_LEN + 1];
	bool by_name = ovl_parse_digest(ref, dummy) < 0 && strncmp(hex, ref, strlen(ref)) != 0;
	struct rm_ctx rc = {hex, by_name ? ref : NULL, 0};
	each_ref(storefd, rm_name, &rc);
	if (rc.others)
		return 0;
	snprintf(path, sizeof(path), "images/sha256/%s", hex);
	if (cap_rm_rf_at(storefd, path) < 0)
		return cap_fail(err, errno, "remove %s", path);
	return 0;
}
