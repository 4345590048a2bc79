/* Internal to seccomp/: the compiled filter handed from filter.c (parent,
 * before clone) to load.c (child, right before execve). */
#ifndef CAPSULE_SECCOMP_PROGRAM_H
#define CAPSULE_SECCOMP_PROGRAM_H

#include <linux/filter.h>
#include <stdbool.h>

struct seccomp_program {
	struct sock_filter *insns; /* raw BPF as libseccomp exported it */
	unsigned short len;	   /* number of instructions */
	unsigned flags;		   /* SECCOMP_FILTER_FLAG_* passed to seccomp(2) */
	bool listener;		   /* flags include NEW_LISTENER */
};

#endif
