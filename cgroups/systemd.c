/* systemd driver, the sd-bus part: start the container's transient unit,
 * change its properties, stop it.
 *
 * The unit is started with the container pid once it exists (cgroup_enter),
 * like runc and crun do: StartTransientUnit, then wait (bounded) for the
 * JobRemoved signal of that job.  A property this systemd does not know is
 * dropped and the call retried; a unit left over from an earlier container
 * with the same name is reset (ResetFailedUnit, then StopUnit) and the call
 * retried. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/cleanup.h"
#include "sd_dl.h"

#define SD_DEST		 "org.freedesktop.systemd1"
#define SD_PATH		 "/org/freedesktop/systemd1"
#define SD_MANAGER	 "org.freedesktop.systemd1.Manager"
#define JOB_TIMEOUT_USEC (30 * 1000000ULL)

static inline void bus_unrefp(sd_bus **b)
{
	if (*b)
		sd_bus_flush_close_unref(*b);
}
static inline void msg_unrefp(sd_bus_message **m)
{
	if (*m)
		sd_bus_message_unref(*m);
}
static inline void slot_unrefp(sd_bus_slot **s)
{
	if (*s)
		sd_bus_slot_unref(*s);
}
#define cleanup_bus  __attribute__((cleanup(bus_unrefp)))
#define cleanup_msg  __attribute__((cleanup(msg_unrefp)))
#define cleanup_slot __attribute__((cleanup(slot_unrefp)))
static inline void bus_error_freep(sd_bus_error *e)
{
	sd_bus_error_free(e);
}
#define cleanup_bus_error __attribute__((cleanup(bus_error_freep)))

static int bus_fail(struct cap_error **err, int r, const sd_bus_error *e, const char *what,
		    const char *unit)
{
	if (e && sd_bus_error_is_set(e))
		return cap_fail(err, sd_bus_error_get_errno(e), "systemd: %s %s: %s (%s)", what,
				unit, e->message ? e->message : "", e->name);
	return cap_fail(err, r < 0 ? -r : 0, "systemd: %s %s", what, unit);
}

int cg_sd_check_running(struct cap_error **err)
{
	if (cg_sd_dlopen(err) < 0)
		return -1;
	if (sd_booted() <= 0)
		return cap_fail(err, ENOENT,
				"--systemd-cgroup: systemd is not running here (no "
				"/run/systemd/system); use the default cgroupfs driver");
	return 0;
}

static int bus_open(bool rootless, sd_bus **out, struct cap_error **err)
{
	*out = NULL;
	if (cg_sd_check_running(err) < 0)
		return -1;
	int r = rootless ? sd_bus_open_user(out) : sd_bus_open_system(out);
	if (r >= 0)
		return 0;
	if (!rootless) {
		/* no D-Bus daemon: systemd's own socket speaks the same API */
		cleanup_bus sd_bus *b = NULL;
		if (sd_bus_new(&b) >= 0 &&
		    sd_bus_set_address(b, "unix:path=/run/systemd/private") >= 0 &&
		    sd_bus_start(b) >= 0) {
			*out = steal_pointer(&b);
			return 0;
		}
	}
	return cap_fail(err, -r, "--systemd-cgroup: cannot connect to the systemd %s bus",
			rootless ? "user" : "system");
}

static int append_array(sd_bus_message *m, const struct cg_sd_prop *p)
{
	if (strcmp(p->sig, "ay") == 0)
		return sd_bus_message_append_array(m, 'y', p->bytes, p->n_bytes);
	if (strcmp(p->sig, "au") == 0)
		return sd_bus_message_append(m, "au", 1, (uint32_t)p->u);
	bool pairs = strcmp(p->sig, "a(ss)") == 0;
	int r = sd_bus_message_open_container(m, 'a', pairs ? "(ss)" : "s");
	for (size_t i = 0; r >= 0 && i < p->n_strv; i += pairs ? 2 : 1)
		r = pairs ? sd_bus_message_append(m, "(ss)", p->strv[i], p->strv[i + 1])
			  : sd_bus_message_append(m, "s", p->strv[i]);
	return r >= 0 ? sd_bus_message_close_container(m) : r;
}

