#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "../runtime/container.h"
#include "../lib/json.h"
#include "simple.h"

static void gen_info(yajl_gen j, const struct container_info *c)
{
	yajl_gen_map_open(j);
	cap_json_kv_str(j, "ociVersion", "1.2.0");
	cap_json_kv_str(j, "id", c->id);
	cap_json_key(j, "pid");
	yajl_gen_integer(j, c->pid);
	cap_json_kv_str(j, "status", c->status);
	cap_json_kv_str(j, "bundle", c->bundle);
	cap_json_kv_str(j, "rootfs", c->rootfs);
	cap_json_kv_str(j, "created", c->created);
	cap_json_kv_str(j, "owner", c->owner);
	if (c->annotations_json) {
		cap_json_key(j, "annotations");
		yajl_gen_number(j, c->annotations_json, strlen(c->annotations_json));
	}
	yajl_gen_map_close(j);
}

static void print_json(const struct container_info *l, size_t n)
{
	yajl_gen j = yajl_gen_alloc(NULL);
	yajl_gen_array_open(j);
	for (size_t i = 0; i < n; i++)
		gen_info(j, &l[i]);
	yajl_gen_array_close(j);
	char *out = cap_json_finish(j);
	printf("%s\n", out ? out : "[]");
	free(out);
	yajl_gen_free(j);
}

/* runc's tabwriter: columns at least 12 wide, 3 spaces of padding. */
static int col_width(const struct container_info *l, size_t n, size_t col)
{
	static const char *const hdr[] = {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"};
	size_t w = strlen(hdr[col]);
	for (size_t i = 0; i < n; i++) {
		char pid[16];
		snprintf(pid, sizeof(pid), "%d", l[i].pid);
		const char *cells[] = {l[i].id,	    pid,	  l[i].status,
				       l[i].bundle, l[i].created, l[i].owner};
		if (strlen(cells[col]) > w)
			w = strlen(cells[col]);
	}
	return (int)(w + 3 < 12 ? 12 : w + 3);
}

static void print_table(const struct container_info *l, size_t n)
{
	int w[5];
	for (size_t c = 0; c < 5; c++)
		w[c] = col_width(l, n, c);
	printf("%-*s%-*s%-*s%-*s%-*s%s\n", w[0], "ID", w[1], "PID", w[2], "STATUS", w[3], "BUNDLE",
	       w[4], "CREATED", "OWNER");
	for (size_t i = 0; i < n; i++) {
		char pid[16];
		snprintf(pid, sizeof(pid), "%d", l[i].pid);
		printf("%-*s%-*s%-*s%-*s%-*s%s\n", w[0], l[i].id, w[1], pid, w[2], l[i].status,
		       w[3], l[i].bundle, w[4], l[i].created, l[i].owner);
	}
}

CMD(list)
{
	static const struct option opts[] = {
	    {"quiet", no_argument, 0, 'q'}, {"format", required_argument, 0, 'f'}, {0, 0, 0, 0}};
	bool quiet = false, json = false;
	int c;
	while ((c = getopt_long_only(argc, argv, "+qf:", opts, NULL)) != -1) {
		if (c == 'q')
			quiet = true;
		else if (c == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "table") == 0))
			json = strcmp(optarg, "json") == 0;
		else if (c == 'f')
			return cmd_errorf(g, "invalid format option \"%s\"", optarg);
		else
			return 1;
	}
	struct container_info *l;
	size_t n;
	struct cap_error *err = NULL;
	if (container_list(g->root, &l, &n, &err) < 0)
		return finish_cmd(g, -1, &err);
	if (quiet)
		for (size_t i = 0; i < n; i++)
			printf("%s\n", l[i].id);
	else if (json)
		print_json(l, n);
	else
		print_table(l, n);
	container_list_free(l, n);
	return 0;
}
