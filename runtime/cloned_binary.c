/* Re-executing from a sealed copy of /proc/self/exe: see cloned_binary.h
 * for why and for where it is called. */
#include "cloned_binary.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/mount.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../lib/cleanup.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define CLONE_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

bool cloned_binary_memfd_needed(const struct spec *s, const struct spec_process *p)
{
	if (spec_find_namespace(s, CLONE_NEWUSER))
		return false; /* its CAP_SYS_ADMIN is not over our mount */
	if (!p->has_capabilities)
		return false;
	const uint64_t bit = 1ULL << CAP_SYS_ADMIN;
	const struct spec_capabilities *c = &p->caps;
	return ((c->bounding | c->effective | c->permitted | c->inheritable | c->ambient) & bit) !=
	       0;
}

bool cloned_binary_is_cloned(bool memfd_only)
{
	cleanup_close int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals >= 0 && (seals & CLONE_SEALS) == CLONE_SEALS)
		return true;
	struct statvfs sv;
	return !memfd_only && fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY);
}

static int make_memfd(struct cap_error **err)
{
	/* MFD_EXEC: kernels with vm.memfd_noexec=1 create non-executable
	 * memfds by default; older kernels do not know the flag (EINVAL). */
	int fd = memfd_create("capsule", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("capsule", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return cap_fail(err, errno, "memfd_create for the runtime binary");
	return fd;
}

/* The sealed copy of /proc/self/exe. */
static int clone_self(struct cap_error **err)
{
	cleanup_close int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (src < 0)
		return cap_fail(err, errno, "open /proc/self/exe");
	struct stat st;
	if (fstat(src, &st) < 0)
		return cap_fail(err, errno, "stat /proc/self/exe");
	cleanup_close int mfd = make_memfd(err);
	if (mfd < 0)
		return -1;
	for (off_t done = 0; done < st.st_size;) {
		ssize_t n = sendfile(mfd, src, NULL, (size_t)(st.st_size - done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return cap_fail(err, n < 0 ? errno : EIO, "copy the runtime binary");
		done += n;
	}
	if (fcntl(mfd, F_ADD_SEALS, CLONE_SEALS) < 0)
		return cap_fail(err, errno, "seal the runtime binary copy");
	return steal_fd(&mfd);
}

/* The whole of a small /proc file, NUL-terminated; *len without the NUL. */
static char *read_proc(const char *path, size_t *len, struct cap_error **err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cap_fail(err, errno, "open %s", path);
		return NULL;
	}
	size_t cap = 0;
	cleanup_free char *buf = NULL;
	*len = 0;
	for (;;) {
		if (*len == cap) {
			char *nb = realloc(buf, (cap = cap ? 2 * cap : 4096) + 1);
			if (!nb) {
				cap_fail(err, ENOMEM, "read %s", path);
				return NULL;
			}
			buf = nb;
		}
		ssize_t n = read(fd, buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cap_fail(err, errno, "read %s", path);
			return NULL;
		}
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	buf[*len] = '\0';
	return steal_pointer(&buf);
}

/* argv of this process, from /proc/self/cmdline (the library has no argv).
 * The strings point into one buffer that lives until the exec. */
static char **self_argv(struct cap_error **err)
{
	size_t len;
	char *buf = read_proc("/proc/self/cmdline", &len, err);
	if (!buf)
		return NULL;
	size_t argc = 0;
	for (size_t i = 0; i < len; i++)
		argc += buf[i] == '\0';
	if (len && buf[len - 1] != '\0')
		argc++;
	char **argv = argc ? calloc(argc + 1, sizeof(char *)) : NULL;
	if (!argv) {
		free(buf);
		cap_fail(err, argc ? ENOMEM : EIO, "read /proc/self/cmdline");
		return NULL;
	}
	char *p = buf;
	for (size_t i = 0; i < argc; i++) {
		argv[i] = p;
		p += strlen(p) + 1;
	}
	return argv;
}

/* A detached, read-only bind mount of /proc/self/exe (an O_PATH fd): no copy,
 * nothing in any mount table, gone with the last process running from it.
 * Needs CAP_SYS_ADMIN over our mount namespace (not there when rootless). */
static int ro_bind_self(void)
{
	cleanup_close int tree =
	    open_tree(AT_FDCWD, "/proc/self/exe", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return -1;
	struct mount_attr a = {
	    .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
	};
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0)
		return -1;
	return steal_fd(&tree);
}

/* The copy's /proc/self/exe names no host file; callers that must name the
 * binary to the host (a createRuntime hook's path) read it from here. */
static void remember_host_path(void)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n <= 0 || path[0] != '/')
		return;
	path[n] = '\0';
	setenv(CLONED_BINARY_HOST_ENV, path, 0);
}

const char *cloned_binary_host_path(void)
{
	static char path[PATH_MAX];
	const char *saved = getenv(CLONED_BINARY_HOST_ENV);
	if (saved && saved[0] == '/')
		return saved;
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n <= 0 || path[0] != '/')
		return NULL;
	path[n] = '\0';
	return path;
}

/* Re-exec with argv from a read-only bind of the binary (unless memfd_only)
 * or a sealed memfd copy; returns only on failure. */
static int reexec_sealed(bool memfd_only, char **argv, struct cap_error **err)
{
	remember_host_path();
	cleanup_close int fd = memfd_only ? -1 : ro_bind_self();
	if (fd < 0)
		fd = clone_self(err);
	if (fd < 0)
		return -1;
	/* execveat(AT_EMPTY_PATH) of an O_CLOEXEC fd works for ELF binaries;
	 * the fd itself is gone after the exec. */
	syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	return cap_fail(err, errno, "re-exec the runtime from a sealed copy");
}

int cloned_binary_ensure_argv(char **argv, struct cap_error **err)
{
	if (cloned_binary_is_cloned(false))
		return 0;
	return reexec_sealed(false, argv, err);
}

int cloned_binary_ensure(bool memfd_only, struct cap_error **err)
{
	if (cloned_binary_is_cloned(memfd_only))
		return 0;
	char **argv = self_argv(err);
	if (!argv)
		return -1;
	reexec_sealed(memfd_only, argv, err);
	free(argv[0]);
	free(argv);
	return -1;
}