static int append_prop(sd_bus_message *m, const struct cg_sd_prop *p)
{
	int r = sd_bus_message_open_container(m, 'r', "sv");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", p->name);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'v', p->sig);
	if (r < 0)
		return r;
	switch (p->sig[0]) {
	case 'b':
		r = sd_bus_message_append(m, "b", (int)p->u);
		break;
	case 't':
	case 'u':
	case 'q':
	case 'y':
		r = p->sig[0] == 't'   ? sd_bus_message_append(m, "t", p->u)
		    : p->sig[0] == 'u' ? sd_bus_message_append(m, "u", (uint32_t)p->u)
		    : p->sig[0] == 'q' ? sd_bus_message_append(m, "q", (uint16_t)p->u)
				       : sd_bus_message_append(m, "y", (uint8_t)p->u);
		break;
	case 'x':
	case 'i':
	case 'n':
		r = p->sig[0] == 'x'   ? sd_bus_message_append(m, "x", p->i)
		    : p->sig[0] == 'i' ? sd_bus_message_append(m, "i", (int32_t)p->i)
				       : sd_bus_message_append(m, "n", (int16_t)p->i);
		break;
	case 'd':
		r = sd_bus_message_append(m, "d", p->d);
		break;
	case 's':
		r = sd_bus_message_append(m, "s", p->s);
		break;
	default: /* arrays */
		r = append_array(m, p);
	}
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	return r >= 0 ? sd_bus_message_close_container(m) : r;
}

static int append_props(sd_bus_message *m, const struct cg_sd_props *p)
{
	int r = sd_bus_message_open_container(m, 'a', "(sv)");
	for (size_t i = 0; r >= 0 && i < p->n; i++)
		r = append_prop(m, &p->v[i]);
	return r >= 0 ? sd_bus_message_close_container(m) : r;
}

struct job_wait {
	const char *job; /* object path of the job, once known */
	char *result;	 /* "done", "failed", ... */
};

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	struct job_wait *w = userdata;
	uint32_t id;
	const char *path, *unit, *result;
	if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0 || !w->job)
		return 0;
	if (strcmp(path, w->job) == 0 && !w->result)
		w->result = strdup(result);
	return 0;
}

static uint64_t now_usec(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000 + (uint64_t)t.tv_nsec / 1000;
}

/* Process the bus until w->result is set or the timeout passes. */
static int wait_job(sd_bus *bus, struct job_wait *w, const char *what, const char *unit,
		    struct cap_error **err)
{
	uint64_t deadline = now_usec() + JOB_TIMEOUT_USEC;
	while (!w->result) {
		int r = sd_bus_process(bus, NULL);
		if (r < 0)
			return cap_fail(err, -r, "systemd: %s %s: reading the bus", what, unit);
		if (r > 0)
			continue;
		uint64_t now = now_usec();
		if (now >= deadline)
			return cap_fail(err, ETIMEDOUT,
					"systemd: %s %s: no JobRemoved for job %s within %llu s",
					what, unit, w->job, JOB_TIMEOUT_USEC / 1000000);
		r = sd_bus_wait(bus, deadline - now);
		if (r < 0 && r != -EINTR)
			return cap_fail(err, -r, "systemd: %s %s: waiting on the bus", what, unit);
	}
	if (strcmp(w->result, "done") != 0)
		return cap_fail(err, EIO,
				"systemd: %s %s: job %s ended \"%s\" (see journalctl -u %s)", what,
				unit, w->job, w->result, unit);
	return 0;
}

/* Call a Manager method that returns a job, and wait for that job. */
static int call_job(sd_bus *bus, sd_bus_message *m, const char *what, const char *unit,
		    sd_bus_error *e, struct cap_error **err)
{
	struct job_wait w = {0};
	cleanup_slot sd_bus_slot *slot = NULL;
	cleanup_msg sd_bus_message *reply = NULL;
	int r = sd_bus_match_signal(bus, &slot, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved",
				    on_job_removed, &w);
	if (r < 0)
		return bus_fail(err, r, NULL, "subscribe to JobRemoved for", unit);
	/* signals reach a private connection only after Subscribe */
	sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe", NULL, NULL, NULL);
	r = sd_bus_call(bus, m, JOB_TIMEOUT_USEC, e, &reply);
	if (r < 0)
		return r; /* the caller looks at e */
	if ((r = sd_bus_message_read(reply, "o", &w.job)) < 0)
		return bus_fail(err, r, NULL, what, unit);
	r = wait_job(bus, &w, what, unit, err);
	free(w.result);
	return r < 0 ? -EIO : 0;
}

static int stop_unit(sd_bus *bus, const char *unit, struct cap_error **err)
{
	cleanup_msg sd_bus_message *m = NULL;
	cleanup_bus_error sd_bus_error e = SD_BUS_ERROR_NULL;
	int r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StopUnit");
	if (r >= 0)
		r = sd_bus_message_append(m, "ss", unit, "replace");
	if (r < 0)
		return bus_fail(err, r, NULL, "stop", unit);
	r = call_job(bus, m, "stop", unit, &e, err);
	if (r == -EIO)
		return -1;
	if (r < 0 && !sd_bus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit"))
		return bus_fail(err, r, &e, "stop", unit);
	/* a failed unit stays listed until reset */
	sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "ResetFailedUnit", NULL, NULL, "s",
			   unit);
	return 0;
}

