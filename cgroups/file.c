/* cgroup file I/O.  Every error names the full file path, since "Invalid
 * argument" alone says nothing about which of a dozen writes failed. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "../lib/file.h"

int cg_write_path(const char *dir, const char *file, const char *value, struct cap_error **err)
{
	cleanup_free char *p = NULL;
	if (asprintf(&p, "%s/%s", dir, file) < 0)
		return cap_fail(err, ENOMEM, "write %s/%s", dir, file);
	cleanup_close int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return cap_fail(err, errno, "open %s", p);
	size_t len = strlen(value);
	/* one write(): cgroup files parse each write as a whole */
	ssize_t w = write(fd, value, len);
	if (w < 0)
		return cap_fail(err, errno, "write %s", p);
	if ((size_t)w != len)
		return cap_fail(err, EIO, "write %s: short write", p);
	return 0;
}

int cg_write(const struct cgroup *cg, const char *file, const char *value, struct cap_error **err)
{
	return cg_write_path(cg->path, file, value, err);
}

int cg_read_path(const char *dir, const char *file, char **out, struct cap_error **err)
{
	cleanup_free char *p = NULL;
	if (asprintf(&p, "%s/%s", dir, file) < 0)
		return cap_fail(err, ENOMEM, "read %s/%s", dir, file);
	*out = cap_read_file_at(AT_FDCWD, p, NULL, err);
	return *out ? 0 : -1;
}

int cg_read(const struct cgroup *cg, const char *file, char **out, struct cap_error **err)
{
	return cg_read_path(cg->path, file, out, err);
}

bool cg_word_in(const char *list, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = list; p && *p;) {
		while (*p == ' ' || *p == '\n' || *p == '\t')
			p++;
		const char *e = p;
		while (*e && *e != ' ' && *e != '\n' && *e != '\t')
			e++;
		if ((size_t)(e - p) == wl && wl && memcmp(p, word, wl) == 0)
			return true;
		p = e;
	}
	return false;
}

bool cg_keyed_u64(const char *text, const char *key, uint64_t *out)
{
	size_t kl = strlen(key);
	for (const char *line = text; line && *line;) {
		if (strncmp(line, key, kl) == 0 && line[kl] == ' ') {
			const char *v = line + kl + 1;
			if (strncmp(v, "max", 3) == 0)
				*out = UINT64_MAX;
			else
				*out = strtoull(v, NULL, 10);
			return true;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return false;
}
