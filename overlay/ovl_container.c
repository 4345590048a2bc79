/* Per-container state in the store: containers/<id>/{record,upper,work,rootfs}.  prepare
 * (parent side, before clone) and cleanup (delete), plus gc, which reads the records. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "../lib/cleanup.h"
#include "internal.h"
#include "overlay.h"

static bool annot_true(const char *v)
{
	return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcmp(v, "yes") == 0);
}

int overlay_spec_image(const struct spec *s, const char **ref, struct overlay_flags *f)
{
	memset(f, 0, sizeof(*f));
	*ref = NULL;
	for (size_t i = 0; i < s->n_annotations; i++) {
		const struct spec_kv *kv = &s->annotations[i];
		if (strcmp(kv->key, OVERLAY_ANNOT_IMAGE) == 0 && kv->value && *kv->value)
			*ref = kv->value;
		else if (strcmp(kv->key, OVERLAY_ANNOT_KEEP_UPPER) == 0)
			f->keep_upper = annot_true(kv->value);
		else if (strcmp(kv->key, OVERLAY_ANNOT_EPHEMERAL) == 0)
			f->ephemeral = annot_true(kv->value);
	}
	for (size_t i = 0; s->has_linux && i < s->linux_.n_namespaces; i++)
		if (s->linux_.namespaces[i].type == CLONE_NEWUSER)
			f->userns = true;
	for (size_t i = 0; f->userns && i < s->linux_.n_uid_mappings; i++)
		if (s->linux_.uid_mappings[i].container_id == 0)
			f->owner_uid = s->linux_.uid_mappings[i].host_id;
	for (size_t i = 0; f->userns && i < s->linux_.n_gid_mappings; i++)
		if (s->linux_.gid_mappings[i].container_id == 0)
			f->owner_gid = s->linux_.gid_mappings[i].host_id;
	if (f->userns) {
		f->uid_mappings = s->linux_.uid_mappings;
		f->n_uid_mappings = s->linux_.n_uid_mappings;
		f->gid_mappings = s->linux_.gid_mappings;
		f->n_gid_mappings = s->linux_.n_gid_mappings;
	}
	return *ref ? 1 : 0;
}

static int write_record(int cfd, const struct ovl_image *img, const struct overlay_flags *f,
			struct cap_error **err)
{
	size_t cap = 256 + img->n_layers * 80, len = 0;
	cleanup_free char *buf = malloc(cap);
	if (!buf)
		return cap_fail(err, ENOMEM, "record");
	len += (size_t)snprintf(buf + len, cap - len, "image=sha256:%s\n", img->digest);
	for (size_t i = 0; i < img->n_layers; i++)
		len += (size_t)snprintf(buf + len, cap - len, "layer=sha256:%s\n", img->layers[i]);
	len += (size_t)snprintf(buf + len, cap - len, "keep_upper=%d\nephemeral=%d\nuserns=%d\n",
				f->keep_upper, f->ephemeral, f->userns);
	return cap_write_file_atomic(cfd, "record", buf, len, 0644, err);
}

static int make_dirs(int cfd, const struct overlay_flags *f, struct cap_error **err)
{
	static const char *const dirs[] = {"upper", "work", "rootfs"};
	for (size_t i = 0; i < 3; i++) {
		if (i == 1 && ovl_upper_on_tmpfs(f))
			continue; /* work/ is in the tmpfs mounted on upper/ */
		if (mkdirat(cfd, dirs[i], i == 1 ? 0700 : 0755) < 0)
			return cap_fail(err, errno, "mkdir %s", dirs[i]);
		/* In a user namespace the container's root must own what overlay writes to. */
		if (i < 2 && (f->owner_uid || f->owner_gid) &&
		    fchownat(cfd, dirs[i], f->owner_uid, f->owner_gid, AT_SYMLINK_NOFOLLOW) < 0)
			return cap_fail(err, errno, "chown %s", dirs[i]);
	}
	return 0;
}

