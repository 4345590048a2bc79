#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "../lib/file.h"
#include "../lib/userns.h"

/* Unprivileged callers may only map their own id, once, directly. */
static int needs_helper(const struct cap_id_mapping *m, size_t n, unsigned own)
{
	return geteuid() != 0 && !(n == 1 && m[0].size == 1 && m[0].host_id == own);
}

static int run_helper(const char *helper, pid_t pid, const struct cap_id_mapping *m, size_t n,
		      struct cap_error **err)
{
	char **argv = calloc(3 * n + 3, sizeof(char *));
	if (!argv)
		return cap_fail(err, ENOMEM, "%s", helper);
	char pidbuf[16];
	snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
	argv[0] = (char *)helper;
	argv[1] = pidbuf;
	for (size_t i = 0; i < n; i++) {
		if (asprintf(&argv[2 + 3 * i], "%u", m[i].container_id) < 0 ||
		    asprintf(&argv[3 + 3 * i], "%u", m[i].host_id) < 0 ||
		    asprintf(&argv[4 + 3 * i], "%u", m[i].size) < 0)
			break;
	}
	pid_t child = fork();
	if (child == 0) {
		execvp(helper, argv);
		_exit(127);
	}
	int status = 0;
	if (child > 0)
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
	for (size_t i = 2; i < 3 * n + 2; i++)
		free(argv[i]);
	free(argv);
	if (child < 0)
		return cap_fail(err, errno, "fork %s", helper);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return cap_fail(err, 0,
				"%s %d failed (is the uidmap package installed and "
				"/etc/subuid set up?)",
				helper, pid);
	return 0;
}

static int write_map(pid_t pid, const char *file, const char *helper,
		     const struct cap_id_mapping *m, size_t n, unsigned own, struct cap_error **err)
{
	if (!n)
		return 0;
	if (needs_helper(m, n, own))
		return run_helper(helper, pid, m, n, err);
	return cap_id_map_write(pid, file, m, n,
				file[0] == 'u' ? "linux.uidMappings" : "linux.gidMappings", err);
}

bool userns_running_in(void)
{
	cleanup_file FILE *f = fopen("/proc/self/uid_map", "re");
	unsigned long a, b, c;
	if (!f)
		return false;
	if (fscanf(f, "%lu %lu %lu", &a, &b, &c) != 3)
		return false;
	return !(a == 0 && b == 0 && c == 4294967295UL);
}

int userns_write_maps(pid_t pid, const struct spec_linux *l, struct cap_error **err)
{
	if (geteuid() != 0 && !needs_helper(l->gid_mappings, l->n_gid_mappings, getegid())) {
		/* An unprivileged gid_map needs setgroups denied first. */
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
		if (cap_write_file_str(path, "deny", err) < 0)
			return -1;
	}
	if (write_map(pid, "uid_map", "newuidmap", l->uid_mappings, l->n_uid_mappings, geteuid(),
		      err) < 0)
		return -1;
	return write_map(pid, "gid_map", "newgidmap", l->gid_mappings, l->n_gid_mappings, getegid(),
			 err);
}

int userns_write_time_offsets(const struct spec_linux *l, struct cap_error **err)
{
	char buf[128];
	int n = 0;
	if (l->time_monotonic.present)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "monotonic %lld %u\n",
			      (long long)l->time_monotonic.secs, l->time_monotonic.nanosecs);
	if (l->time_boottime.present)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "boottime %lld %u\n",
			      (long long)l->time_boottime.secs, l->time_boottime.nanosecs);
	if (!n)
		return 0;
	/* One line per write: the kernel parses a single offset per call on
	 * older versions. */
	cleanup_close int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return cap_fail(err, errno, "open /proc/self/timens_offsets");
	for (char *line = buf; *line;) {
		char *nl = strchr(line, '\n');
		size_t len = (size_t)(nl - line + 1);
		if (write(fd, line, len) != (ssize_t)len)
			return cap_fail(err, errno, "linux.timeOffsets: write timens_offsets");
		line = nl + 1;
	}
	return 0;
}
