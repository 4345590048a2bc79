/* Small helpers shared by job/'s files. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../lib/cleanup.h"
#include "internal.h"

bool job_is_hex64(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return false;
	return n == JOB_HEX_LEN;
}

char *job_record_default(const char *output)
{
	size_t n = strlen(output);
	while (n > 1 && output[n - 1] == '/')
		n--;
	return cap_strdupf("%.*s.provenance.json", (int)n, output);
}

int job_empty_dir(const char *dir, struct cap_error **err)
{
	if (mkdir(dir, 0755) == 0)
		return 1;
	if (errno != EEXIST)
		return cap_fail(err, errno, "--output %.200s", dir);
	cleanup_dir DIR *d = opendir(dir);
	if (!d)
		return cap_fail(err, errno, "--output %.200s", dir);
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			return cap_fail(err, ENOTEMPTY,
					"--output %.200s: not empty (outputs must all come from "
					"the job)",
					dir);
	return 0;
}
