/* One pass over a layer blob: the file is hashed as read (digest, size), decompressed by a
 * libarchive "raw" reader whose output is hashed again (diff_id) and fed to a second
 * libarchive reader that parses the tar.  Entries are never written by libarchive: every
 * path is resolved under the layer root fd with openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS),
 * so "../", absolute names and symlinked parents cannot reach outside. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "../lib/cleanup.h"
#include "internal.h"

#define BUF_SIZE (128 * 1024)

struct stream {
	int fd;
	struct ovl_hash blob, diff;
	struct archive *raw; /* decompressor */
	char rbuf[BUF_SIZE], dbuf[BUF_SIZE];
	int read_errno;
};

static la_ssize_t blob_read(struct archive *a, void *data, const void **buf)
{
	struct stream *s = data;
	for (;;) {
		ssize_t n = read(s->fd, s->rbuf, sizeof(s->rbuf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			s->read_errno = errno;
			archive_set_error(a, errno, "read layer blob");
			return -1;
		}
		ovl_hash_update(&s->blob, s->rbuf, (size_t)n);
		*buf = s->rbuf;
		return n;
	}
}

static la_ssize_t tar_read(struct archive *a, void *data, const void **buf)
{
	struct stream *s = data;
	la_ssize_t n = archive_read_data(s->raw, s->dbuf, sizeof(s->dbuf));
	if (n < 0) {
		archive_set_error(a, EIO, "decompress: %s", archive_error_string(s->raw));
		return -1;
	}
	ovl_hash_update(&s->diff, s->dbuf, (size_t)n);
	*buf = s->dbuf;
	return n;
}

/* Open the parent directory of an entry beneath root, creating missing directories (tar
 * streams may omit them).  Symlinks anywhere in the parent chain are refused. */
static int open_parent(int rootfd, const char *parent, struct cap_error **err)
{
	struct open_how how = {
	    .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
	    .resolve =
		RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	const char *p = *parent ? parent : ".";
	int fd = (int)syscall(SYS_openat2, rootfd, p, &how, sizeof(how));
	if (fd >= 0 || errno != ENOENT) {
		if (fd < 0)
			return cap_fail(err, errno,
					"layer entry parent %s (symlink or not a directory?)",
					parent);
		return fd;
	}
	/* Walk and create, one component at a time. */
	cleanup_close int cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
	char comp[PATH_MAX];
	for (const char *s = parent; *s;) {
		size_t n = strcspn(s, "/");
		memcpy(comp, s, n);
		comp[n] = '\0';
		s += n + (s[n] == '/');
		if (mkdirat(cur, comp, 0755) < 0 && errno != EEXIST)
			return cap_fail(err, errno, "mkdir %s in layer", parent);
		int next = (int)syscall(SYS_openat2, cur, comp, &how, sizeof(how));
		if (next < 0)
			return cap_fail(err, errno,
					"layer entry parent %s (symlink or not a directory?)",
					parent);
		close(cur);
		cur = next;
	}
	return steal_fd(&cur);
}

/* Make room for a new entry: 1 when an existing directory is kept, 0 when the name is free. */
static int clear_target(int pfd, const char *base, bool want_dir, struct cap_error **err)
{
	struct stat st;
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : cap_fail(err, errno, "stat %s", base);
	if (S_ISDIR(st.st_mode) && want_dir)
		return 1;
	if (cap_rm_rf_at(pfd, base) < 0)
		return cap_fail(err, errno, "replace %s", base);
	return 0;
}

static bool overlay_xattr(const char *name)
{
	return strncmp(name, "trusted.overlay.", 16) == 0 ||
	       strncmp(name, "user.overlay.", 13) == 0;
}

/* Ownership, mode (after chown, which clears set-id bits), xattrs of a file or dir fd. */
static int apply_meta(int fd, struct archive_entry *e, const char *path, struct cap_error **err)
{
	if (fchown(fd, archive_entry_uid(e), archive_entry_gid(e)) < 0)
		return cap_fail(err, errno, "chown %s", path);
	if (fchmod(fd, archive_entry_perm(e) & 07777) < 0)
		return cap_fail(err, errno, "chmod %s", path);
	const char *name;
	const void *val;
	size_t size;
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &val, &size) == ARCHIVE_OK) {
		/* A layer must not forge overlayfs' own metadata (redirects, metacopy...). */
		if (overlay_xattr(name))
			continue;
		if (fsetxattr(fd, name, val, size, 0) < 0)
			return cap_fail(err, errno, "set xattr %s on %s", name, path);
	}
	return 0;
}

