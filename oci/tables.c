#include "tables.h"

#include <ctype.h>
#include <errno.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/resource.h>

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

const struct name_value oci_rlimit_table[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};
const size_t oci_rlimit_table_len = LEN(oci_rlimit_table);

int oci_rlimit_from_name(const char *name)
{
	for (size_t i = 0; i < oci_rlimit_table_len; i++)
		if (strcmp(oci_rlimit_table[i].name, name) == 0)
			return oci_rlimit_table[i].value;
	return -1;
}

const struct name_value oci_signal_table[] = {
    {"HUP", SIGHUP},	   {"INT", SIGINT},	{"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP},	   {"ABRT", SIGABRT},	{"IOT", SIGIOT},   {"BUS", SIGBUS},
    {"FPE", SIGFPE},	   {"KILL", SIGKILL},	{"USR1", SIGUSR1}, {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},	   {"PIPE", SIGPIPE},	{"ALRM", SIGALRM}, {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},	{"CLD", SIGCHLD},  {"CONT", SIGCONT},
    {"STOP", SIGSTOP},	   {"TSTP", SIGTSTP},	{"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},
    {"URG", SIGURG},	   {"XCPU", SIGXCPU},	{"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF},	   {"WINCH", SIGWINCH}, {"IO", SIGIO},	   {"POLL", SIGPOLL},
    {"PWR", SIGPWR},	   {"SYS", SIGSYS},
};
const size_t oci_signal_table_len = LEN(oci_signal_table);

static int parse_small_int(const char *s, int max)
{
	if (!*s)
		return -1;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > max)
		return -1;
	return (int)v;
}

static int realtime_signal(const char *s)
{
	const char *rest;
	int base, sign;
	if (strncmp(s, "RTMIN", 5) == 0)
		rest = s + 5, base = SIGRTMIN, sign = 1;
	else if (strncmp(s, "RTMAX", 5) == 0)
		rest = s + 5, base = SIGRTMAX, sign = -1;
	else
		return -1;
	if (!*rest)
		return base;
	if ((sign > 0 && *rest != '+') || (sign < 0 && *rest != '-'))
		return -1;
	int off = parse_small_int(rest + 1, SIGRTMAX - SIGRTMIN);
	return off < 0 ? -1 : base + sign * off;
}

int oci_signal_from_string(const char *s)
{
	if (!s || !*s)
		return -1;
	if (isdigit((unsigned char)*s)) {
		int n = parse_small_int(s, SIGRTMAX);
		return n > 0 ? n : -1;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < oci_signal_table_len; i++)
		if (strcasecmp(oci_signal_table[i].name, s) == 0)
			return oci_signal_table[i].value;
	return realtime_signal(s);
}

const struct mount_opt oci_mount_opt_table[] = {
    {"defaults", MOPT_FLAG, false, 0},
    {"ro", MOPT_FLAG, false, MS_RDONLY},
    {"rw", MOPT_FLAG, true, MS_RDONLY},
    {"suid", MOPT_FLAG, true, MS_NOSUID},
    {"nosuid", MOPT_FLAG, false, MS_NOSUID},
    {"dev", MOPT_FLAG, true, MS_NODEV},
    {"nodev", MOPT_FLAG, false, MS_NODEV},
    {"exec", MOPT_FLAG, true, MS_NOEXEC},
    {"noexec", MOPT_FLAG, false, MS_NOEXEC},
    {"sync", MOPT_FLAG, false, MS_SYNCHRONOUS},
    {"async", MOPT_FLAG, true, MS_SYNCHRONOUS},
    {"dirsync", MOPT_FLAG, false, MS_DIRSYNC},
    {"remount", MOPT_FLAG, false, MS_REMOUNT},
    {"mand", MOPT_FLAG, false, MS_MANDLOCK},
    {"nomand", MOPT_FLAG, true, MS_MANDLOCK},
    {"atime", MOPT_FLAG, true, MS_NOATIME},
    {"noatime", MOPT_FLAG, false, MS_NOATIME},
    {"diratime", MOPT_FLAG, true, MS_NODIRATIME},
    {"nodiratime", MOPT_FLAG, false, MS_NODIRATIME},
    {"relatime", MOPT_FLAG, false, MS_RELATIME},
    {"norelatime", MOPT_FLAG, true, MS_RELATIME},
    {"strictatime", MOPT_FLAG, false, MS_STRICTATIME},
    {"nostrictatime", MOPT_FLAG, true, MS_STRICTATIME},
    {"symfollow", MOPT_FLAG, true, MS_NOSYMFOLLOW},
    {"nosymfollow", MOPT_FLAG, false, MS_NOSYMFOLLOW},
    {"bind", MOPT_BIND, false, MS_BIND},
    {"rbind", MOPT_BIND, false, MS_BIND | MS_REC},
    {"shared", MOPT_PROPAGATION, false, MS_SHARED},
    {"rshared", MOPT_PROPAGATION, false, MS_SHARED | MS_REC},
    {"slave", MOPT_PROPAGATION, false, MS_SLAVE},
    {"rslave", MOPT_PROPAGATION, false, MS_SLAVE | MS_REC},
    {"private", MOPT_PROPAGATION, false, MS_PRIVATE},
    {"rprivate", MOPT_PROPAGATION, false, MS_PRIVATE | MS_REC},
    {"unbindable", MOPT_PROPAGATION, false, MS_UNBINDABLE},
    {"runbindable", MOPT_PROPAGATION, false, MS_UNBINDABLE | MS_REC},
    {"rro", MOPT_RECURSIVE, false, MOUNT_ATTR_RDONLY},
    {"rrw", MOPT_RECURSIVE, true, MOUNT_ATTR_RDONLY},
    {"rnosuid", MOPT_RECURSIVE, false, MOUNT_ATTR_NOSUID},
    {"rsuid", MOPT_RECURSIVE, true, MOUNT_ATTR_NOSUID},
    {"rnodev", MOPT_RECURSIVE, false, MOUNT_ATTR_NODEV},
    {"rdev", MOPT_RECURSIVE, true, MOUNT_ATTR_NODEV},
    {"rnoexec", MOPT_RECURSIVE, false, MOUNT_ATTR_NOEXEC},
    {"rexec", MOPT_RECURSIVE, true, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", MOPT_RECURSIVE, false, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", MOPT_RECURSIVE, true, MOUNT_ATTR_NODIRATIME},
    {"rrelatime", MOPT_RECURSIVE, false, MOUNT_ATTR_RELATIME},
    {"rnorelatime", MOPT_RECURSIVE, true, MOUNT_ATTR_RELATIME},
    {"ratime", MOPT_RECURSIVE, true, MOUNT_ATTR_NOATIME},
    {"rnoatime", MOPT_RECURSIVE, false, MOUNT_ATTR_NOATIME},
    {"rstrictatime", MOPT_RECURSIVE, false, MOUNT_ATTR_STRICTATIME},
    {"rnostrictatime", MOPT_RECURSIVE, true, MOUNT_ATTR_STRICTATIME},
    {"rnosymfollow", MOPT_RECURSIVE, false, MOUNT_ATTR_NOSYMFOLLOW},
    {"rsymfollow", MOPT_RECURSIVE, true, MOUNT_ATTR_NOSYMFOLLOW},
    {"idmap", MOPT_IDMAP, false, 0},
    {"ridmap", MOPT_IDMAP, false, 1},
    {"tmpcopyup", MOPT_EXTRA, false, 0},
};
const size_t oci_mount_opt_table_len = LEN(oci_mount_opt_table);

const struct mount_opt *oci_mount_opt_lookup(const char *name)
{
	for (size_t i = 0; i < oci_mount_opt_table_len; i++)
		if (strcmp(oci_mount_opt_table[i].name, name) == 0)
			return &oci_mount_opt_table[i];
	return NULL;
}

unsigned long oci_propagation_from_name(const char *name)
{
	const struct mount_opt *o = oci_mount_opt_lookup(name);
	if (!o || o->kind != MOPT_PROPAGATION)
		return 0;
	return o->flag;
}

/* Values from linux/mempolicy.h; the newer ones spelled out for older headers. */
const struct name_value oci_mpol_mode_table[] = {
    {"MPOL_DEFAULT", 0},
    {"MPOL_PREFERRED", 1},
    {"MPOL_BIND", 2},
    {"MPOL_INTERLEAVE", 3},
    {"MPOL_LOCAL", 4},
    {"MPOL_PREFERRED_MANY", 5},
    {"MPOL_WEIGHTED_INTERLEAVE", 6},
};
const size_t oci_mpol_mode_table_len = sizeof(oci_mpol_mode_table) / sizeof(oci_mpol_mode_table[0]);

const struct name_value oci_mpol_flag_table[] = {
    {"MPOL_F_NUMA_BALANCING", 1 << 13},
    {"MPOL_F_RELATIVE_NODES", 1 << 14},
    {"MPOL_F_STATIC_NODES", 1 << 15},
};
const size_t oci_mpol_flag_table_len = sizeof(oci_mpol_flag_table) / sizeof(oci_mpol_flag_table[0]);
