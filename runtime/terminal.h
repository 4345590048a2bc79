/* runtime/terminal.c: process.terminal.  The pty is opened inside the
 * container (its own devpts), and the master goes to the --console-socket, or
 * to the parent (foreground `run`/`exec`), which relays it to its own stdio. */
#ifndef CAPSULE_TERMINAL_H
#define CAPSULE_TERMINAL_H

#include "../lib/error.h"
#include "../oci/spec.h"

int rt_console_socket_connect(const char *path, struct cap_error **err);
/* Send a pty master over a connected console socket (restore: CRIU's new pty). */
int terminal_send_master(int console_fd, int master, struct cap_error **err);
/* --pidfd-socket (runc 1.2): connect to path and send pidfd over it (path
 * NULL: nothing to do). */
int rt_pidfd_socket_send(const char *path, int pidfd, struct cap_error **err);
/* In the child: open the pty, send the master to console_fd (or over sync_fd
 * as SYNC_PTY when console_fd < 0), make the slave the controlling terminal
 * and stdio. */
int terminal_setup(const struct spec_process *p, int console_fd, int sync_fd,
		   struct cap_error **err);
/* In the parent: copy stdin -> master and master -> stdout until the master
 * hangs up or `stop_fd` (a pidfd) becomes readable. */
void terminal_relay(int master, int stop_fd);

#endif