static int write_data(struct archive *a, int fd, const char *path, struct cap_error **err)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;
	while ((r = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK) {
		for (size_t done = 0; done < len;) {
			ssize_t n =
			    pwrite(fd, (const char *)buf + done, len - done, off + (off_t)done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return cap_fail(err, errno, "write %s", path);
			done += (size_t)n;
		}
	}
	if (r != ARCHIVE_EOF)
		return cap_fail(err, archive_errno(a), "read %s from layer: %s", path,
				archive_error_string(a));
	return 0;
}

static int extract_file(struct archive *a, struct archive_entry *e, int pfd, const char *base,
			const char *path, struct cap_error **err)
{
	if (clear_target(pfd, base, false, err) < 0)
		return -1;
	cleanup_close int fd =
	    openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return cap_fail(err, errno, "create %s", path);
	if (write_data(a, fd, path, err) < 0)
		return -1;
	/* Sparse files: the data blocks may end before the file does. */
	if (ftruncate(fd, archive_entry_size(e)) < 0)
		return cap_fail(err, errno, "truncate %s", path);
	if (apply_meta(fd, e, path, err) < 0)
		return -1;
	struct timespec ts[2] = {{archive_entry_mtime(e), archive_entry_mtime_nsec(e)},
				 {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}};
	futimens(fd, ts);
	return 0;
}

static int extract_dir(struct archive_entry *e, int pfd, const char *base, const char *path,
		       struct cap_error **err)
{
	int kept = clear_target(pfd, base, true, err);
	if (kept < 0)
		return -1;
	if (!kept && mkdirat(pfd, base, 0700) < 0)
		return cap_fail(err, errno, "mkdir %s", path);
	cleanup_close int fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cap_fail(err, errno, "open %s", path);
	return apply_meta(fd, e, path, err);
}

static int extract_link(int rootfd, struct archive_entry *e, int pfd, const char *base,
			const char *path, struct cap_error **err)
{
	char target[PATH_MAX];
	if (ovl_clean_entry_path(archive_entry_hardlink(e), target, sizeof(target)) < 0 || !*target)
		return cap_fail(err, EPERM, "hardlink %s -> %s escapes the layer root", path,
				archive_entry_hardlink(e));
	char *slash = strrchr(target, '/');
	const char *tbase = slash ? slash + 1 : target;
	if (slash)
		*slash = '\0';
	cleanup_close int tfd = open_parent(rootfd, slash ? target : "", err);
	if (tfd < 0)
		return -1;
	if (clear_target(pfd, base, false, err) < 0)
		return -1;
	/* No AT_SYMLINK_FOLLOW: a link to a symlink links the symlink itself. */
	if (linkat(tfd, tbase, pfd, base, 0) < 0)
		return cap_fail(err, errno, "hardlink %s", path);
	return 0;
}

static int extract_special(struct archive_entry *e, int pfd, const char *base, const char *path,
			   struct cap_error **err)
{
	mode_t type = archive_entry_filetype(e);
	if (clear_target(pfd, base, false, err) < 0)
		return -1;
	if (type == AE_IFLNK) {
		if (symlinkat(archive_entry_symlink(e), pfd, base) < 0)
			return cap_fail(err, errno, "symlink %s", path);
	} else if (mknodat(pfd, base, type | 0600, archive_entry_rdev(e)) < 0) {
		return cap_fail(err, errno, "mknod %s", path);
	}
	if (fchownat(pfd, base, archive_entry_uid(e), archive_entry_gid(e), AT_SYMLINK_NOFOLLOW) <
	    0)
		return cap_fail(err, errno, "chown %s", path);
	if (type != AE_IFLNK && fchmodat(pfd, base, archive_entry_perm(e) & 07777, 0) < 0)
		return cap_fail(err, errno, "chmod %s", path);
	struct timespec ts[2] = {{archive_entry_mtime(e), 0}, {archive_entry_mtime(e), 0}};
	utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW);
	return 0;
}

