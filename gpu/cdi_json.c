/* struct cdi_spec -> CDI JSON: `capsule gpu list --cdi` writes what
 * discovery found as a spec file that `--device` (or an engine) can use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "../lib/json.h"
#include "internal.h"

static void kv(yajl_gen g, const char *k, const char *v)
{
	if (!v)
		return;
	cap_json_key(g, k);
	cap_json_str(g, v);
}

static void strv(yajl_gen g, const char *k, char *const *v, size_t n)
{
	if (!n)
		return;
	cap_json_key(g, k);
	yajl_gen_array_open(g);
	for (size_t i = 0; i < n; i++)
		cap_json_str(g, v[i]);
	yajl_gen_array_close(g);
}

static void node(yajl_gen g, const struct cdi_node *n)
{
	yajl_gen_map_open(g);
	kv(g, "path", n->path);
	kv(g, "hostPath", n->host_path);
	kv(g, "type", n->type);
	kv(g, "permissions", n->permissions);
	if (n->major) {
		cap_json_key(g, "major");
		yajl_gen_integer(g, n->major);
		cap_json_key(g, "minor");
		yajl_gen_integer(g, n->minor);
	}
	if (n->has_mode) {
		cap_json_key(g, "fileMode");
		yajl_gen_integer(g, n->mode);
	}
	yajl_gen_map_close(g);
}

static void edits(yajl_gen g, const struct cdi_edits *e)
{
	cap_json_key(g, "containerEdits");
	yajl_gen_map_open(g);
	strv(g, "env", e->env, e->n_env);
	if (e->n_nodes) {
		cap_json_key(g, "deviceNodes");
		yajl_gen_array_open(g);
		for (size_t i = 0; i < e->n_nodes; i++)
			node(g, &e->nodes[i]);
		yajl_gen_array_close(g);
	}
	if (e->n_mounts) {
		cap_json_key(g, "mounts");
		yajl_gen_array_open(g);
		for (size_t i = 0; i < e->n_mounts; i++) {
			yajl_gen_map_open(g);
			kv(g, "hostPath", e->mounts[i].host_path);
			kv(g, "containerPath", e->mounts[i].container_path);
			kv(g, "type", e->mounts[i].type);
			strv(g, "options", e->mounts[i].options, e->mounts[i].n_options);
			yajl_gen_map_close(g);
		}
		yajl_gen_array_close(g);
	}
	if (e->n_hooks) {
		cap_json_key(g, "hooks");
		yajl_gen_array_open(g);
		for (size_t i = 0; i < e->n_hooks; i++) {
			yajl_gen_map_open(g);
			kv(g, "hookName", e->hooks[i].hook_name);
			kv(g, "path", e->hooks[i].path);
			strv(g, "args", e->hooks[i].args, e->hooks[i].n_args);
			strv(g, "env", e->hooks[i].env, e->hooks[i].n_env);
			yajl_gen_map_close(g);
		}
		yajl_gen_array_close(g);
	}
	yajl_gen_map_close(g);
}

char *cdi_spec_to_json(const struct cdi_spec *s)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return NULL;
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_map_open(g);
	kv(g, "cdiVersion", s->version);
	kv(g, "kind", s->kind);
	cap_json_key(g, "devices");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < s->n_devices; i++) {
		yajl_gen_map_open(g);
		kv(g, "name", s->devices[i].name);
		edits(g, &s->devices[i].edits);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	edits(g, &s->edits);
	yajl_gen_map_close(g);
	const unsigned char *buf;
	size_t len;
	char *out = NULL;
	if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok && (out = malloc(len + 1))) {
		memcpy(out, buf, len);
		out[len] = 0;
	}
	yajl_gen_free(g);
	return out;
}

static void summary_edits(FILE *f, const char *indent, const struct cdi_edits *e)
{
	for (size_t i = 0; i < e->n_env; i++)
		fprintf(f, "%senv    %s\n", indent, e->env[i]);
	for (size_t i = 0; i < e->n_nodes; i++)
		fprintf(f, "%snode   %s%s%s\n", indent, e->nodes[i].path,
			e->nodes[i].host_path ? " <- " : "",
			e->nodes[i].host_path ? e->nodes[i].host_path : "");
	for (size_t i = 0; i < e->n_mounts; i++)
		fprintf(f, "%smount  %s <- %s\n", indent, e->mounts[i].container_path,
			e->mounts[i].host_path);
	for (size_t i = 0; i < e->n_hooks; i++)
		fprintf(f, "%shook   %s %s\n", indent, e->hooks[i].hook_name, e->hooks[i].path);
}

char *cdi_spec_summary(const struct cdi_spec *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	for (size_t i = 0; i < s->n_devices; i++) {
		fprintf(f, "%s=%s\n", s->kind, s->devices[i].name);
		summary_edits(f, "  ", &s->devices[i].edits);
	}
	fprintf(f, "shared by every device:\n");
	summary_edits(f, "  ", &s->edits);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
