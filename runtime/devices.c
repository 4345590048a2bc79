/* CDI devices and --gpus for a container (see devices.h).  The saved request
 * is one line per item: "device NAME", "dir DIR", "gpus SEL" (empty when only
 * the config's annotations asked). */
#include "devices.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../gpu/gpu.h"
#include "../lib/cleanup.h"
#include "../lib/file.h"

#define REQUEST_FILE "devices.request"
#define MAX_ITEMS    256

static size_t late_hook_count(const struct spec *s)
{
	return s->hooks.count[HOOK_POSTSTART] + s->hooks.count[HOOK_POSTSTOP];
}

int devices_inject(struct spec *s, const struct create_opts *o, bool *late_hooks,
		   struct cap_error **err)
{
	size_t before = late_hook_count(s);
	struct gpu_request req = {
	    .devices = o->cdi_devices,
	    .n_devices = o->n_cdi_devices,
	    .spec_dirs = o->cdi_spec_dirs,
	    .n_spec_dirs = o->n_cdi_spec_dirs,
	    .gpus = o->gpus,
	};
	int rc = gpu_apply(s, &req, err);
	*late_hooks = late_hook_count(s) > before;
	return rc;
}

static int add_line(FILE *f, const char *kind, const char *v, struct cap_error **err)
{
	if (strchr(v, '\n'))
		return cap_fail(err, EINVAL, "%s \"%.200s\": contains a newline", kind, v);
	fprintf(f, "%s %s\n", kind, v);
	return 0;
}

int devices_save(int dirfd, const struct create_opts *o, bool late_hooks, struct cap_error **err)
{
	if (!late_hooks)
		return 0;
	cleanup_free char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return cap_fail(err, errno, "save the device request");
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < o->n_cdi_devices; i++)
		rc = add_line(f, "device", o->cdi_devices[i], err);
	for (size_t i = 0; rc == 0 && o->n_cdi_devices && i < o->n_cdi_spec_dirs; i++)
		rc = add_line(f, "dir", o->cdi_spec_dirs[i], err);
	if (rc == 0 && o->gpus)
		rc = add_line(f, "gpus", o->gpus, err);
	if (fclose(f) != 0 && rc == 0)
		rc = cap_fail(err, ENOMEM, "save the device request");
	return rc < 0 ? -1 : cap_write_file_atomic(dirfd, REQUEST_FILE, buf, len, 0600, err);
}

bool devices_requested(int dirfd)
{
	return faccessat(dirfd, REQUEST_FILE, F_OK, 0) == 0;
}

struct saved {
	const char *devices[MAX_ITEMS], *dirs[MAX_ITEMS];
	struct gpu_request req;
};

static void parse_saved(char *text, struct saved *sv)
{
	sv->req.devices = sv->devices;
	sv->req.spec_dirs = sv->dirs;
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(l, "device ", 7) && sv->req.n_devices < MAX_ITEMS)
			sv->devices[sv->req.n_devices++] = l + 7;
		else if (!strncmp(l, "dir ", 4) && sv->req.n_spec_dirs < MAX_ITEMS)
			sv->dirs[sv->req.n_spec_dirs++] = l + 4;
		else if (!strncmp(l, "gpus ", 5))
			sv->req.gpus = l + 5;
	}
}

int devices_reapply(int dirfd, struct spec *s, struct cap_error **err)
{
	size_t len = 0;
	struct cap_error *e = NULL;
	cleanup_free char *text = cap_read_file_at(dirfd, REQUEST_FILE, &len, &e);
	if (!text && e && e->errnum != ENOENT) {
		cap_fail(err, e->errnum, "%s", e->msg);
		cap_error_free(e);
		return -1;
	}
	cap_error_free(e);
	struct saved sv = {0};
	if (text)
		parse_saved(text, &sv);
	return gpu_apply(s, &sv.req, err);
}
