#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "../lib/cleanup.h"
#include "../lib/file.h"
#include "../lib/json.h"

const char *state_status_name(enum container_status s)
{
	static const char *const names[] = {"creating", "created", "running", "paused", "stopped"};
	return names[s];
}

int state_validate_id(const char *id, struct cap_error **err)
{
	size_t len = strlen(id);
	if (len == 0)
		return cap_fail(err, 0, "container id cannot be empty");
	if (len > CAPSULE_ID_MAX)
		return cap_fail(err, 0, "invalid container id: longer than %d bytes",
				CAPSULE_ID_MAX);
	if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return cap_fail(err, 0, "invalid container id %s", id);
	/* runc's rule: ^[\w+-\.]+$ */
	for (const char *p = id; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '-' || c == '.';
		if (!ok)
			return cap_fail(err, 0, "invalid container id %s", id);
	}
	return 0;
}

static int lock_dir(struct state_dir *sd, struct cap_error **err)
{
	sd->fd = open(sd->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sd->fd < 0)
		return cap_fail(err, errno, "open %s", sd->path);
	if (flock(sd->fd, LOCK_EX) < 0)
		return cap_fail(err, errno, "lock %s", sd->path);
	return 0;
}

int state_dir_create(const char *root, const char *id, struct state_dir *sd, struct cap_error **err)
{
	sd->fd = -1;
	sd->path = NULL;
	if (state_validate_id(id, err) < 0)
		return -1;
	if (cap_mkdir_p(root, 0700, err) < 0)
		return -1;
	if (asprintf(&sd->path, "%s/%s", root, id) < 0)
		return cap_fail(err, ENOMEM, "state path");
	if (mkdir(sd->path, 0711) <
	    0) { /* 0711: a container init in a user namespace reaches exec.fifo */
		int e = errno;
		free(sd->path);
		sd->path = NULL;
		if (e == EEXIST)
			return cap_fail(err, 0, "container \"%s\" already exists", id);
		return cap_fail(err, e, "mkdir %s/%s", root, id);
	}
	if (lock_dir(sd, err) < 0 || fchmod(sd->fd, 0711) < 0) {
		cap_fail(err, errno, "chmod %s", sd->path);
		state_dir_remove(sd, NULL);
		return -1;
	}
	return 0;
}

int state_dir_open(const char *root, const char *id, struct state_dir *sd, struct cap_error **err)
{
	sd->fd = -1;
	sd->path = NULL;
	if (state_validate_id(id, err) < 0)
		return -1;
	if (asprintf(&sd->path, "%s/%s", root, id) < 0)
		return cap_fail(err, ENOMEM, "state path");
	if (lock_dir(sd, NULL) < 0) {
		state_dir_close(sd);
		return cap_fail(err, 0, "container \"%s\" does not exist", id);
	}
	/* A concurrent delete may have removed the directory while we waited. */
	struct stat st;
	if (fstat(sd->fd, &st) < 0 || st.st_nlink == 0) {
		state_dir_close(sd);
		return cap_fail(err, 0, "container \"%s\" does not exist", id);
	}
	return 0;
}

int state_dir_remove(struct state_dir *sd, struct cap_error **err)
{
	int rc = 0;
	if (sd->path && cap_rm_rf(sd->path, err) < 0)
		rc = -1;
	state_dir_close(sd);
	return rc;
}

void state_dir_close(struct state_dir *sd)
{
	/* Unlock first: a child cloned meanwhile shares the open file and with
	 * it the lock until it execs (an exec into a paused container waits
	 * frozen, and `resume` needs the lock). */
	if (sd->fd >= 0) {
		flock(sd->fd, LOCK_UN);
		close(sd->fd);
	}
	sd->fd = -1;
	free(sd->path);
	sd->path = NULL;
}

static unsigned long long stat_start_time(pid_t pid, bool *zombie)
{
	char path[64], buf[1024];
	*zombie = false; /* callers read it even when the process is gone (0 returned) */
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* comm may contain spaces and parens: fields resume after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	char state = 0;
	unsigned long long start = 0;
	/* field 3 is the state, field 22 the start time */
	if (sscanf(p + 2,
		   "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d "
		   "%*d %llu",
		   &state, &start) != 2)
		return 0;
	*zombie = state == 'Z' || state == 'X';
	return start;
}

unsigned long long rt_proc_start_time(pid_t pid)
{
	bool zombie;
	unsigned long long t = stat_start_time(pid, &zombie);
	return zombie ? 0 : t;
}

bool state_init_exists(const struct container_state *st)
{
	bool zombie;
	return st->pid > 0 && st->start_time && stat_start_time(st->pid, &zombie) == st->start_time;
}

