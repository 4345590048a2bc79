#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "../lib/file.h"

int process_set_rlimits(const struct spec_process *p, struct cap_error **err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit rl = {.rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard};
		if (setrlimit(p->rlimits[i].resource, &rl) < 0)
			return cap_fail(err, errno, "setrlimit process.rlimits[%zu]", i);
	}
	return 0;
}

int process_set_oom_score_adj(const struct spec_process *p, struct cap_error **err)
{
	if (!p->has_oom_score_adj)
		return 0;
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d", p->oom_score_adj);
	cleanup_close int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, (size_t)n) != n)
		return cap_fail(err, errno, "set oom_score_adj to %d", p->oom_score_adj);
	return 0;
}

struct sched_attr_v1 {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};

#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_WHO_PROCESS 1

int process_set_scheduling(const struct spec_process *p, struct cap_error **err)
{
	if (p->scheduler.present) {
		struct sched_attr_v1 a = {
		    .size = sizeof(a),
		    .sched_policy = (uint32_t)p->scheduler.policy,
		    .sched_flags = p->scheduler.flags,
		    .sched_nice = p->scheduler.nice,
		    .sched_priority = (uint32_t)p->scheduler.priority,
		    .sched_runtime = p->scheduler.runtime,
		    .sched_deadline = p->scheduler.deadline,
		    .sched_period = p->scheduler.period,
		};
		if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
			return cap_fail(err, errno, "process.scheduler: sched_setattr");
	}
	if (p->io_priority.present) {
		int prio = (p->io_priority.class << IOPRIO_CLASS_SHIFT) | p->io_priority.priority;
		if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, prio) < 0)
			return cap_fail(err, errno, "process.ioPriority: ioprio_set");
	}
	return 0;
}

int process_set_personality(const struct spec_linux *l, struct cap_error **err)
{
	if (!l->personality.present)
		return 0;
	if (personality(l->personality.domain) < 0)
		return cap_fail(err, errno, "linux.personality: personality");
	return 0;
}

int process_set_mempolicy(const struct spec_linux *l, struct cap_error **err)
{
	const struct spec_mem_policy *mp = &l->mem_policy;
	if (!mp->present)
		return 0;
	const unsigned long *mask = mp->has_nodes ? mp->nodes : NULL;
	if (syscall(SYS_set_mempolicy, mp->mode | (int)mp->flags, mask,
		    mask ? (unsigned long)SPEC_MPOL_MAX_NODES : 0UL) < 0)
		return cap_fail(err, errno,
				"linux.memoryPolicy: set_mempolicy (mode %d, flags 0x%x; nodes "
				"outside the allowed set or a mode this kernel lacks?)",
				mp->mode, mp->flags);
	return 0;
}

/* "0-3,7" -> cpu_set_t */
static int parse_cpu_list(const char *s, cpu_set_t *set)
{
	CPU_ZERO(set);
	while (*s) {
		char *end;
		long a = strtol(s, &end, 10), b;
		if (end == s || a < 0 || a >= CPU_SETSIZE)
			return -1;
		b = a;
		if (*end == '-') {
			s = end + 1;
			b = strtol(s, &end, 10);
			if (end == s || b < a || b >= CPU_SETSIZE)
				return -1;
		}
		for (long c = a; c <= b; c++)
			CPU_SET(c, set);
		if (*end == ',')
			end++;
		else if (*end)
			return -1;
		s = end;
	}
	return 0;
}

int process_set_cpu_affinity(const char *cpus, struct cap_error **err)
{
	if (!cpus)
		return 0;
	cpu_set_t set;
	if (parse_cpu_list(cpus, &set) < 0)
		return cap_fail(err, 0, "process.execCPUAffinity: invalid cpu list \"%s\"", cpus);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return cap_fail(err, errno, "process.execCPUAffinity: sched_setaffinity %s", cpus);
	return 0;
}

/* process.env's PATH; NULL (the default list) without one. */
static const char *env_path(const struct spec_process *p)
{
	for (size_t i = 0; i < p->n_env; i++)
		if (strncmp(p->env[i], "PATH=", 5) == 0)
			return p->env[i] + 5;
	return NULL;
}

char *process_find_executable(const struct spec_process *p, struct cap_error **err)
{
	const char *name = p->args[0];
	if (strchr(name, '/')) {
		if (access(name, F_OK) < 0) {
			cap_fail(err, errno, "exec: \"%s\": stat %s", name, name);
			return NULL;
		}
		return strdup(name);
	}
	char *found = cap_path_search(name, env_path(p));
	if (!found)
		cap_fail(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", name);
	return found;
}

static char *home_from_passwd(uid_t uid)
{
	cleanup_file FILE *f = fopen("/etc/passwd", "re");
	char line[1024];
	while (f && fgets(line, sizeof(line), f)) {
		/* name:pw:uid:gid:gecos:home:shell */
		char *field[7] = {0};
		char *save = NULL, *p = line;
		for (int i = 0; i < 7; i++, p = NULL)
			field[i] = strtok_r(p, ":\n", &save);
		if (field[2] && field[5] && strtoul(field[2], NULL, 10) == uid)
			return strdup(field[5]);
	}
	return NULL;
}

char *process_home_env(const struct spec_process *p)
{
	for (size_t i = 0; i < p->n_env; i++)
		if (strncmp(p->env[i], "HOME=", 5) == 0)
			return NULL;
	cleanup_free char *home = home_from_passwd(p->user.uid);
	char *kv = NULL;
	if (asprintf(&kv, "HOME=%s", home ? home : "/") < 0)
		return NULL;
	return kv;
}

int process_drop_bounding(const struct spec_process *p, struct cap_error **err)
{
	uint64_t keep = p->has_capabilities && p->caps.has_bounding ? p->caps.bounding : 0;
	int last = cap_max_bits();
	for (int c = 0; c < last && c < 64; c++) {
		if (keep & (1ULL << c))
			continue;
		/* One call per capability (dropping a dropped one succeeds); asking
		 * first only when the drop is refused, e.g. without CAP_SETPCAP. */
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == 0)
			continue;
		int e = errno;
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) > 0)
			return cap_fail(err, e, "drop capability %d from the bounding set", c);
	}
	return 0;
}

