/* The job's image: pinned by digest, resolved in the layer store and re-verified. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../overlay/overlay.h"
#include "../lib/cleanup.h"
#include "internal.h"

/* The digest part of NAME@sha256:<hex> or sha256:<hex>; NULL when not pinned. */
static const char *pinned_digest(const char *ref)
{
	const char *at = strrchr(ref, '@');
	const char *d = at ? at + 1 : ref;
	return strncmp(d, "sha256:", 7) == 0 && job_is_hex64(d + 7) ? d : NULL;
}

bool job_ref_pinned(const char *ref)
{
	return pinned_digest(ref) != NULL;
}

static char **str_array(yajl_val a)
{
	size_t n = YAJL_IS_ARRAY(a) ? YAJL_GET_ARRAY(a)->len : 0;
	char **v = calloc(n + 1, sizeof(char *));
	for (size_t i = 0, k = 0; v && i < n; i++) {
		const char *s = YAJL_GET_STRING(YAJL_GET_ARRAY(a)->values[i]);
		if (s && !(v[k++] = strdup(s)))
			return NULL; /* leak on ENOMEM: the process is about to fail anyway */
	}
	return v;
}

static const char *tree_str(yajl_val v, const char **path)
{
	yajl_val s = yajl_tree_get(v, path, yajl_t_string);
	return s ? YAJL_GET_STRING(s) : NULL;
}

/* RFC 3339 ("2024-01-02T03:04:05.123Z", "...+02:00") -> seconds; 0 when absent or bad. */
static long long parse_created(const char *s)
{
	struct tm tm = {0};
	const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (!p)
		return 0;
	long long t = (long long)timegm(&tm);
	while (*p == '.' || (*p >= '0' && *p <= '9'))
		p++;
	int hh, mm;
	if ((*p == '+' || *p == '-') && sscanf(p + 1, "%d:%d", &hh, &mm) == 2)
		t -= (*p == '+' ? 1 : -1) * (hh * 3600LL + mm * 60LL);
	return t;
}

static int fill(struct job_image *img, yajl_val root, struct cap_error **err)
{
	const char *dp[] = {"digest", NULL}, *cp[] = {"manifest", "config", "digest", NULL};
	const char *lp[] = {"manifest", "layers", NULL}, *ep[] = {"config", "config", "Env", NULL};
	const char *up[] = {"config", "config", "User", NULL}, *tp[] = {"config", "created", NULL};
	const char *ip[] = {"layers", NULL};
	const char *user = tree_str(root, up);
	img->digest = strdup(tree_str(root, dp) ? tree_str(root, dp) : "");
	img->config_digest = strdup(tree_str(root, cp) ? tree_str(root, cp) : "");
	img->env = str_array(yajl_tree_get(root, ep, yajl_t_array));
	img->user = strdup(user ? user : "");
	img->created = parse_created(tree_str(root, tp));
	yajl_val layers = yajl_tree_get(root, lp, yajl_t_array);
	yajl_val diffs = yajl_tree_get(root, ip, yajl_t_array);
	size_t n = layers ? YAJL_GET_ARRAY(layers)->len : 0;
	size_t nd = diffs ? YAJL_GET_ARRAY(diffs)->len : 0;
	img->layers = calloc(n + 1, sizeof(char *));
	img->diff_ids = calloc(nd + 1, sizeof(char *));
	if (!img->digest || !img->config_digest || !img->env || !img->user || !img->layers ||
	    !img->diff_ids)
		return cap_fail(err, ENOMEM, "image");
	for (size_t i = 0; i < n; i++) {
		const char *k[] = {"digest", NULL};
		const char *d = tree_str(YAJL_GET_ARRAY(layers)->values[i], k);
		if (!d || !(img->layers[i] = strdup(d)))
			return cap_fail(err, 0, "image %s: manifest layers[%zu].digest",
					img->digest, i);
	}
	for (size_t i = 0; i < nd; i++) {
		const char *k[] = {"diff_id", NULL};
		const char *d = tree_str(YAJL_GET_ARRAY(diffs)->values[i], k);
		if (!d || !(img->diff_ids[i] = strdup(d)))
			return cap_fail(err, 0, "image %s: rootfs.diff_ids[%zu]", img->digest, i);
	}
	return 0;
}

int job_image_load(const char *store, const char *ref, bool allow_tag, struct job_image *img,
		   struct cap_error **err)
{
	memset(img, 0, sizeof(*img));
	const char *digest = pinned_digest(ref);
	if (!digest && !allow_tag)
		return cap_fail(err, 0,
				"--image %.200s: not pinned by digest (want NAME@sha256:<64 hex>; "
				"--allow-tag runs a tag and records the digest it resolved to)",
				ref);
	/* A pinned ref runs what the digest names, whatever the name points at now. */
	const char *lookup = digest ? digest : ref;
	cleanup_free char *json = NULL;
	if (overlay_image_verify(store, lookup, err) < 0 ||
	    overlay_inspect(store, lookup, &json, err) < 0)
		return cap_wrap(err, "--image %.200s", ref);
	char ebuf[256];
	yajl_val root = yajl_tree_parse(json, ebuf, sizeof(ebuf));
	if (!root)
		return cap_fail(err, 0, "image %.200s: inspect: %s", ref, ebuf);
	int rc = fill(img, root, err);
	yajl_tree_free(root);
	if (rc < 0)
		job_image_clear(img);
	return rc;
}

static void free_strv(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

void job_image_clear(struct job_image *img)
{
	free(img->digest);
	free(img->config_digest);
	free_strv(img->layers);
	free_strv(img->diff_ids);
	free_strv(img->env);
	free(img->user);
	memset(img, 0, sizeof(*img));
}
