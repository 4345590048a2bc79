/* One CDI spec file: read, parse (JSON or YAML by extension), validate, free. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "internal.h"

/* Spec files are small; a bigger one is refused rather than read. */
#define CDI_MAX_FILE (16u << 20)

void *cdi_grow(void *arrp, size_t *n, size_t size)
{
	void **arr = arrp;
	char *v = realloc(*arr, (*n + 1) * size);
	if (!v)
		return NULL;
	*arr = v;
	memset(v + *n * size, 0, size);
	return v + (*n)++ * size;
}

void cdi_strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

void cdi_edits_clear(struct cdi_edits *e)
{
	cdi_strv_free(e->env);
	for (size_t i = 0; e->nodes && i < e->n_nodes; i++) {
		free(e->nodes[i].path);
		free(e->nodes[i].host_path);
		free(e->nodes[i].type);
		free(e->nodes[i].permissions);
	}
	free(e->nodes);
	for (size_t i = 0; e->mounts && i < e->n_mounts; i++) {
		free(e->mounts[i].host_path);
		free(e->mounts[i].container_path);
		free(e->mounts[i].type);
		cdi_strv_free(e->mounts[i].options);
	}
	free(e->mounts);
	for (size_t i = 0; e->hooks && i < e->n_hooks; i++) {
		free(e->hooks[i].hook_name);
		free(e->hooks[i].path);
		cdi_strv_free(e->hooks[i].args);
		cdi_strv_free(e->hooks[i].env);
	}
	free(e->hooks);
	free(e->gids);
	free(e->rdt.clos_id);
	free(e->rdt.l3_cache_schema);
	free(e->rdt.mem_bw_schema);
	free(e->rdt.schemata);
	memset(e, 0, sizeof(*e));
}

void cdi_spec_clear(struct cdi_spec *s)
{
	free(s->file);
	free(s->version);
	free(s->kind);
	for (size_t i = 0; s->devices && i < s->n_devices; i++) {
		free(s->devices[i].name);
		cdi_edits_clear(&s->devices[i].edits);
	}
	free(s->devices);
	cdi_edits_clear(&s->edits);
	memset(s, 0, sizeof(*s));
}

void cdi_spec_free(struct cdi_spec *s)
{
	if (!s)
		return;
	cdi_spec_clear(s);
	free(s);
}

size_t cdi_spec_device_count(const struct cdi_spec *s)
{
	return s ? s->n_devices : 0;
}

struct cdi_spec *cdi_spec_parse(const char *buf, size_t len, bool yaml, const char *file,
				struct cap_error **err)
{
	yajl_val tree = cdi_tree_parse(buf, len, yaml, file, err);
	if (!tree)
		return NULL;
	struct cdi_spec *s = calloc(1, sizeof(*s));
	int rc = s ? cdi_spec_from_tree(tree, file, s, err) : cap_fail(err, ENOMEM, "%s", file);
	yajl_tree_free(tree);
	if (rc < 0) {
		cdi_spec_free(s);
		return NULL;
	}
	return s;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Which syntax a file name says, or -1 when it is no spec file. */
int cdi_file_syntax(const char *path)
{
	if (has_suffix(path, ".json"))
		return 0;
	if (has_suffix(path, ".yaml") || has_suffix(path, ".yml"))
		return 1;
	return -1;
}

struct cdi_spec *cdi_spec_load(const char *path, struct cap_error **err)
{
	int syntax = cdi_file_syntax(path);
	if (syntax < 0)
		return cap_fail(err, 0, "%s: not a CDI spec file (want .json, .yaml or .yml)",
				path),
		       NULL;
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return cap_fail(err, errno, "open %s", path), NULL;
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > CDI_MAX_FILE)
		return cap_fail(err, 0, "%s: not a regular file of at most 16 MiB", path), NULL;
	size_t len = (size_t)st.st_size, got = 0;
	cleanup_free char *buf = malloc(len + 1);
	if (!buf)
		return cap_fail(err, ENOMEM, "%s", path), NULL;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return cap_fail(err, n < 0 ? errno : EIO, "read %s", path), NULL;
		got += (size_t)n;
	}
	return cdi_spec_parse(buf, len, syntax == 1, path, err);
}
