/* SHA-256 of files and trees through libcrypto, streamed with large reads
 * (throughput close to sha256sum's: the digest, not the I/O, is the bottleneck).
 * The low-level SHA256_* calls, as overlay/ovl_hash.c: the EVP interface would
 * link libcrypto's provider tables into the binary, relocated at every start
 * of every capsule command (~17k relocations). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../lib/cleanup.h"
#include "internal.h"

#define HASH_BUF (1 << 20)

struct job_sha {
	SHA256_CTX ctx;
};

int job_sha_init(struct job_sha **out, struct cap_error **err)
{
	struct job_sha *h = calloc(1, sizeof(*h));
	if (!h || SHA256_Init(&h->ctx) != 1) {
		job_sha_free(h);
		return cap_fail(err, 0, "sha256: cannot initialise libcrypto digest");
	}
	*out = h;
	return 0;
}

void job_sha_update(struct job_sha *h, const void *buf, size_t len)
{
	SHA256_Update(&h->ctx, buf, len);
}

void job_sha_final(struct job_sha *h, char hex[JOB_HEX_LEN + 1])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	unsigned int len = SHA256_DIGEST_LENGTH;
	static const char digits[] = "0123456789abcdef";
	SHA256_Final(md, &h->ctx);
	for (unsigned int i = 0; i < len && i < JOB_HEX_LEN / 2; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[JOB_HEX_LEN] = '\0';
}

void job_sha_free(struct job_sha *h)
{
	free(h);
}

int job_sha_buf(const void *buf, size_t len, char hex[JOB_HEX_LEN + 1], struct cap_error **err)
{
	struct job_sha *h;
	if (job_sha_init(&h, err) < 0)
		return -1;
	job_sha_update(h, buf, len);
	job_sha_final(h, hex);
	job_sha_free(h);
	return 0;
}

int job_sha_fd(int fd, const char *what, char hex[JOB_HEX_LEN + 1], struct cap_error **err)
{
	struct job_sha *h;
	cleanup_free char *buf = malloc(HASH_BUF);
	if (!buf)
		return cap_fail(err, ENOMEM, "hash %s", what);
	if (job_sha_init(&h, err) < 0)
		return -1;
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	ssize_t n;
	while ((n = read(fd, buf, HASH_BUF)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			job_sha_free(h);
			return cap_fail(err, errno, "read %s", what);
		}
		job_sha_update(h, buf, (size_t)n);
	}
	job_sha_final(h, hex);
	job_sha_free(h);
	return 0;
}

int job_sha_file(const char *path, char hex[JOB_HEX_LEN + 1], struct cap_error **err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return cap_fail(err, errno, "open %s", path);
	return job_sha_fd(fd, path, hex, err);
}

/* --- trees --- */

struct file_list {
	struct job_file *v;
	size_t n, cap;
};

static int list_add(struct file_list *l, const char *name, const char *hex)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct job_file *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	struct job_file *f = &l->v[l->n];
	if (!(f->name = strdup(name)))
		return -1;
	memcpy(f->sha256, hex, JOB_HEX_LEN + 1);
	l->n++;
	return 0;
}

/* A symlink is hashed as its target text: outputs are compared, never followed. */
static int hash_entry(int dirfd, const char *name, const char *rel, const struct stat *st,
		      char hex[JOB_HEX_LEN + 1], struct cap_error **err)
{
	if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(dirfd, name, target, sizeof(target));
		if (n < 0)
			return cap_fail(err, errno, "readlink %s", rel);
		return job_sha_buf(target, (size_t)n, hex, err);
	}
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return cap_fail(err, errno, "open %s", rel);
	return job_sha_fd(fd, rel, hex, err);
}

static int walk(int dirfd, const char *prefix, struct file_list *l, struct cap_error **err)
{
	int dup = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	cleanup_dir DIR *d = dup < 0 ? NULL : fdopendir(dup);
	if (!d) {
		if (dup >= 0)
			close(dup);
		return cap_fail(err, errno, "open dir %s", *prefix ? prefix : ".");
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char rel[PATH_MAX];
		if (snprintf(rel, sizeof(rel), "%s%s%s", prefix, *prefix ? "/" : "", e->d_name) >=
		    (int)sizeof(rel))
			return cap_fail(err, ENAMETOOLONG, "%s/%s", prefix, e->d_name);
		struct stat st;
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return cap_fail(err, errno, "stat %s", rel);
		if (S_ISDIR(st.st_mode)) {
			cleanup_close int sub = openat(
			    dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0 || walk(sub, rel, l, err) < 0)
				return sub < 0 ? cap_fail(err, errno, "open dir %s", rel) : -1;
			continue;
		}
		if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
			continue; /* fifos, sockets, devices: not outputs */
		char hex[JOB_HEX_LEN + 1];
		if (hash_entry(dirfd, e->d_name, rel, &st, hex, err) < 0)
			return -1;
		if (list_add(l, rel, hex) < 0)
			return cap_fail(err, ENOMEM, "file list");
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct job_file *)a)->name, ((const struct job_file *)b)->name);
}

void job_files_sort(struct job_file *f, size_t n)
{
	if (n)
		qsort(f, n, sizeof(*f), by_name);
}

int job_hash_tree(const char *dir, struct job_file **out, size_t *n, struct cap_error **err)
{
	struct file_list l = {0};
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cap_fail(err, errno, "open %s", dir);
	if (walk(fd, "", &l, err) < 0) {
		job_files_free(l.v, l.n);
		return -1;
	}
	job_files_sort(l.v, l.n);
	*out = l.v;
	*n = l.n;
	return 0;
}

void job_files_free(struct job_file *f, size_t n)
{
	for (size_t i = 0; f && i < n; i++)
		free(f[i].name);
	free(f);
}
