/* checkpoint/restore: what dump and restore share (criu.h). */
#include "criu.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../lib/cleanup.h"

static int cg_mode(const char *s, enum criu_cg_mode *out, struct cap_error **err)
{
	static const struct {
		const char *name;
		enum criu_cg_mode mode;
	} modes[] = {{"soft", CRIU_CG_MODE_SOFT},
		     {"full", CRIU_CG_MODE_FULL},
		     {"strict", CRIU_CG_MODE_STRICT},
		     {"ignore", CRIU_CG_MODE_IGNORE}};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(s, modes[i].name) == 0) {
			*out = modes[i].mode;
			return 0;
		}
	return cap_fail(err, EINVAL,
			"--manage-cgroups-mode \"%.100s\": expected soft, full, strict or ignore",
			s);
}

static int open_dir(const char *path, bool create, const char *flag, struct cap_error **err)
{
	if (create && mkdir(path, 0700) < 0 && errno != EEXIST)
		return cap_fail(err, errno, "%s: mkdir %s", flag, path);
	int fd = open(path, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cap_fail(err, errno, "%s: open %s", flag, path);
	return fd;
}

int criu_ctx_init(struct criu_ctx *c, const struct criu_common_opts *o, bool create_images,
		  const char *log_name, struct cap_error **err)
{
	memset(c, 0, sizeof(*c));
	c->image_fd = c->work_fd = -1;
	if (criu_dlopen(err) < 0)
		return -1;
	enum criu_cg_mode mode = CRIU_CG_MODE_SOFT;
	if (o->manage_cgroups_mode && cg_mode(o->manage_cgroups_mode, &mode, err) < 0)
		return -1;
	const char *images = o->image_path ? o->image_path : "checkpoint"; /* runc's default */
	const char *work = o->work_path ? o->work_path : images;
	c->image_fd = open_dir(images, create_images, "--image-path", err);
	if (c->image_fd < 0)
		return -1;
	c->work_fd = open_dir(work, true, "--work-path", err);
	if (c->work_fd < 0)
		return -1;
	c->work_path = realpath(work, NULL);
	if (criu_local_init_opts(&c->opts) < 0 || !c->work_path)
		return cap_fail(err, ENOMEM, "criu options");
	if (criu_local_set_log_file(c->opts, log_name) < 0)
		return cap_fail(err, ENOMEM, "criu options");
	criu_local_set_images_dir_fd(c->opts, c->image_fd);
	criu_local_set_work_dir_fd(c->opts, c->work_fd);
	criu_local_set_log_level(c->opts, 4);
	criu_local_set_tcp_established(c->opts, o->tcp_established);
	criu_local_set_ext_unix_sk(c->opts, o->ext_unix_sk);
	criu_local_set_shell_job(c->opts, o->shell_job);
	criu_local_set_file_locks(c->opts, o->file_locks);
	criu_local_set_auto_dedup(c->opts, o->auto_dedup);
	criu_local_set_orphan_pts_master(c->opts, true);
	criu_local_set_manage_cgroups(c->opts, true);
	criu_local_set_manage_cgroups_mode(c->opts, mode);
	return 0;
}

void criu_ctx_free(struct criu_ctx *c)
{
	if (c->opts)
		criu_local_free_opts(c->opts);
	if (c->image_fd >= 0)
		close(c->image_fd);
	if (c->work_fd >= 0)
		close(c->work_fd);
	free(c->work_path);
	memset(c, 0, sizeof(*c));
	c->image_fd = c->work_fd = -1;
}

/* The first line of the log that says "Error" (the cause; later ones are
 * its consequences, down to "Dumping FAILED"), into buf. */
static void first_error_line(int dirfd, const char *log_name, char *buf, size_t len)
{
	buf[0] = '\0';
	int fd = openat(dirfd, log_name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	cleanup_file FILE *f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return;
	}
	char line[512];
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "Error")) {
			line[strcspn(line, "\n")] = '\0';
			size_t n = strnlen(line, len - 1);
			memcpy(buf, line, n);
			buf[n] = '\0';
			return;
		}
}

int criu_fail(struct criu_ctx *c, int rc, const char *what, const char *log_name,
	      struct cap_error **err)
{
	char last[300];
	first_error_line(c->work_fd, log_name, last, sizeof(last));
	/* -ECOMM: criu did not answer (not installed, died); -EBADE: it
	 * answered "failed", the reason is in its log */
	if (rc == -ECOMM)
		return cap_fail(err, -rc,
				"%s: cannot run criu (installed? $%s names another binary)%s%s",
				what, CRIU_BINARY_ENV, last[0] ? ": " : "", last);
	return cap_fail(err, rc < 0 && rc != -EBADE ? -rc : 0, "%s failed%s%.300s (log: %s/%s)",
			what, last[0] ? ": " : "", last, c->work_path ? c->work_path : "",
			log_name);
}

bool criu_masked_is_file(pid_t pid, const char *p)
{
	char path[4096];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%d/root%s", (int)pid, p);
	/* a masked file is /dev/null bound over it; a masked dir is a tmpfs */
	return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

static bool is_bind(const struct spec_mount *m)
{
	if (m->type && strcmp(m->type, "bind") == 0)
		return true;
	for (size_t i = 0; i < m->n_options; i++)
		if (strcmp(m->options[i], "bind") == 0 || strcmp(m->options[i], "rbind") == 0)
			return true;
	return false;
}

static int add_ext(struct criu_ctx *c, const char *key, const char *val, struct cap_error **err)
{
	if (criu_local_add_ext_mount(c->opts, key, val) < 0)
		return cap_fail(err, ENOMEM, "criu external mount %s", key);
	return 0;
}

int criu_ext_mounts(struct criu_ctx *c, const struct spec *s, const char *bundle, bool restore,
		    const char *cgroup_path, struct cap_error **err)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *m = &s->mounts[i];
		const char *dst = m->destination;
		if (m->type && strcmp(m->type, "cgroup") == 0) {
			if ((!restore || cgroup_path) &&
			    add_ext(c, dst, restore ? cgroup_path : dst, err) < 0)
				return -1;
			continue;
		}
		if (!is_bind(m) || !m->source)
			continue;
		cleanup_free char *src = NULL;
		if (restore && m->source[0] != '/' &&
		    asprintf(&src, "%s/%s", bundle, m->source) < 0)
			return cap_fail(err, ENOMEM, "mount source");
		if (add_ext(c, dst, restore ? (src ? src : m->source) : dst, err) < 0)
			return -1;
	}
	return 0;
}