/* The property an "unknown/read-only property" error names, if it is ours. */
static const char *rejected_prop(const sd_bus_error *e, const struct cg_sd_props *p)
{
	if (!sd_bus_error_has_names(e, SD_BUS_ERROR_PROPERTY_READ_ONLY,
				    SD_BUS_ERROR_INVALID_ARGS) ||
	    !e->message)
		return NULL;
	for (size_t i = 0; i < p->n; i++) {
		const char *hit = strstr(e->message, p->v[i].name);
		size_t n = strlen(p->v[i].name);
		if (hit && (hit[n] == ',' || hit[n] == ' ' || hit[n] == '.' || hit[n] == '\0') &&
		    strcmp(p->v[i].name, "PIDs") != 0 && strcmp(p->v[i].name, "Slice") != 0)
			return p->v[i].name;
	}
	return NULL;
}

/* The unit's cgroup, relative to the cgroup2 root (ControlGroup). */
static int unit_cgroup(sd_bus *bus, const char *unit, char **out, struct cap_error **err)
{
	cleanup_bus_error sd_bus_error e = SD_BUS_ERROR_NULL;
	cleanup_msg sd_bus_message *reply = NULL;
	const char *path;
	int r =
	    sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "GetUnit", &e, &reply, "s", unit);
	if (r < 0 || (r = sd_bus_message_read(reply, "o", &path)) < 0)
		return bus_fail(err, r, &e, "GetUnit", unit);
	const char *iface = strstr(unit, ".slice") ? "org.freedesktop.systemd1.Slice"
						   : "org.freedesktop.systemd1.Scope";
	char *theirs = NULL; /* from libsystemd's heap: see cg_dl_free */
	r = sd_bus_get_property_string(bus, SD_DEST, path, iface, "ControlGroup", &e, &theirs);
	if (r < 0)
		return bus_fail(err, r, &e, "read ControlGroup of", unit);
	*out = strdup(theirs);
	cg_dl_free(theirs);
	if (!*out)
		return cap_fail(err, ENOMEM, "systemd: ControlGroup of %s", unit);
	if (!**out || **out != '/')
		return cap_fail(err, EIO, "systemd: unit %s has no cgroup (ControlGroup \"%s\")",
				unit, *out);
	return 0;
}

/* A unit left over with the container's name: stop it when no process is
 * left in its cgroup (a stale unit); never take over a live one. */
static int stop_if_empty(sd_bus *bus, const char *unit, const char *mount, struct cap_error **err)
{
	cleanup_free char *rel = NULL, *events = NULL;
	struct cap_error *e = NULL;
	if (unit_cgroup(bus, unit, &rel, &e) == 0) {
		cleanup_free char *dir = NULL;
		uint64_t populated = 0;
		if (asprintf(&dir, "%s%s", mount, rel) > 0 &&
		    cg_read_path(dir, "cgroup.events", &events, NULL) == 0 &&
		    cg_keyed_u64(events, "populated", &populated) && populated)
			return cap_fail(err, EEXIST,
					"systemd: unit %s already exists and has processes in %s "
					"(another container with this name?)",
					unit, dir);
	}
	cap_error_free(e);
	return stop_unit(bus, unit, err);
}

static int start_once(sd_bus *bus, const char *unit, const struct cg_sd_props *p, sd_bus_error *e,
		      struct cap_error **err)
{
	cleanup_msg sd_bus_message *m = NULL;
	int r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER,
					       "StartTransientUnit");
	if (r >= 0)
		r = sd_bus_message_append(m, "ss", unit, "replace");
	if (r >= 0)
		r = append_props(m, p);
	if (r >= 0)
		r = sd_bus_message_append(m, "a(sa(sv))", 0);
	if (r < 0)
		return bus_fail(err, r, NULL, "build StartTransientUnit for", unit);
	return call_job(bus, m, "start", unit, e, err);
}