bool state_init_alive(const struct container_state *st)
{
	if (st->pid <= 0)
		return false;
	unsigned long long t = rt_proc_start_time(st->pid);
	return t != 0 && t == st->start_time;
}

static bool frozen(const struct container_state *st)
{
	if (!st->cgroup_path)
		return false;
	char path[4096];
	snprintf(path, sizeof(path), "%s/cgroup.freeze", st->cgroup_path);
	char buf[4] = {0};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && buf[0] == '1';
}

enum container_status state_status(const struct state_dir *sd, const struct container_state *st)
{
	if (st->pid <= 0)
		return STATUS_CREATING;
	if (!state_init_alive(st))
		return STATUS_STOPPED;
	if (faccessat(sd->fd, "exec.fifo", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return STATUS_CREATED;
	if (frozen(st))
		return STATUS_PAUSED;
	return STATUS_RUNNING;
}

void rt_rfc3339_now(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%09ldZ", ts.tv_nsec);
}

static void gen_annotations(yajl_gen g, const struct container_state *st)
{
	if (!st->n_annotations)
		return;
	cap_json_key(g, "annotations");
	yajl_gen_map_open(g);
	for (size_t i = 0; i < st->n_annotations; i++) {
		cap_json_key(g, st->annotations[i].key);
		cap_json_str(g, st->annotations[i].value);
	}
	yajl_gen_map_close(g);
}

char *state_to_json(const struct container_state *st, enum container_status status, bool pretty)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return NULL;
	yajl_gen_config(g, yajl_gen_beautify, pretty ? 1 : 0);
	yajl_gen_config(g, yajl_gen_indent_string, "  ");
	yajl_gen_map_open(g);
	cap_json_kv_str(g, "ociVersion", "1.2.0");
	cap_json_kv_str(g, "id", st->id);
	cap_json_key(g, "pid");
	yajl_gen_integer(g, status == STATUS_STOPPED ? 0 : st->pid);
	cap_json_kv_str(g, "status", state_status_name(status));
	cap_json_kv_str(g, "bundle", st->bundle);
	cap_json_kv_str(g, "rootfs", st->rootfs);
	cap_json_kv_str(g, "created", st->created);
	cap_json_kv_str(g, "owner", st->owner ? st->owner : "");
	gen_annotations(g, st);
	yajl_gen_map_close(g);
	char *out = cap_json_finish(g);
	yajl_gen_free(g);
	return out;
}

/* state.json holds the OCI fields plus what capsule needs to find the
 * container again (cgroup, start time). */
static char *state_file_json(const struct container_state *st)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return NULL;
	yajl_gen_map_open(g);
	cap_json_kv_str(g, "id", st->id);
	cap_json_key(g, "pid");
	yajl_gen_integer(g, st->pid);
	cap_json_key(g, "start_time");
	yajl_gen_integer(g, (long long)st->start_time);
	cap_json_kv_str(g, "bundle", st->bundle);
	cap_json_kv_str(g, "rootfs", st->rootfs);
	cap_json_kv_str(g, "created", st->created);
	cap_json_kv_str(g, "owner", st->owner ? st->owner : "");
	if (st->cgroup_path)
		cap_json_kv_str(g, "cgroup", st->cgroup_path);
	cap_json_key(g, "own_pidns");
	yajl_gen_bool(g, st->own_pidns);
	cap_json_key(g, "systemd_cgroup");
	yajl_gen_bool(g, st->systemd_cgroup);
	gen_annotations(g, st);
	yajl_gen_map_close(g);
	char *out = cap_json_finish(g);
	yajl_gen_free(g);
	return out;
}

int state_save(const struct state_dir *sd, const struct container_state *st, struct cap_error **err)
{
	cleanup_free char *json = state_file_json(st);
	if (!json)
		return cap_fail(err, ENOMEM, "encode state.json");
	return cap_write_file_atomic(sd->fd, "state.json", json, strlen(json), 0600, err);
}

static char *dup_str(yajl_val root, const char *key)
{
	const char *path[] = {key, NULL};
	yajl_val v = yajl_tree_get(root, path, yajl_t_string);
	const char *s = v ? YAJL_GET_STRING(v) : NULL;
	return s ? strdup(s) : NULL;
}

static long long get_int(yajl_val root, const char *key)
{
	const char *path[] = {key, NULL};
	yajl_val v = yajl_tree_get(root, path, yajl_t_number);
	return v && YAJL_IS_INTEGER(v) ? YAJL_GET_INTEGER(v) : 0;
}

