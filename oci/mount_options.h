/* Pure parsing of OCI mount options into mount(2) flags, propagation steps,
 * mount_setattr attributes and a data string.  No system calls here, so the
 * parser is unit-tested on its own (tests/unit/test_mount_options.c). */
#ifndef CAPSULE_MOUNT_OPTIONS_H
#define CAPSULE_MOUNT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/error.h"

#define MOUNT_DATA_MAX	      4096 /* the kernel copies at most one page of data */
#define MOUNT_PROPAGATION_MAX 4

struct mount_opts {
	unsigned long flags;   /* MS_* to pass to mount(2) (MS_BIND[|MS_REC] included) */
	unsigned long cleared; /* MS_* explicitly cleared (rw, suid, dev, ...) */
	unsigned long propagation[MOUNT_PROPAGATION_MAX]; /* applied in order after mounting */
	size_t n_propagation;
	uint64_t attr_set, attr_clr; /* MOUNT_ATTR_* for mount_setattr(AT_RECURSIVE) */
	bool idmap, ridmap;
	bool tmpcopyup;
	char data[MOUNT_DATA_MAX]; /* unknown options, comma-joined */
};

/* Parse `n` options; a mount of type "bind" implies MS_BIND.  Unknown options
 * go to data in the order given.  Fails (naming the option) only when the
 * result cannot be represented: data over a page, too many propagation options. */
int oci_mount_options_parse(const char *type, char *const *opts, size_t n, struct mount_opts *out,
			    struct cap_error **err);

#endif
