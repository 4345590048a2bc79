/* Parent <-> child messages over one SOCK_SEQPACKET socketpair.
 *
 * Each step is acknowledged so a failure in the child comes back to the
 * caller as a clear error (the child's errno and message), and the parent
 * cleans up.  A successful execve closes the child's end (CLOEXEC): the
 * parent then reads EOF. */
#ifndef CAPSULE_SYNC_H
#define CAPSULE_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "../lib/error.h"

enum sync_type {
	SYNC_CONTINUE = 1, /* parent -> child: user maps written / cgroup joined */
	SYNC_HOOKS,	   /* child -> parent: namespaces and mounts ready, run hooks */
	SYNC_HOOKS_DONE,   /* parent -> child: payload = state JSON */
	SYNC_SECCOMP_FD,   /* child -> parent: payload = int fd number of the listener */
	SYNC_PTY,	   /* child -> parent: pty master attached (SCM_RIGHTS) */
	SYNC_READY,	   /* child -> parent: waiting for start */
	SYNC_START,	   /* parent -> child: exec now (run mode) */
	SYNC_ERROR,	   /* either way: errnum + message payload */
};

struct sync_msg {
	uint32_t type;
	int32_t errnum;
	uint32_t len; /* payload bytes (NUL-terminated in buf) */
	int fd;	      /* fd received with the message, or -1 */
	char *buf;    /* malloc'd payload, or NULL */
};

int sync_send(int sock, enum sync_type type, const void *payload, size_t len, int fd);
int sync_send_error(int sock, const struct cap_error *e);
/* Receive one message.  Returns 0, or -1 with *err set (EOF included). */
int sync_recv(int sock, struct sync_msg *m, struct cap_error **err);
/* Receive and require `type`; a SYNC_ERROR from the peer becomes *err. */
int sync_expect(int sock, enum sync_type type, struct sync_msg *m, struct cap_error **err);
void sync_msg_free(struct sync_msg *m);
/* A SYNC_ERROR from the child as an error: its text already ends in the strerror of its
 * errnum, which is kept for callers but not appended again. */
int sync_error(struct cap_error **err, const struct sync_msg *m);

#endif