static bool get_bool(yajl_val root, const char *key)
{
	const char *path[] = {key, NULL};
	yajl_val v = yajl_tree_get(root, path, yajl_t_any);
	return v && YAJL_IS_TRUE(v);
}

static void load_annotations(yajl_val root, struct container_state *st)
{
	const char *path[] = {"annotations", NULL};
	yajl_val m = yajl_tree_get(root, path, yajl_t_object);
	if (!m || !m->u.object.len)
		return;
	st->annotations = calloc(m->u.object.len, sizeof(*st->annotations));
	if (!st->annotations)
		return;
	for (size_t i = 0; i < m->u.object.len; i++) {
		yajl_val v = m->u.object.values[i];
		st->annotations[i].key = strdup(m->u.object.keys[i]);
		st->annotations[i].value = strdup(YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : "");
	}
	st->n_annotations = m->u.object.len;
}

int state_load(const struct state_dir *sd, struct container_state *st, struct cap_error **err)
{
	memset(st, 0, sizeof(*st));
	size_t len;
	struct cap_error *rerr = NULL;
	cleanup_free char *buf = cap_read_file_at(sd->fd, "state.json", &len, &rerr);
	if (!buf) {
		int e = rerr ? rerr->errnum : EIO;
		cap_error_free(rerr);
		if (e != ENOENT)
			return cap_fail(err, e, "%s/state.json", sd->path);
		/* A create that has not finished (or is finishing) is no container yet. */
		const char *id = strrchr(sd->path, '/');
		cap_fail(err, 0, "container \"%s\" does not exist", id ? id + 1 : sd->path);
		if (err && *err)
			(*err)->errnum = ENOENT;
		return -1;
	}
	char errbuf[256];
	yajl_val root =
	    memchr(buf, '\0', len) ? NULL : yajl_tree_parse(buf, errbuf, sizeof(errbuf));
	if (!root || !YAJL_IS_OBJECT(root)) {
		yajl_tree_free(root);
		return cap_fail(err, 0, "%s/state.json: corrupt (not a JSON object)", sd->path);
	}
	st->id = dup_str(root, "id");
	st->bundle = dup_str(root, "bundle");
	st->rootfs = dup_str(root, "rootfs");
	st->created = dup_str(root, "created");
	st->owner = dup_str(root, "owner");
	st->cgroup_path = dup_str(root, "cgroup");
	st->pid = (pid_t)get_int(root, "pid");
	st->start_time = (unsigned long long)get_int(root, "start_time");
	st->own_pidns = get_bool(root, "own_pidns");
	st->systemd_cgroup = get_bool(root, "systemd_cgroup");
	load_annotations(root, st);
	yajl_tree_free(root);
	if (!st->id || !st->bundle || st->pid <= 0)
		return cap_fail(err, 0, "%s/state.json: corrupt (id, bundle or pid missing)",
				sd->path);
	return 0;
}

int state_save_cgroup(const struct state_dir *sd, const char *cgroup_path, struct cap_error **err)
{
	if (!cgroup_path)
		return 0; /* not known yet (systemd driver before the unit starts) */
	return cap_write_file_atomic(sd->fd, "cgroup", cgroup_path, strlen(cgroup_path), 0600, err);
}

char *state_load_cgroup(const struct state_dir *sd, struct cap_error **err)
{
	size_t len;
	struct cap_error *rerr = NULL;
	char *path = cap_read_file_at(sd->fd, "cgroup", &len, &rerr);
	if (!path) {
		if (rerr && rerr->errnum != ENOENT)
			cap_fail(err, rerr->errnum, "%s/cgroup", sd->path);
		cap_error_free(rerr);
		return NULL;
	}
	if (path[0] != '/' || strlen(path) != len || strstr(path, "/../") || strchr(path, '\n')) {
		cap_fail(err, 0, "%s/cgroup: not a cgroup path", sd->path);
		free(path);
		return NULL;
	}
	return path;
}

void state_free(struct container_state *st)
{
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->owner);
	free(st->cgroup_path);
	for (size_t i = 0; i < st->n_annotations; i++) {
		free(st->annotations[i].key);
		free(st->annotations[i].value);
	}
	free(st->annotations);
	memset(st, 0, sizeof(*st));
}

int rt_write_pid_file(const char *path, pid_t pid, struct cap_error **err)
{
	if (!path)
		return 0;
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	/* atomic: callers (containerd's shim, conmon) read it as soon as it exists */
	if (cap_write_path_atomic(path, buf, (size_t)n, 0644, err) < 0)
		return cap_wrap(err, "--pid-file");
	return 0;
}
