/* /etc/ld.so.cache reader: the dynamic linker's own index of the libraries
 * it finds, so discovery sees the driver's libraries wherever the
 * distribution put them.  Reads the "glibc-ld.so.cache1.1" format (alone, as
 * glibc >= 2.32 writes it, or after the old "ld.so-1.7.0" table).  String
 * offsets are relative to the start of the new-format header. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "internal.h"

#define MAGIC_NEW      "glibc-ld.so.cache1.1"
#define MAGIC_OLD      "ld.so-1.7.0"
#define HDR_NEW	       48u /* magic[17] version[3] nlibs len_strings flags pad[3] ext unused[3] */
#define ENTRY_NEW      24u /* flags key value osversion hwcap(u64) */
#define ENTRY_OLD      12u /* flags key value */
#define FLAG_ARCH_MASK 0xff00

#if defined(__x86_64__)
#define NATIVE_ARCH 0x0300
#elif defined(__aarch64__)
#define NATIVE_ARCH 0x0a00
#else
#define NATIVE_ARCH -1
#endif

static uint32_t u32_at(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

void gpu_ldcache_free(struct ldcache_entry *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].soname);
		free(v[i].path);
	}
	free(v);
}

/* A NUL-terminated string at off inside [0, len), or NULL. */
static const char *str_at(const unsigned char *base, size_t len, uint32_t off)
{
	if (off >= len || !memchr(base + off, 0, len - off))
		return NULL;
	return (const char *)base + off;
}

static size_t new_header_offset(const unsigned char *m, size_t len)
{
	if (len >= HDR_NEW && memcmp(m, MAGIC_NEW, strlen(MAGIC_NEW)) == 0)
		return 0;
	if (len < 16 || memcmp(m, MAGIC_OLD, strlen(MAGIC_OLD)) != 0)
		return SIZE_MAX;
	size_t off = 16 + (size_t)u32_at(m + 12) * ENTRY_OLD;
	off = (off + 7) & ~(size_t)7;
	if (off + HDR_NEW > len || memcmp(m + off, MAGIC_NEW, strlen(MAGIC_NEW)) != 0)
		return SIZE_MAX;
	return off;
}

static int parse(const unsigned char *m, size_t len, const char *file, struct ldcache_entry **out,
		 size_t *n, struct cap_error **err)
{
	size_t h = new_header_offset(m, len);
	if (h == SIZE_MAX)
		return cap_fail(err, 0, "%s: not a glibc ld.so.cache", file);
	const unsigned char *base = m + h;
	size_t blen = len - h;
	uint32_t nlibs = u32_at(base + 20);
	if (nlibs > (blen - HDR_NEW) / ENTRY_NEW)
		return cap_fail(err, 0, "%s: truncated", file);
	struct ldcache_entry *v = calloc(nlibs ? nlibs : 1, sizeof(*v));
	if (!v)
		return cap_fail(err, ENOMEM, "%s", file);
	size_t k = 0;
	for (uint32_t i = 0; i < nlibs; i++) {
		const unsigned char *e = base + HDR_NEW + (size_t)i * ENTRY_NEW;
		int32_t flags = (int32_t)u32_at(e);
		const char *key = str_at(base, blen, u32_at(e + 4));
		const char *val = str_at(base, blen, u32_at(e + 8));
		if (!key || !val || (NATIVE_ARCH >= 0 && (flags & FLAG_ARCH_MASK) != NATIVE_ARCH))
			continue;
		v[k].soname = strdup(key);
		v[k].path = strdup(val);
		if (!v[k].soname || !v[k].path) {
			gpu_ldcache_free(v, k + 1);
			return cap_fail(err, ENOMEM, "%s", file);
		}
		k++;
	}
	*out = v;
	*n = k;
	return 0;
}

int gpu_ldcache_read(const char *file, struct ldcache_entry **out, size_t *n,
		     struct cap_error **err)
{
	cleanup_close int fd = open(file, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return cap_fail(err, errno, "open %s", file);
	if (st.st_size < 16 || st.st_size > (64 << 20))
		return cap_fail(err, 0, "%s: not a glibc ld.so.cache", file);
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return cap_fail(err, errno, "mmap %s", file);
	int rc = parse(m, (size_t)st.st_size, file, out, n, err);
	munmap(m, (size_t)st.st_size);
	return rc;
}
