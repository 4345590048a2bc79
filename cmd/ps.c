#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/container.h"
#include "simple.h"

static void print_json(const pid_t *pids, size_t n)
{
	putchar('[');
	for (size_t i = 0; i < n; i++)
		printf("%s%d", i ? "," : "", pids[i]);
	printf("]\n");
}

static bool has_pid(const pid_t *pids, size_t n, long pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* Field index of "PID" in ps's header line. */
static int pid_column(const char *header)
{
	int col = 0;
	for (const char *p = header; *p;) {
		while (*p == ' ')
			p++;
		if (strncmp(p, "PID", 3) == 0 && (p[3] == ' ' || p[3] == '\n' || !p[3]))
			return col;
		while (*p && *p != ' ')
			p++;
		col++;
	}
	return -1;
}

static long field_long(const char *line, int col)
{
	const char *p = line;
	for (int i = 0; i <= col; i++) {
		while (*p == ' ')
			p++;
		if (i == col)
			return strtol(p, NULL, 10);
		while (*p && *p != ' ')
			p++;
	}
	return -1;
}

/* runc runs ps(1) with the given options (default -ef) and keeps the
 * header plus the container's lines. */
static int print_table(struct global_opts *g, const pid_t *pids, size_t n, char **ps_args)
{
	char cmd[1024] = "ps";
	size_t off = 2;
	if (!*ps_args)
		snprintf(cmd + off, sizeof(cmd) - off, " -ef");
	for (; *ps_args && off < sizeof(cmd); ps_args++)
		off += (size_t)snprintf(cmd + off, sizeof(cmd) - off, " '%s'", *ps_args);
	FILE *f = popen(cmd, "r");
	if (!f)
		return cmd_errorf(g, "run ps");
	char line[4096];
	int col = -1;
	while (fgets(line, sizeof(line), f)) {
		if (col < 0) {
			col = pid_column(line);
			fputs(line, stdout);
		} else if (has_pid(pids, n, field_long(line, col))) {
			fputs(line, stdout);
		}
	}
	pclose(f);
	return col < 0 ? cmd_errorf(g, "couldn't find PID field in ps output") : 0;
}

CMD(ps)
{
	static const struct option opts[] = {{"format", required_argument, 0, 'f'}, {0, 0, 0, 0}};
	bool json = false;
	int c;
	while ((c = getopt_long_only(argc, argv, "+f:", opts, NULL)) != -1) {
		if (c != 'f' || (strcmp(optarg, "json") && strcmp(optarg, "table")))
			return cmd_errorf(g, "invalid format option");
		json = strcmp(optarg, "json") == 0;
	}
	if (argc - optind < 1)
		return cmd_errorf(g, "\"ps\" requires a minimum of 1 argument");
	pid_t *pids;
	size_t n;
	struct cap_error *err = NULL;
	if (container_pids(g->root, argv[optind], &pids, &n, &err) < 0)
		return finish_cmd(g, -1, &err);
	int rc = 0;
	if (json)
		print_json(pids, n);
	else if (argc - optind > 1 || !json)
		rc = print_table(g, pids, n, argv + optind + 1);
	free(pids);
	return rc;
}