static int prepare_locked(int storefd, const char *store, const char *ref, const char *id,
			  const struct overlay_flags *f, struct overlay_plan **out,
			  struct cap_error **err)
{
	char hex[OVL_HEX_LEN + 1], path[PATH_MAX];
	struct ovl_image img;
	if (ovl_resolve_at(storefd, ref, hex, err) < 0 ||
	    ovl_image_load(storefd, hex, &img, err) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < img.n_layers; i++) {
		snprintf(path, sizeof(path), "layers/sha256/%s", img.layers[i]);
		if (!ovl_exists_at(storefd, path))
			rc = cap_fail(err, ENOENT,
				      "image %s: layer sha256:%s missing from the store "
				      "(import the image again)",
				      ref, img.layers[i]);
	}
	snprintf(path, sizeof(path), "containers/%s", id);
	if (rc == 0 && mkdirat(storefd, path, 0711) < 0)
		rc = cap_fail(err, errno, "%s/%s", store, path);
	if (rc < 0) {
		ovl_image_clear(&img);
		return -1;
	}
	cleanup_close int cfd = openat(storefd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cfd < 0 || make_dirs(cfd, f, err) < 0 || write_record(cfd, &img, f, err) < 0 ||
	    ovl_plan_build(store, id, &img, f, out, err) < 0 || ovl_plan_idmap(*out, f, err) < 0) {
		overlay_plan_free(*out);
		*out = NULL;
		if (cfd < 0)
			cap_fail(err, errno, "open %s", path);
		cap_rm_rf_at(storefd, path);
		rc = -1;
	}
	ovl_image_clear(&img);
	return rc;
}

/* A user-namespaced container's root looks up the layers and its upper dir by path: every
 * directory above the store must be searchable by it.  Say so now, not as EACCES at mount. */
static int check_searchable(const char *abs, const struct overlay_flags *f, struct cap_error **err)
{
	if (!f->userns || f->owner_uid == 0)
		return 0;
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s", abs);
	for (char *slash = path + strlen(path); slash > path; slash = strrchr(path, '/')) {
		*slash = '\0';
		struct stat st;
		const char *p = *path ? path : "/";
		if (stat(p, &st) == 0 && !(st.st_mode & S_IXOTH) && st.st_uid != f->owner_uid)
			return cap_fail(
			    err, EACCES,
			    "store %s: %s is not searchable by the container's "
			    "root (uid %u): a container with a user namespace needs o+x on "
			    "every directory above the store",
			    abs, p, f->owner_uid);
	}
	return 0;
}

int overlay_prepare(const char *store, const char *image_ref, const char *container_id,
		    const struct overlay_flags *f, struct overlay_plan **out,
		    struct cap_error **err)
{
	*out = NULL;
	if (!ovl_valid_id(container_id))
		return cap_fail(err, 0, "invalid container id \"%s\"", container_id);
	char abs[PATH_MAX];
	cleanup_close int storefd = ovl_store_open(store, true, err);
	if (storefd < 0)
		return -1;
	if (!realpath(store, abs))
		return cap_fail(err, errno, "realpath %s", store);
	if (check_searchable(abs, f, err) < 0)
		return -1;
	/* Shared: gc (exclusive) must not drop layers between the check and the record. */
	cleanup_close int lock = ovl_store_lock(storefd, LOCK_SH, err);
	if (lock < 0)
		return -1;
	return prepare_locked(storefd, abs, image_ref, container_id, f, out, err);
}

static bool record_keeps_upper(int cfd)
{
	cleanup_free char *buf = NULL;
	cleanup_error struct cap_error *ignored = NULL;
	if (ovl_read_file_at(cfd, "record", 1 << 20, &buf, NULL, &ignored) < 0)
		return false;
	return strstr(buf, "\nkeep_upper=1\n") != NULL;
}

/* Detach the idmapped layer mounts of a userns container (ovl_idmap.c). */
static int detach_lowers(int cfd, const char *where, struct cap_error **err)
{
	int dfd = openat(cfd, "lower", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	cleanup_dir DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char path[PATH_MAX + 300];
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/lower/%s", where, e->d_name);
		if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL &&
		    errno != ENOENT)
			return cap_fail(err, errno, "umount %s", path);
	}
	return 0;
}

static int cleanup(const char *store, const char *container_id, bool all, struct cap_error **err)
{
	if (!ovl_valid_id(container_id))
		return cap_fail(err, EINVAL, "invalid container id \"%s\"", container_id);
	char path[PATH_MAX + 16], where[PATH_MAX];
	snprintf(where, sizeof(where), "%s/containers/%s", store, container_id);
	snprintf(path, sizeof(path), "%s/rootfs", where);
	/* Mounted only in the container's namespace normally; a detach here covers a runtime
	 * that mounted in its own namespace. */
	if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
		return cap_fail(err, errno, "umount %s", path);
	cleanup_close int storefd = open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (storefd < 0)
		return errno == ENOENT ? 0 : cap_fail(err, errno, "open store %s", store);
	snprintf(path, sizeof(path), "containers/%s", container_id);
	cleanup_close int cfd =
	    openat(storefd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cfd < 0)
		return errno == ENOENT ? 0 : cap_fail(err, errno, "open %s", where);
	if (detach_lowers(cfd, where, err) < 0)
		return -1;
	if (all || !record_keeps_upper(cfd)) {
		if (cap_rm_rf_at(storefd, path) < 0)
			return cap_fail(err, errno, "remove %s", where);
		return 0;
	}
	/* keep-upper: the record stays too, so gc keeps the layers upper/ is relative to. */
	if (cap_rm_rf_at(cfd, "work") < 0 || cap_rm_rf_at(cfd, "rootfs") < 0 ||
	    cap_rm_rf_at(cfd, "lower") < 0)
		return cap_fail(err, errno, "remove %s/work", where);
	return 0;
}