/* OCI whiteouts -> overlay whiteouts.  Opaque dirs get both xattr namespaces so the layer
 * works with and without `userxattr` (user namespaces). */
static int extract_whiteout(enum ovl_whiteout kind, const char *target, int pfd, const char *path,
			    struct cap_error **err)
{
	if (kind == OVL_WH_OPAQUE) {
		cleanup_close int fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return cap_fail(err, errno, "open parent of %s", path);
		if (fsetxattr(fd, "trusted.overlay.opaque", "y", 1, 0) < 0)
			return cap_fail(err, errno, "set trusted.overlay.opaque for %s", path);
		if (fsetxattr(fd, "user.overlay.opaque", "y", 1, 0) < 0 && errno != EOPNOTSUPP)
			return cap_fail(err, errno, "set user.overlay.opaque for %s", path);
		return 0;
	}
	/* A whiteout hides lower layers only; a same-layer file of that name stays. */
	if (ovl_exists_at(pfd, target))
		return 0;
	if (mknodat(pfd, target, S_IFCHR | 0, makedev(0, 0)) < 0)
		return cap_fail(err, errno, "whiteout %s", path);
	return 0;
}

static int extract_entry(struct archive *a, struct archive_entry *e, int rootfd,
			 struct cap_error **err)
{
	const char *raw = archive_entry_pathname(e);
	char path[PATH_MAX];
	if (!raw || ovl_clean_entry_path(raw, path, sizeof(path)) < 0)
		return cap_fail(err, EPERM, "layer entry \"%s\" escapes the layer root",
				raw ? raw : "");
	if (!*path) /* the layer root itself ("./"): keep the store's own mode */
		return 0;
	char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	char parent[PATH_MAX] = "";
	if (slash)
		snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
	cleanup_close int pfd = open_parent(rootfd, parent, err);
	if (pfd < 0)
		return -1;
	const char *target = NULL;
	enum ovl_whiteout wh = ovl_whiteout_kind(base, &target);
	if (wh == OVL_WH_BAD)
		return cap_fail(err, 0, "layer entry %s: malformed whiteout", path);
	if (wh == OVL_WH_META)
		return 0;
	if (wh != OVL_WH_NONE)
		return extract_whiteout(wh, target, pfd, path, err);
	if (archive_entry_hardlink(e))
		return extract_link(rootfd, e, pfd, base, path, err);
	switch (archive_entry_filetype(e)) {
	case AE_IFREG:
		return extract_file(a, e, pfd, base, path, err);
	case AE_IFDIR:
		return extract_dir(e, pfd, base, path, err);
	case AE_IFLNK:
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
		return extract_special(e, pfd, base, path, err);
	default: /* sockets: nothing meaningful to unpack */
		return 0;
	}
}

static int open_readers(struct stream *s, struct archive **tar, struct cap_error **err)
{
	s->raw = archive_read_new();
	*tar = archive_read_new();
	if (!s->raw || !*tar)
		return cap_fail(err, ENOMEM, "libarchive");
	archive_read_support_filter_gzip(s->raw);
	archive_read_support_filter_zstd(s->raw);
	archive_read_support_filter_none(s->raw);
	archive_read_support_format_raw(s->raw);
	if (archive_read_open(s->raw, s, NULL, blob_read, NULL) != ARCHIVE_OK)
		return cap_fail(err, 0, "layer blob: %s", archive_error_string(s->raw));
	struct archive_entry *re;
	if (archive_read_next_header(s->raw, &re) != ARCHIVE_OK)
		return cap_fail(err, 0, "layer blob: %s", archive_error_string(s->raw));
	archive_read_support_format_tar(*tar);
	if (archive_read_open(*tar, s, NULL, tar_read, NULL) != ARCHIVE_OK)
		return cap_fail(err, 0, "layer tar: %s", archive_error_string(*tar));
	return 0;
}