int process_switch_user(const struct spec_process *p, bool in_userns, struct cap_error **err)
{
	const struct spec_user *u = &p->user;
	/* Keep the permitted set across the uid change; process_apply_caps then
	 * trims it to exactly what the config asks for. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return cap_fail(err, errno, "prctl PR_SET_KEEPCAPS");
	if (setgroups(u->n_additional_gids, u->additional_gids) < 0 &&
	    !(errno == EPERM && u->n_additional_gids == 0))
		return cap_fail(err, errno, "setgroups process.user.additionalGids");
	if (setresgid(u->gid, u->gid, u->gid) < 0 && !(in_userns && errno == EINVAL))
		return cap_fail(err, errno, "setresgid %u", u->gid);
	if (setresuid(u->uid, u->uid, u->uid) < 0 && !(in_userns && errno == EINVAL))
		return cap_fail(err, errno, "setresuid %u", u->uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return cap_fail(err, errno, "prctl PR_SET_KEEPCAPS");
	if (u->has_umask)
		umask(u->umask);
	return 0;
}

static void set_flag_from_mask(cap_t caps, cap_flag_t flag, uint64_t mask, int last)
{
	for (int c = 0; c < last && c < 64; c++) {
		if (!(mask & (1ULL << c)))
			continue;
		cap_value_t v = c;
		cap_set_flag(caps, flag, 1, &v, CAP_SET);
	}
}

int process_apply_caps(const struct spec_process *p, struct cap_error **err)
{
	const struct spec_capabilities *c = &p->caps;
	int last = cap_max_bits();
	cap_t caps = cap_init();
	if (!caps)
		return cap_fail(err, errno, "cap_init");
	if (p->has_capabilities) {
		set_flag_from_mask(caps, CAP_EFFECTIVE, c->effective, last);
		set_flag_from_mask(caps, CAP_PERMITTED, c->permitted, last);
		set_flag_from_mask(caps, CAP_INHERITABLE, c->inheritable, last);
	}
	int rc = cap_set_proc(caps);
	int e = errno;
	cap_free(caps);
	if (rc < 0)
		return cap_fail(err, e, "apply process.capabilities");
	/* One prctl; libcap's cap_reset_ambient first asks about every capability. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return cap_fail(err, errno, "reset ambient capabilities");
	for (int v = 0; p->has_capabilities && v < last && v < 64; v++) {
		if (!(c->ambient & (1ULL << v)))
			continue;
		/* runc ignores ambient caps that are not also permitted+inheritable */
		if (cap_set_ambient(v, CAP_SET) < 0 && errno != EPERM)
			return cap_fail(err, errno, "raise ambient capability %d", v);
	}
	return 0;
}

int process_set_no_new_privs(struct cap_error **err)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return cap_fail(err, errno, "prctl PR_SET_NO_NEW_PRIVS");
	return 0;
}

int process_cloexec_from(int first, struct cap_error **err)
{
	if (syscall(SYS_close_range, (unsigned)first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	/* Kernels before 5.11: walk /proc/self/fd. */
	cleanup_dir DIR *d = opendir("/proc/self/fd");
	if (!d)
		return cap_fail(err, errno, "open /proc/self/fd");
	struct dirent *de;
	while ((de = readdir(d))) {
		int fd = atoi(de->d_name);
		if (fd >= first && fd != dirfd(d))
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	return 0;
}

/* The kernel's struct sigaction (with sa_restorer, as on x86-64 and arm64). */
struct kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

static void reset_reserved_signal(int sig)
{
	struct kernel_sigaction k = {.handler = SIG_DFL};
	syscall(SYS_rt_sigaction, sig, &k, NULL, sizeof(k.mask));
}

void process_reset_signals(void)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigemptyset(&dfl.sa_mask);
	/* SIGKILL and SIGSTOP refuse (EINVAL).  So do the C library's internal
	 * signals (glibc: 32 and 33) through sigaction(), yet they can arrive
	 * ignored from whoever started us (GNU make's children have both
	 * ignored) and SIG_IGN survives execve: reset those with the raw call. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sigaction(sig, &dfl, NULL) < 0 && sig != SIGKILL && sig != SIGSTOP)
			reset_reserved_signal(sig);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}
