/* `checkpoint`: dump a running container with CRIU (libcriu), as runc does.
 *
 * The images go to --image-path (made 0700), CRIU's log and work files to
 * --work-path (default: the image path).  The cgroup freezer holds the
 * container still while CRIU collects it.  Without --leave-running (and
 * unless --pre-dump) CRIU kills the container and it is deleted, like runc. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "../lib/cleanup.h"
#include "criu.h"
#include "../lib/file.h"
#include "../lib/json.h"
#include "../oci/tables.h"
#include "state.h"

#define DUMP_LOG    "dump.log"
#define PREDUMP_LOG "pre-dump.log"

/* descriptors.json: where the init's stdio pointed ("pipe:[123]", "/dev/null"),
 * so restore can hand pipes back (runc's format: a JSON array of 3 strings). */
static int write_descriptors(int image_fd, pid_t pid, struct cap_error **err)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return cap_fail(err, ENOMEM, "descriptors.json");
	yajl_gen_array_open(g);
	for (int fd = 0; fd < 3; fd++) {
		char link[64], target[4096];
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, fd);
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		yajl_gen_string(g, (const unsigned char *)target, strlen(target));
	}
	yajl_gen_array_close(g);
	const unsigned char *buf;
	size_t len;
	yajl_gen_get_buf(g, &buf, &len);
	int rc =
	    cap_write_file_atomic(image_fd, "descriptors.json", (const char *)buf, len, 0600, err);
	yajl_gen_free(g);
	return rc;
}

/* A joined network namespace stays outside the image: restore gets one. */
static int external_netns(struct criu_ctx *c, const struct spec *s, pid_t pid,
			  struct cap_error **err)
{
	const struct spec_namespace *ns = spec_find_namespace(s, CLONE_NEWNET);
	if (!ns || !ns->path)
		return 0;
	char p[64], key[96];
	struct stat st;
	snprintf(p, sizeof(p), "/proc/%d/ns/net", (int)pid);
	if (stat(p, &st) < 0)
		return cap_fail(err, errno, "stat %s", p);
	snprintf(key, sizeof(key), "net[%lu]:extRootNetNS", (unsigned long)st.st_ino);
	return criu_local_add_external(c->opts, key) < 0 ? cap_fail(err, ENOMEM, "criu external")
							 : 0;
}

static int masked_files(struct criu_ctx *c, const struct spec *s, pid_t pid, struct cap_error **err)
{
	for (size_t i = 0; i < s->linux_.n_masked_paths; i++) {
		const char *p = s->linux_.masked_paths[i];
		if (criu_masked_is_file(pid, p) && criu_local_add_ext_mount(c->opts, p, p) < 0)
			return cap_fail(err, ENOMEM, "criu external mount %s", p);
	}
	return 0;
}

static int configure(struct criu_ctx *c, const struct checkpoint_opts *o,
		     const struct container_state *st, const struct spec *s, struct cap_error **err)
{
	criu_local_set_pid(c->opts, st->pid);
	criu_local_set_leave_running(c->opts, o->leave_running || o->pre_dump);
	if (criu_local_set_root(c->opts, st->rootfs) < 0)
		return cap_fail(err, ENOMEM, "criu root");
	/* v2: CRIU freezes the whole cgroup through cgroup.freeze */
	if (st->cgroup_path && criu_local_set_freeze_cgroup(c->opts, st->cgroup_path) < 0)
		return cap_fail(err, ENOMEM, "criu freeze cgroup");
	if (o->pre_dump || o->parent_path)
		criu_local_set_track_mem(c->opts, true);
	if (o->parent_path && criu_local_set_parent_images(c->opts, o->parent_path) < 0)
		return cap_fail(err, ENOMEM, "criu parent images");
	if (criu_ext_mounts(c, s, st->bundle, false, NULL, err) < 0 ||
	    masked_files(c, s, st->pid, err) < 0 || external_netns(c, s, st->pid, err) < 0)
		return -1;
	return write_descriptors(c->image_fd, st->pid, err);
}

static int dump(const struct checkpoint_opts *o, const struct state_dir *sd,
		const struct container_state *st, struct cap_error **err)
{
	size_t len = 0;
	cleanup_free char *raw = cap_read_file_at(sd->fd, "config.json", &len, err);
	if (!raw)
		return -1;
	struct spec *s = spec_parse(raw, len, err);
	if (!s)
		return cap_wrap(err, "%s/config.json", sd->path);
	struct criu_ctx c;
	const char *log = o->pre_dump ? PREDUMP_LOG : DUMP_LOG;
	int rc = criu_ctx_init(&c, &o->common, true, log, err);
	if (rc == 0)
		rc = configure(&c, o, st, s, err);
	if (rc == 0) {
		int r = criu_swrk_call(&c, o->pre_dump ? rt_dl_criu_local_pre_dump
						       : rt_dl_criu_local_dump);
		if (r < 0)
			rc =
			    criu_fail(&c, r, o->pre_dump ? "criu pre-dump" : "criu dump", log, err);
	}
	criu_ctx_free(&c);
	spec_free(s);
	return rc;
}

int container_checkpoint(const struct checkpoint_opts *o, cap_notify_fn warn,
			 struct cap_error **err)
{
	struct state_dir sd = {.fd = -1};
	struct container_state st = {0};
	if (state_dir_open(o->root, o->id, &sd, err) < 0)
		return -1;
	int rc = state_load(&sd, &st, err);
	enum container_status status = rc == 0 ? state_status(&sd, &st) : STATUS_STOPPED;
	if (rc == 0 && status != STATUS_RUNNING && status != STATUS_PAUSED)
		rc = cap_fail(err, 0, "cannot checkpoint container %s: it is %s, not running",
			      o->id, state_status_name(status));
	if (rc == 0)
		rc = dump(o, &sd, &st, err);
	state_free(&st);
	state_dir_close(&sd);
	/* CRIU killed it: the container is gone, as after runc checkpoint */
	if (rc == 0 && !o->leave_running && !o->pre_dump)
		rc = container_delete(o->root, o->id, true, warn, err);
	return rc;
}