int overlay_cleanup(const char *store, const char *container_id, struct cap_error **err)
{
	return cleanup(store, container_id, false, err);
}

int overlay_container_rm(const char *store, const char *container_id, struct cap_error **err)
{
	return cleanup(store, container_id, true, err);
}

/* --- gc --- */

struct refset {
	char (*v)[OVL_HEX_LEN + 1];
	size_t n, cap;
};

static int refset_add(struct refset *r, const char *hex)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		void *v = realloc(r->v, cap * sizeof(*r->v));
		if (!v)
			return -1;
		r->v = v;
		r->cap = cap;
	}
	memcpy(r->v[r->n++], hex, OVL_HEX_LEN + 1);
	return 0;
}

static bool refset_has(const struct refset *r, const char *hex)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i], hex) == 0)
			return true;
	return false;
}

typedef int (*dir_fn)(int storefd, const char *name, void *ctx);

static int each_entry(int storefd, const char *dir, dir_fn fn, void *ctx)
{
	int dfd = openat(storefd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_dir DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && fn(storefd, e->d_name, ctx) < 0)
			return -1;
	return 0;
}

static int add_image_layers(int storefd, const char *name, void *ctx)
{
	struct ovl_image img;
	cleanup_error struct cap_error *ignored = NULL;
	if (ovl_image_load(storefd, name, &img, &ignored) < 0)
		return 0;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < img.n_layers; i++)
		rc = refset_add(ctx, img.layers[i]);
	ovl_image_clear(&img);
	return rc;
}

static int add_record_layers(int storefd, const char *name, void *ctx)
{
	char path[PATH_MAX], hex[OVL_HEX_LEN + 1];
	cleanup_free char *buf = NULL;
	cleanup_error struct cap_error *ignored = NULL;
	snprintf(path, sizeof(path), "containers/%s/record", name);
	if (ovl_read_file_at(storefd, path, 16 << 20, &buf, NULL, &ignored) < 0)
		return 0;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (strncmp(line, "layer=", 6) == 0 && ovl_parse_digest(line + 6, hex) == 0 &&
		    refset_add(ctx, hex) < 0)
			return -1;
	return 0;
}

struct sweep {
	struct refset *keep;
	size_t removed;
	int errnum;
};

static int sweep_layer(int storefd, const char *name, void *ctx)
{
	struct sweep *s = ctx;
	char path[PATH_MAX];
	if (refset_has(s->keep, name))
		return 0;
	snprintf(path, sizeof(path), "layers/sha256/%s", name);
	if (cap_rm_rf_at(storefd, path) < 0)
		s->errnum = errno;
	else
		s->removed++;
	return 0;
}

static int sweep_tmp(int storefd, const char *name, void *ctx)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "tmp/%s", name);
	cap_rm_rf_at(storefd, path); /* exclusive lock: no import is using it */
	return 0;
}

int overlay_gc(const char *store, size_t *removed, struct cap_error **err)
{
	cleanup_close int storefd = ovl_store_open(store, false, err);
	if (storefd < 0)
		return -1;
	cleanup_close int lock = ovl_store_lock(storefd, LOCK_EX, err);
	if (lock < 0)
		return -1;
	struct refset keep = {0};
	struct sweep s = {&keep, 0, 0};
	int rc = 0;
	if (each_entry(storefd, "images/sha256", add_image_layers, &keep) < 0 ||
	    each_entry(storefd, "containers", add_record_layers, &keep) < 0)
		rc = cap_fail(err, errno ? errno : ENOMEM, "gc: collect references");
	if (rc == 0)
		each_entry(storefd, "layers/sha256", sweep_layer, &s);
	if (rc == 0)
		each_entry(storefd, "tmp", sweep_tmp, NULL);
	if (rc == 0 && s.errnum)
		rc = cap_fail(err, s.errnum, "gc: remove layer");
	free(keep.v);
	if (removed)
		*removed = s.removed;
	return rc;
}
