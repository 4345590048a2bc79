/* Reading the small files of /proc, /sys and cgroupfs. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "../lib/file.h"

#define MEM_FILE_MAX (64 * 1024)

/* From offset 0: cgroupfs and procfs files are generated anew at each read from the
 * start, so one fd serves every round. */
char *mem_reread(int fd)
{
	if (fd < 0)
		return NULL;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return NULL;
	struct cap_error *e = NULL;
	char *text = cap_read_fd(fd, MEM_FILE_MAX, NULL, "memory file", &e);
	cap_error_free(e); /* callers show a missing value as unavailable */
	return text;
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
