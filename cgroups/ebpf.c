/* Load a device-filter program and attach it to a cgroup, replacing the
 * programs attached before: attach the new one first (BPF_F_ALLOW_MULTI),
 * then detach the old ones, so there is no moment without a filter. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../lib/cleanup.h"

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

int cg_bpf_load_device_filter(const struct bpf_insn *insns, size_t n, const char *path,
			      struct cap_error **err)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = (uint32_t)n;
	a.license = (uint64_t)(uintptr_t) "GPL";
	int fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return fd;
	int e = errno;
	if (e != EINVAL && e != EACCES)
		return cap_fail(err, e, "bpf(BPF_PROG_LOAD) device filter for %s", path);
	/* load again with the verifier log, to say why */
	static char log[4096];
	log[0] = '\0';
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return fd;
	char *nl = log + strlen(log);
	while (nl > log && (nl[-1] == '\n'))
		*--nl = '\0';
	const char *last = strrchr(log, '\n');
	return cap_fail(err, e, "bpf(BPF_PROG_LOAD) device filter for %s (verifier: %s)", path,
			last ? last + 1 : log);
}

/* Ids of the device programs attached to the cgroup now. */
static int query(int cgfd, uint32_t *ids, uint32_t *n, const char *path, struct cap_error **err)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.query.target_fd = (uint32_t)cgfd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (uint64_t)(uintptr_t)ids;
	a.query.prog_cnt = *n;
	if (sys_bpf(BPF_PROG_QUERY, &a) < 0)
		return cap_fail(err, errno, "bpf(BPF_PROG_QUERY) on %s", path);
	*n = a.query.prog_cnt < *n ? a.query.prog_cnt : *n;
	return 0;
}

static int detach(int cgfd, uint32_t id, const char *path, struct cap_error **err)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_id = id;
	cleanup_close int pfd = (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
	if (pfd < 0) {
		if (errno == ENOENT) /* went away meanwhile */
			return 0;
		return cap_fail(err, errno, "bpf(BPF_PROG_GET_FD_BY_ID %u) for %s", id, path);
	}
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgfd;
	a.attach_bpf_fd = (uint32_t)pfd;
	a.attach_type = BPF_CGROUP_DEVICE;
	if (sys_bpf(BPF_PROG_DETACH, &a) < 0 && errno != ENOENT)
		return cap_fail(err, errno, "bpf(BPF_PROG_DETACH) old device filter %u from %s", id,
				path);
	return 0;
}

int cg_bpf_attach_device_filter(int cgfd, const char *path, int pfd, struct cap_error **err)
{
	uint32_t old[64];
	uint32_t n_old = 64;
	if (query(cgfd, old, &n_old, path, err) < 0)
		return -1;
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgfd;
	a.attach_bpf_fd = (uint32_t)pfd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
		return cap_fail(err, errno, "bpf(BPF_PROG_ATTACH) device filter to %s", path);
	for (uint32_t i = 0; i < n_old; i++)
		if (detach(cgfd, old[i], path, err) < 0)
			return -1;
	return 0;
}

int cg_bpf_replace_device_filter(int cgfd, const char *path, const struct bpf_insn *insns, size_t n,
				 struct cap_error **err)
{
	cleanup_close int pfd = cg_bpf_load_device_filter(insns, n, path, err);
	if (pfd < 0)
		return -1;
	return cg_bpf_attach_device_filter(cgfd, path, pfd, err);
}
