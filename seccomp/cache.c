/* The on-disk cache of compiled filters (see cache.h). */
/* SHA256_Init/Update/Final: deprecated in OpenSSL 3 but kept, and they skip
 * what the EVP interface costs on its first use in a process (~1.2 ms on the
 * 2-core dev host to set up the default provider), which would be most of a
 * cache hit.  Measured: 0.02 ms for the first 20 KB digest against 1.3 ms. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <errno.h>
#include <fcntl.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "cache.h"

#define CACHE_MAGIC  "CAPSBPF" /* 8 bytes with its NUL */
#define CACHE_FORMAT 1u

struct cache_header {
	char magic[8];
	uint32_t format;
	uint32_t len; /* payload bytes */
	unsigned char key[32];
	unsigned char sum[32]; /* sha256 of the payload */
};

static void say(sc_note_fn note, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(sc_note_fn note, const char *fmt, ...)
{
	if (!note)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	note(msg);
}

static int sha256(const void *data, size_t len, unsigned char out[32])
{
	SHA256_CTX c;
	if (SHA256_Init(&c) != 1 || SHA256_Update(&c, data, len) != 1 || SHA256_Final(out, &c) != 1)
		return -1;
	return 0;
}

int sc_cache_key(const void *rec, size_t len, bool incomplete, struct sc_cache_key *k)
{
	if (incomplete || !rec || sha256(rec, len, k->sum) < 0)
		return -1;
	for (int i = 0; i < 32; i++)
		snprintf(k->hex + 2 * i, 3, "%02x", k->sum[i]);
	return 0;
}

/* The directory, if it is the caller's own and closed to everyone else. */
static int open_dir(const char *dir, bool create, sc_note_fn note)
{
	if (create && mkdir(dir, 0700) < 0 && errno != EEXIST) {
		say(note, "seccomp cache: mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			say(note, "seccomp cache: open %s: %s", dir, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 077)) {
		say(note, "seccomp cache: %s is not a 0700 directory of uid %u: not used", dir,
		    (unsigned)geteuid());
		close(fd);
		return -1;
	}
	return fd;
}

#define MAX_FILE (sizeof(struct cache_header) + BPF_MAXINSNS * sizeof(struct sock_filter))

/* Why the file at fd cannot be used, or NULL; *buf receives its content. */
static const char *read_entry(int fd, const struct sc_cache_key *k, unsigned char **buf,
			      size_t *size)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid())
		return "not a regular file of ours";
	if (st.st_size <= (off_t)sizeof(struct cache_header) || (size_t)st.st_size > MAX_FILE)
		return "bad size";
	*size = (size_t)st.st_size;
	*buf = malloc(*size);
	if (!*buf)
		return "out of memory";
	if (pread(fd, *buf, *size, 0) != (ssize_t)*size)
		return "short read";
	struct cache_header h;
	memcpy(&h, *buf, sizeof(h));
	if (memcmp(h.magic, CACHE_MAGIC, sizeof(h.magic)) || h.format != CACHE_FORMAT)
		return "bad header";
	if (h.len != *size - sizeof(h) || sc_bpf_check("cached BPF", h.len, NULL) < 0)
		return "bad length";
	if (memcmp(h.key, k->sum, sizeof(h.key)))
		return "key mismatch";
	unsigned char sum[32];
	if (sha256(*buf + sizeof(h), h.len, sum) < 0 || memcmp(sum, h.sum, sizeof(sum)))
		return "checksum mismatch";
	return NULL;
}

int sc_cache_get(const char *dir, const struct sc_cache_key *k, struct sc_program *p,
		 sc_note_fn note)
{
	cleanup_close int dfd = open_dir(dir, false, note);
	cleanup_close int fd =
	    dfd < 0 ? -1 : openat(dfd, k->hex, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		say(note, "seccomp cache: miss %s", k->hex);
		return -1;
	}
	cleanup_free unsigned char *buf = NULL;
	size_t size = 0;
	const char *why = read_entry(fd, k, &buf, &size);
	if (why) {
		say(note, "seccomp cache: %s/%s rejected (%s): compiling", dir, k->hex, why);
		return -1;
	}
	size_t bytes = size - sizeof(struct cache_header);
	p->insns = malloc(bytes);
	if (!p->insns)
		return -1;
	memcpy(p->insns, buf + sizeof(struct cache_header), bytes);
	p->len = (unsigned short)(bytes / sizeof(struct sock_filter));
	futimens(fd, NULL); /* recently used: evicted last */
	say(note, "seccomp cache: hit %s/%s (%u instructions)", dir, k->hex, p->len);
	return 0;
}

struct entry {
	char name[72];
	struct timespec mtime;
	off_t size;
};

static int by_age(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	return (x->mtime.tv_nsec > y->mtime.tv_nsec) - (x->mtime.tv_nsec < y->mtime.tv_nsec);
}

/* Keep at most SECCOMP_CACHE_MAX_ENTRIES files and SECCOMP_CACHE_MAX_BYTES:
 * only after a write, so hits never scan the directory. */
static void evict(int dfd)
{
	int d2 = dup(dfd);
	DIR *d = d2 < 0 ? NULL : fdopendir(d2);
	if (!d) {
		if (d2 >= 0)
			close(d2);
		return;
	}
	struct entry list[4 * SECCOMP_CACHE_MAX_ENTRIES];
	size_t n = 0;
	off_t total = 0;
	struct dirent *de;
	struct stat st;
	while ((de = readdir(d)) && n < sizeof(list) / sizeof(list[0])) {
		if (strlen(de->d_name) != 64 ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		list[n] = (struct entry){.mtime = st.st_mtim, .size = st.st_size};
		snprintf(list[n].name, sizeof(list[n].name), "%s", de->d_name);
		total += st.st_size;
		n++;
	}
	closedir(d);
	qsort(list, n, sizeof(list[0]), by_age);
	for (size_t i = 0;
	     i < n && (n - i > SECCOMP_CACHE_MAX_ENTRIES || total > (off_t)SECCOMP_CACHE_MAX_BYTES);
	     i++) {
		unlinkat(dfd, list[i].name, 0);
		total -= list[i].size;
	}
}

void sc_cache_put(const char *dir, const struct sc_cache_key *k, const struct sc_program *p,
		  sc_note_fn note)
{
	cleanup_close int dfd = open_dir(dir, true, note);
	if (dfd < 0)
		return;
	struct cache_header h = {.format = CACHE_FORMAT,
				 .len = (uint32_t)(p->len * sizeof(struct sock_filter))};
	memcpy(h.magic, CACHE_MAGIC, sizeof(h.magic));
	memcpy(h.key, k->sum, sizeof(h.key));
	if (sha256(p->insns, h.len, h.sum) < 0)
		return;
	char tmp[96];
	snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", k->hex, (int)getpid());
	cleanup_close int fd =
	    openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		say(note, "seccomp cache: create %s/%s: %s", dir, tmp, strerror(errno));
		return;
	}
	struct iovec iov[2] = {{&h, sizeof(h)}, {p->insns, h.len}};
	/* No fsync: a torn file after a crash fails the checksum and is recompiled. */
	if (writev(fd, iov, 2) != (ssize_t)(sizeof(h) + h.len) ||
	    renameat(dfd, tmp, dfd, k->hex) < 0) {
		say(note, "seccomp cache: write %s/%s: %s", dir, k->hex,
		    errno ? strerror(errno) : "short write");
		unlinkat(dfd, tmp, 0);
		return;
	}
	say(note, "seccomp cache: stored %s/%s", dir, k->hex);
	evict(dfd);
}
