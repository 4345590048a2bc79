/* Shared bits of the libFuzzer targets (tests/fuzz/fuzz_*.c).
 *
 * Each target defines LLVMFuzzerTestOneInput over one parser of outside input; `make fuzz`
 * builds every tests/fuzz/fuzz_*.c against an ASan+UBSan build of the library and runs it
 * from the seeds in tests/fuzz/corpus/<name>/. */
#ifndef CAPSULE_FUZZ_H
#define CAPSULE_FUZZ_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

/* Parsers want C strings: a NUL-terminated copy of the input (NULL: out of memory). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

static char fuzz_scratch_dir[128];

static inline int fuzz_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static inline void fuzz_scratch_remove(void)
{
	nftw(fuzz_scratch_dir, fuzz_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A private scratch directory for this fuzzer process, created once, on tmpfs when there
 * is one (targets that parse files write them here). */
static inline const char *fuzz_scratch(void)
{
	char *dir = fuzz_scratch_dir;
	if (dir[0])
		return dir;
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(dir, sizeof(fuzz_scratch_dir), "%s/capsule-fuzz-XXXXXX", base);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		abort();
	}
	atexit(fuzz_scratch_remove);
	return dir;
}

/* Write a whole file (abort on failure: the harness, not the target, is broken). */
static inline void fuzz_write(int dirfd, const char *name, const void *buf, size_t len)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (len && write(fd, buf, len) != (ssize_t)len)) {
		perror(name);
		abort();
	}
	close(fd);
}

#endif