/* StartTransientUnit with the retries described at the top. */
static int start_unit(sd_bus *bus, const char *unit, const char *mount, struct cg_sd_props *p,
		      void (*debug)(const char *), struct cap_error **err)
{
	int stale = 0;
	for (;;) {
		cleanup_bus_error sd_bus_error e = SD_BUS_ERROR_NULL;
		int r = start_once(bus, unit, p, &e, err);
		if (r == 0)
			return 0;
		if (r == -EIO || !sd_bus_error_is_set(&e))
			return r == -EIO ? -1 : bus_fail(err, r, &e, "start", unit);
		const char *drop = rejected_prop(&e, p);
		if (drop) {
			char msg[256];
			snprintf(msg, sizeof(msg),
				 "systemd: unit property %s not supported; dropped", drop);
			if (debug)
				debug(msg);
			cg_sd_props_remove(p, drop);
			continue;
		}
		if (sd_bus_error_has_name(&e, "org.freedesktop.systemd1.UnitExists") && stale < 2) {
			if (stale++ == 0)
				sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER,
						   "ResetFailedUnit", NULL, NULL, "s", unit);
			else if (stop_if_empty(bus, unit, mount, err) < 0)
				return -1;
			continue;
		}
		return bus_fail(err, r, &e, "start", unit);
	}
}

/* The fixed properties of every container unit, then the requested ones. */
static int unit_props(const struct cgroup *cg, pid_t pid, struct cg_sd_props *p,
		      struct cap_error **err)
{
	char desc[320];
	snprintf(desc, sizeof(desc), "capsule container %s", cg->unit);
	bool slice_unit = strstr(cg->unit, ".slice") != NULL;
	if (cg_sd_props_str(p, "Description", desc, err) < 0)
		return -1;
	if (slice_unit) {
		struct cg_sd_prop *w = cg_sd_props_set(p, "Wants", "as");
		if (!w || !(w->strv = calloc(1, sizeof(char *))) ||
		    !(w->strv[0] = strdup(cg->slice)))
			return cap_fail(err, ENOMEM, "unit properties");
		w->n_strv = 1;
	} else {
		struct cg_sd_prop *pids = cg_sd_props_set(p, "PIDs", "au");
		if (cg_sd_props_str(p, "Slice", cg->slice, err) < 0 ||
		    cg_sd_props_bool(p, "Delegate", true, err) < 0 || !pids)
			return pids ? -1 : cap_fail(err, ENOMEM, "unit properties");
		pids->u = (uint64_t)pid;
	}
	static const char *const on[] = {"MemoryAccounting", "CPUAccounting", "TasksAccounting",
					 "IOAccounting"};
	for (size_t i = 0; i < sizeof(on) / sizeof(on[0]); i++)
		if (cg_sd_props_bool(p, on[i], true, err) < 0)
			return -1;
	return cg_sd_props_bool(p, "DefaultDependencies", false, err);
}

int cg_sd_start(struct cgroup *cg, pid_t pid, void (*debug)(const char *), char **rel,
		struct cap_error **err)
{
	cleanup_bus sd_bus *bus = NULL;
	struct cg_sd_props all = {0};
	if (bus_open(cg->rootless, &bus, err) < 0)
		return -1;
	int rc = unit_props(cg, pid, &all, err);
	/* requested properties after the fixed ones: annotations may override */
	for (size_t i = 0; rc == 0 && cg->sd_props && i < cg->sd_props->n; i++) {
		const struct cg_sd_prop *s = &cg->sd_props->v[i];
		struct cg_sd_prop *d = cg_sd_props_set(&all, s->name, s->sig);
		if (!d || cg_sd_prop_copy(d, s) < 0)
			rc = cap_fail(err, ENOMEM, "unit properties");
	}
	if (rc == 0)
		rc = start_unit(bus, cg->unit, cg->mount, &all, debug, err);
	cg_sd_props_free(&all);
	if (rc < 0)
		return -1;
	if (unit_cgroup(bus, cg->unit, rel, err) < 0) {
		stop_unit(bus, cg->unit, NULL);
		return -1;
	}
	return 0;
}

int cg_sd_set(const struct cgroup *cg, const struct cg_sd_props *p, struct cap_error **err)
{
	cleanup_bus sd_bus *bus = NULL;
	cleanup_msg sd_bus_message *m = NULL;
	cleanup_bus_error sd_bus_error e = SD_BUS_ERROR_NULL;
	if (!p->n)
		return 0;
	if (bus_open(cg->rootless, &bus, err) < 0)
		return -1;
	int r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER,
					       "SetUnitProperties");
	if (r >= 0)
		r = sd_bus_message_append(m, "sb", cg->unit, 1);
	if (r >= 0)
		r = append_props(m, p);
	if (r < 0 || (r = sd_bus_call(bus, m, JOB_TIMEOUT_USEC, &e, NULL)) < 0)
		return bus_fail(err, r, &e, "SetUnitProperties", cg->unit);
	return 0;
}

int cg_sd_stop(const struct cgroup *cg, struct cap_error **err)
{
	cleanup_bus sd_bus *bus = NULL;
	if (bus_open(cg->rootless, &bus, err) < 0)
		return -1;
	return stop_unit(bus, cg->unit, err);
}
