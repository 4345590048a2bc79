/* Spec text -> one yajl tree, whatever the syntax.  JSON goes through yajl;
 * YAML through libyaml's document loader, whose nodes are turned into yajl
 * values by hand (yajl_tree_free frees them with plain free(), as yajl's own
 * tree builder allocates them), so one decoder serves both syntaxes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "../lib/cleanup.h"
#include "internal.h"

/* Aliases can make a small YAML document expand exponentially: cap the
 * number of values and the nesting a spec may produce. */
#define YAML_MAX_VALUES 200000
#define YAML_MAX_DEPTH	64

struct ybuild {
	yaml_document_t *doc;
	size_t budget;
	const char *file;
	struct cap_error **err;
};

static yajl_val new_val(yajl_type t)
{
	yajl_val v = calloc(1, sizeof(*v));
	if (v)
		v->type = t;
	return v;
}

static bool plain_int(const char *s, long long *out)
{
	if (!*s)
		return false;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*end || errno)
		return false;
	*out = v;
	return true;
}

/* YAML 1.2 core schema for plain scalars; quoted scalars stay strings. */
static yajl_val scalar_val(const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;
	bool plain = n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	long long i;
	if (plain && (!strcmp(s, "null") || !strcmp(s, "~") || !*s))
		return new_val(yajl_t_null);
	if (plain && (!strcmp(s, "true") || !strcmp(s, "false")))
		return new_val(!strcmp(s, "true") ? yajl_t_true : yajl_t_false);
	if (plain && plain_int(s, &i)) {
		yajl_val v = new_val(yajl_t_number);
		if (v && !(v->u.number.r = strdup(s))) {
			free(v);
			return NULL;
		}
		if (v) {
			v->u.number.i = i;
			v->u.number.d = (double)i;
			v->u.number.flags = YAJL_NUMBER_INT_VALID | YAJL_NUMBER_DOUBLE_VALID;
		}
		return v;
	}
	yajl_val v = new_val(yajl_t_string);
	if (v && !(v->u.string = strdup(s))) {
		free(v);
		return NULL;
	}
	return v;
}

static yajl_val convert(struct ybuild *b, yaml_node_t *n, int depth);

static yajl_val convert_seq(struct ybuild *b, yaml_node_t *n, int depth)
{
	yajl_val v = new_val(yajl_t_array);
	if (!v)
		return NULL;
	size_t len = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	v->u.array.values = calloc(len ? len : 1, sizeof(yajl_val));
	if (!v->u.array.values) {
		free(v);
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		yaml_node_t *c = yaml_document_get_node(b->doc, n->data.sequence.items.start[i]);
		yajl_val cv = c ? convert(b, c, depth + 1) : NULL;
		if (!cv) {
			yajl_tree_free(v);
			return NULL;
		}
		v->u.array.values[v->u.array.len++] = cv;
	}
	return v;
}

static yajl_val convert_map(struct ybuild *b, yaml_node_t *n, int depth)
{
	yajl_val v = new_val(yajl_t_object);
	if (!v)
		return NULL;
	size_t len = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	v->u.object.keys = calloc(len ? len : 1, sizeof(char *));
	v->u.object.values = calloc(len ? len : 1, sizeof(yajl_val));
	if (!v->u.object.keys || !v->u.object.values) {
		yajl_tree_free(v);
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		yaml_node_pair_t *p = &n->data.mapping.pairs.start[i];
		yaml_node_t *k = yaml_document_get_node(b->doc, p->key);
		yaml_node_t *c = yaml_document_get_node(b->doc, p->value);
		if (!k || !c || k->type != YAML_SCALAR_NODE) {
			yajl_tree_free(v);
			cap_fail(b->err, 0, "%s: line %zu: mapping keys must be strings", b->file,
				 (k ? k->start_mark.line : n->start_mark.line) + 1);
			return NULL;
		}
		char *key = strdup((const char *)k->data.scalar.value);
		yajl_val cv = key ? convert(b, c, depth + 1) : NULL;
		if (!cv) {
			free(key);
			yajl_tree_free(v);
			return NULL;
		}
		v->u.object.keys[v->u.object.len] = key;
		v->u.object.values[v->u.object.len++] = cv;
	}
	return v;
}

static yajl_val convert(struct ybuild *b, yaml_node_t *n, int depth)
{
	if (depth > YAML_MAX_DEPTH || b->budget == 0) {
		cap_fail(b->err, 0, "%s: line %zu: document too deep or too large", b->file,
			 n->start_mark.line + 1);
		return NULL;
	}
	b->budget--;
	yajl_val v = NULL;
	switch (n->type) {
	case YAML_SCALAR_NODE:
		v = scalar_val(n);
		break;
	case YAML_SEQUENCE_NODE:
		return convert_seq(b, n, depth);
	case YAML_MAPPING_NODE:
		return convert_map(b, n, depth);
	default:
		cap_fail(b->err, 0, "%s: line %zu: unsupported YAML node", b->file,
			 n->start_mark.line + 1);
		return NULL;
	}
	if (!v)
		cap_fail(b->err, ENOMEM, "%s", b->file);
	return v;
}

static yajl_val yaml_tree(const char *buf, size_t len, const char *file, struct cap_error **err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	if (!yaml_parser_initialize(&parser))
		return cap_fail(err, ENOMEM, "%s: YAML parser", file), NULL;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		cap_fail(err, 0, "%s: line %zu: %s", file, parser.problem_mark.line + 1,
			 parser.problem ? parser.problem : "invalid YAML");
		yaml_parser_delete(&parser);
		return NULL;
	}
	yaml_parser_delete(&parser);
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	struct ybuild b = {.doc = &doc, .budget = YAML_MAX_VALUES, .file = file, .err = err};
	yajl_val v = root ? convert(&b, root, 0) : NULL;
	if (!root)
		cap_fail(err, 0, "%s: empty document", file);
	yaml_document_delete(&doc);
	if (!v)
		cap_fail(err, ENOMEM, "%s", file); /* keeps the first, more precise error */
	return v;
}

yajl_val cdi_tree_parse(const char *buf, size_t len, bool yaml, const char *file,
			struct cap_error **err)
{
	if (yaml)
		return yaml_tree(buf, len, file, err);
	cleanup_free char *z = malloc(len + 1);
	if (!z)
		return cap_fail(err, ENOMEM, "%s", file), NULL;
	memcpy(z, buf, len);
	z[len] = 0;
	if (strlen(z) != len)
		return cap_fail(err, 0, "%s: NUL byte in JSON", file), NULL;
	char ebuf[256] = "";
	yajl_val v = yajl_tree_parse(z, ebuf, sizeof(ebuf));
	if (!v) {
		char *nl = strchr(ebuf, '\n');
		if (nl)
			*nl = 0;
		return cap_fail(err, 0, "%s: invalid JSON: %s", file, ebuf), NULL;
	}
	return v;
}
