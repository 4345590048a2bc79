/* A scratch directory for unit tests that touch files: unit_tmp_init() makes it,
 * tpath() names a file in it, put/exists/count_entries create and inspect files,
 * unit_tmp_done() removes it.  Needs lib/ (file helpers) and unit.h. */
#ifndef CAPSULE_UNIT_TMP_H
#define CAPSULE_UNIT_TMP_H

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/file.h"
#include "unit.h"

static char tmpdir[] = "/tmp/capsule-unit.XXXXXX";

static inline int unit_tmp_init(void)
{
	if (mkdtemp(tmpdir))
		return 0;
	perror("mkdtemp");
	return -1;
}

static inline void unit_tmp_done(void)
{
	struct cap_error *e = NULL;
	CHECK_INT(cap_rm_rf(tmpdir, &e), 0);
	cap_error_free(e);
}

/* tmpdir/name, malloc'd */
static inline char *tpath(const char *name)
{
	return cap_strdupf("%s/%s", tmpdir, name);
}

/* Write data to tmpdir/name (created 0644 or truncated). */
static inline void put(const char *name, const char *data)
{
	char *p = tpath(name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK_INT(cap_write_all(fd, data, strlen(data)), strlen(data));
		close(fd);
	}
	free(p);
}

/* Whether tmpdir/name exists (a dangling symlink counts). */
static inline bool exists(const char *name)
{
	struct stat st;
	char *p = tpath(name);
	bool ok = lstat(p, &st) == 0;
	free(p);
	return ok;
}

/* Entries of dir whose name contains part ("" counts . and ..): temp files left behind. */
static inline int count_entries(const char *dir, const char *part)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strstr(de->d_name, part))
			n++;
	closedir(d);
	return n;
}

#endif
