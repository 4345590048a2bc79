/* Reading the small files of /proc, /sys and cgroupfs. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../runtime/cleanup.h"

#define MEM_FILE_MAX (64 * 1024)

/* From offset 0 with pread: cgroupfs and procfs files are generated anew at
 * each read from the start, so one fd serves every round. */
char *mem_reread(int fd)
{
	if (fd < 0)
		return NULL;
	cleanup_free char *buf = malloc(MEM_FILE_MAX + 1);
	if (!buf)
		return NULL;
	size_t len = 0;
	while (len < MEM_FILE_MAX) {
		ssize_t r = pread(fd, buf + len, MEM_FILE_MAX - len, (off_t)len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return NULL;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	return steal_pointer(&buf);
}

char *mem_read_at(int dirfd, const char *name)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? NULL : mem_reread(fd);
}

bool mem_read_val(int dirfd, const char *name, struct mem_val *out)
{
	cleanup_free char *t = mem_read_at(dirfd, name);
	out->set = t && mem_parse_u64_or_max(t, &out->v) == 0;
	return out->set;
}

void mem_unavailable(const char **list, size_t *n, const char *what)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(list[i], what) == 0)
			return;
	if (*n < MEM_MAX_UNAVAILABLE)
		list[(*n)++] = what;
}
