#include "ns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "error.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

const struct cap_ns_info cap_ns_table[CAP_NS_COUNT] = {
    [CAP_NS_USER] = {"user", "user", CLONE_NEWUSER},
    [CAP_NS_PID] = {"pid", "pid", CLONE_NEWPID},
    [CAP_NS_NET] = {"network", "net", CLONE_NEWNET},
    [CAP_NS_IPC] = {"ipc", "ipc", CLONE_NEWIPC},
    [CAP_NS_UTS] = {"uts", "uts", CLONE_NEWUTS},
    [CAP_NS_CGROUP] = {"cgroup", "cgroup", CLONE_NEWCGROUP},
    [CAP_NS_TIME] = {"time", "time", CLONE_NEWTIME},
    [CAP_NS_MOUNT] = {"mount", "mnt", CLONE_NEWNS},
};

const struct cap_ns_info *cap_ns_by_name(const char *name)
{
	for (int i = 0; i < CAP_NS_COUNT; i++)
		if (strcmp(cap_ns_table[i].name, name) == 0)
			return &cap_ns_table[i];
	return NULL;
}

enum cap_ns cap_ns_index(int clone_flag)
{
	int i = 0;
	while (i < CAP_NS_COUNT && cap_ns_table[i].clone_flag != clone_flag)
		i++;
	return (enum cap_ns)i;
}

const struct cap_ns_info *cap_ns_by_flag(int clone_flag)
{
	enum cap_ns i = cap_ns_index(clone_flag);
	return i < CAP_NS_COUNT ? &cap_ns_table[i] : NULL;
}

int cap_ns_enter_for_children(int fd, int type, int *saved, struct cap_error **err)
{
	const struct cap_ns_info *ns = cap_ns_by_flag(type);
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/ns/%s", ns ? ns->proc : "?");
	*saved = open(self, O_RDONLY | O_CLOEXEC);
	if (*saved < 0)
		return cap_fail(err, errno, "open %s", self);
	if (fd >= 0 && setns(fd, type) < 0)
		return cap_fail(err, errno, "join %s namespace", ns ? ns->name : "?");
	if (fd < 0 && unshare(type) < 0)
		return cap_fail(err, errno, "unshare %s namespace", ns ? ns->name : "?");
	return 0;
}

int cap_ns_leave_for_children(int *saved, int type, struct cap_error **err)
{
	if (*saved < 0)
		return 0;
	int rc = setns(*saved, type);
	int e = errno;
	close(*saved);
	*saved = -1;
	if (rc < 0) {
		const struct cap_ns_info *ns = cap_ns_by_flag(type);
		return cap_fail(err, e, "return to our own %s namespace", ns ? ns->name : "?");
	}
	return 0;
}