/* Read what the tar reader left (end padding) and what the decompressor left (trailing
 * bytes), so both hashes cover the whole streams. */
static int drain(struct stream *s, struct cap_error **err)
{
	la_ssize_t n;
	while ((n = archive_read_data(s->raw, s->dbuf, sizeof(s->dbuf))) > 0)
		ovl_hash_update(&s->diff, s->dbuf, (size_t)n);
	if (n < 0)
		return cap_fail(err, 0, "decompress layer: %s", archive_error_string(s->raw));
	ssize_t r;
	while ((r = read(s->fd, s->rbuf, sizeof(s->rbuf))) > 0)
		ovl_hash_update(&s->blob, s->rbuf, (size_t)r);
	return r < 0 ? cap_fail(err, errno, "read layer blob") : 0;
}

static int run_stream(struct stream *s, const struct ovl_layer *l, int destfd,
		      struct cap_error **err)
{
	struct archive *tar = NULL;
	int rc = open_readers(s, &tar, err);
	struct archive_entry *e;
	int r = ARCHIVE_OK;
	while (rc == 0 && (r = archive_read_next_header(tar, &e)) == ARCHIVE_OK) {
		if (destfd >= 0)
			rc = extract_entry(tar, e, destfd, err);
	}
	if (rc == 0 && r != ARCHIVE_EOF)
		rc = cap_fail(err, 0, "layer sha256:%.12s: malformed or truncated archive: %s",
			      l->digest, archive_error_string(tar));
	if (rc == 0)
		rc = drain(s, err);
	if (tar)
		archive_read_free(tar);
	if (s->raw)
		archive_read_free(s->raw);
	return rc;
}

int ovl_layer_unpack(int blobfd, const struct ovl_layer *l, int destfd, struct cap_error **err)
{
	cleanup_free struct stream *s = calloc(1, sizeof(*s));
	if (!s)
		return cap_fail(err, ENOMEM, "layer stream");
	s->fd = blobfd;
	if (ovl_hash_init(&s->blob, err) < 0)
		return -1;
	if (ovl_hash_init(&s->diff, err) < 0) {
		ovl_hash_free(&s->blob);
		return -1;
	}
	int rc = run_stream(s, l, destfd, err);
	if (rc < 0) { /* hash the rest, to tell tampering from a bad-but-genuine layer */
		ssize_t r;
		while ((r = read(s->fd, s->rbuf, sizeof(s->rbuf))) > 0)
			ovl_hash_update(&s->blob, s->rbuf, (size_t)r);
	}
	char blob_hex[OVL_HEX_LEN + 1], diff_hex[OVL_HEX_LEN + 1];
	ovl_hash_final(&s->blob, blob_hex);
	ovl_hash_final(&s->diff, diff_hex);
	long long size = s->blob.n;
	ovl_hash_free(&s->blob);
	ovl_hash_free(&s->diff);
	/* A digest mismatch explains a parse failure better than the parse error does. */
	if (size != l->size || strcmp(blob_hex, l->digest) != 0) {
		cap_error_free(*err);
		*err = NULL;
		if (size != l->size)
			return cap_fail(err, 0, "layer sha256:%s: size %lld, manifest says %lld",
					l->digest, size, l->size);
		return cap_fail(err, 0, "layer sha256:%s: digest mismatch (blob is sha256:%s)",
				l->digest, blob_hex);
	}
	if (rc < 0)
		return -1;
	if (strcmp(diff_hex, l->diff_id) != 0)
		return cap_fail(err, 0,
				"layer sha256:%s: diff_id mismatch: config says sha256:%s, "
				"uncompressed tar is sha256:%s",
				l->digest, l->diff_id, diff_hex);
	return 0;
}
