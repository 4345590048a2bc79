/* overlay/ internals shared between its files; not a public header. */
#ifndef CAPSULE_OVERLAY_INTERNAL_H
#define CAPSULE_OVERLAY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <yajl/yajl_tree.h>

#include "../lib/error.h"
#include "../lib/file.h"
#include "../lib/json.h"
#include "overlay.h"

#define OVL_HEX_LEN  64
#define OVL_MAX_JSON (4 << 20) /* manifests, configs and index.json are small */

/* --- ovl_paths.c: pure string logic (unit tested) --- */

/* "sha256:<64 lowercase hex>" -> hex (65 bytes incl. NUL).  0 or -1. */
int ovl_parse_digest(const char *s, char hex[OVL_HEX_LEN + 1]);
/* Normalise a tar entry name: drop "./", "." and empty components and a trailing "/".
 * Refuses (-1) absolute names, ".." components and names longer than outlen.
 * "" (the layer root itself) is a valid result. */
int ovl_clean_entry_path(const char *in, char *out, size_t outlen);

enum ovl_whiteout {
	OVL_WH_NONE,   /* an ordinary entry */
	OVL_WH_FILE,   /* .wh.NAME: hide NAME of lower layers (*target = NAME) */
	OVL_WH_OPAQUE, /* .wh..wh..opq: hide all of the parent dir's lower contents */
	OVL_WH_META,   /* other .wh..wh.* (aufs bookkeeping): skipped */
	OVL_WH_BAD,    /* ".wh." with an empty, "." or ".." target: refused */
};
enum ovl_whiteout ovl_whiteout_kind(const char *base, const char **target);

/* Container ids and store-internal names: [A-Za-z0-9][A-Za-z0-9_.+-]{0,127}. */
bool ovl_valid_id(const char *id);
/* Image names -> a single file name: [A-Za-z0-9._-] kept, others as %XX.  0 or -1. */
int ovl_escape_name(const char *name, char *out, size_t outlen);
int ovl_unescape_name(const char *in, char *out, size_t outlen);

/* --- ovl_hash.c: SHA-256 through libcrypto EVP --- */
struct ovl_hash {
	void *ctx; /* SHA256_CTX */
	long long n;
};
int ovl_hash_init(struct ovl_hash *h, struct cap_error **err);
void ovl_hash_update(struct ovl_hash *h, const void *buf, size_t len);
void ovl_hash_final(struct ovl_hash *h, char hex[OVL_HEX_LEN + 1]);
void ovl_hash_free(struct ovl_hash *h);
int ovl_hash_buf(const void *buf, size_t len, char hex[OVL_HEX_LEN + 1], struct cap_error **err);

/* --- ovl_fs.c --- */
int ovl_read_file_at(int dirfd, const char *path, size_t max, char **buf, size_t *len,
		     struct cap_error **err);
/* Open (creating with create=true) the store and its subdirs.  Returns a dir fd. */
int ovl_store_open(const char *store, bool create, struct cap_error **err);
/* flock(<store>/lock, LOCK_SH or LOCK_EX).  Returns the lock fd (close to release). */
int ovl_store_lock(int storefd, int op, struct cap_error **err);
/* A fresh empty dir under tmp/, name in name (>= 64 bytes). */
int ovl_mktemp_dir(int storefd, const char *prefix, char *name, size_t len, struct cap_error **err);
bool ovl_exists_at(int dirfd, const char *path);

/* --- ovl_json.c: small yajl_tree helpers --- */
yajl_val ovl_json_parse(const char *buf, const char *what, struct cap_error **err);
/* A descriptor {"mediaType","digest","size"}: hex + size, or -1 with an error naming what. */
int ovl_json_descriptor(yajl_val d, const char *what, char hex[OVL_HEX_LEN + 1], long long *size,
			struct cap_error **err);

/* --- ovl_unpack.c --- */
struct ovl_layer {
	char digest[OVL_HEX_LEN + 1];  /* of the blob as stored (compressed) */
	long long size;		       /* of the blob */
	char diff_id[OVL_HEX_LEN + 1]; /* of the uncompressed tar, from the image config */
};
/* Stream blob fd through decompression and tar parsing once, checking the blob's digest and
 * size and the tar's diff_id; unpack into destfd unless destfd < 0 (verify only).
 * Any mismatch or unsafe entry fails; the caller discards destfd's contents. */
int ovl_layer_unpack(int blobfd, const struct ovl_layer *l, int destfd, struct cap_error **err);

/* --- ovl_store.c --- */
/* Resolve under an open store fd; manifest hex out. */
int ovl_resolve_at(int storefd, const char *ref, char hex[OVL_HEX_LEN + 1], struct cap_error **err);
/* Layer diff_ids (bottom first) and the parsed config of an image. */
struct ovl_image {
	char digest[OVL_HEX_LEN + 1];
	char config_digest[OVL_HEX_LEN + 1];
	char (*layers)[OVL_HEX_LEN + 1];
	long long *layer_sizes;
	size_t n_layers;
	yajl_val manifest, config;
};
int ovl_image_load(int storefd, const char *hex, struct ovl_image *img, struct cap_error **err);
/* Open the store (no create), resolve ref, load the image: the store fd, or -1. */
int ovl_image_open(const char *store, const char *ref, char hex[OVL_HEX_LEN + 1],
		   struct ovl_image *img, struct cap_error **err);
void ovl_image_clear(struct ovl_image *img);

/* --- ovl_mount.c --- */
struct overlay_flags;
struct overlay_plan {
	char *rootfs, *upper, *work; /* absolute */
	/* With upper_tmpfs, overlay_mount first mounts a tmpfs on upper_mnt
	 * (containers/<id>/upper, in the container's mount namespace only) and
	 * upper/work are directories in it. */
	char *upper_mnt;
	bool upper_tmpfs;
	char *layers_dir; /* <store>/layers/sha256, or containers/<id>/lower (idmapped) */
	char **lowers;	  /* diff_id hex, top layer first */
	size_t n_lowers;
	bool userxattr, volatile_;
	char *data; /* mount(2) data with absolute lowerdirs (logs, and short fallbacks) */
};
char *ovl_plan_data(const struct overlay_plan *p, bool relative);
/* An upper dir that delete throws away lives on a tmpfs: a new overlay on a
 * disk filesystem costs a journalled work/work, probes of tmpfile, xattr and
 * whiteout support, and the removal of all of it at delete (~1.2 ms on ext4
 * against 0.05 ms on tmpfs).  Not with a user namespace: there the upper dir
 * must be owned by the container's root on the host and written with
 * userxattr, which stays on the tested disk path. */
static inline bool ovl_upper_on_tmpfs(const struct overlay_flags *f)
{
	return !f->keep_upper && !f->userns;
}
/* --- ovl_idmap.c --- */
int ovl_plan_idmap(struct overlay_plan *p, const struct overlay_flags *f, struct cap_error **err);

int ovl_plan_build(const char *store, const char *id, const struct ovl_image *img,
		   const struct overlay_flags *f, struct overlay_plan **out,
		   struct cap_error **err);

#endif
