/* The deterministic settings of a job, each one documented in README.md ("capsule job"):
 * env = image env + fixed entries + --env; cwd /output; uid/gid; pinned CPUs; memory. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cleanup.h"
#include "internal.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Set K=V: replace an entry with the same key in place, else append. */
static int env_set(struct job_settings *st, const char *kv)
{
	size_t klen = strcspn(kv, "=");
	char *dup = strdup(kv);
	if (!dup)
		return -1;
	for (size_t i = 0; i < st->n_env; i++)
		if (!strncmp(st->env[i], kv, klen) && st->env[i][klen] == '=') {
			free(st->env[i]);
			st->env[i] = dup;
			return 0;
		}
	char **v = realloc(st->env, (st->n_env + 2) * sizeof(char *));
	if (!v)
		return free(dup), -1;
	st->env = v;
	v[st->n_env++] = dup;
	v[st->n_env] = NULL;
	return 0;
}

/* The value of --env KEY=..., the last one given wins. */
static const char *env_get(const struct job_spec *s, const char *key)
{
	size_t k = strlen(key);
	const char *v = NULL;
	for (size_t i = 0; i < s->n_env; i++)
		if (!strncmp(s->env[i], key, k) && s->env[i][k] == '=')
			v = s->env[i] + k + 1;
	return v;
}

static int build_env(const struct job_spec *s, const struct job_variation *v,
		     const struct job_image *img, struct job_settings *st, struct cap_error **err)
{
	char sde[64];
	snprintf(sde, sizeof(sde), "SOURCE_DATE_EPOCH=%lld", img->created);
	st->source_date_epoch = img->created;
	bool has_path = false;
	for (char **e = img->env; e && *e; e++) {
		has_path |= strncmp(*e, "PATH=", 5) == 0;
		if (env_set(st, *e) < 0)
			return cap_fail(err, ENOMEM, "env");
	}
	const char *fixed[] = {has_path ? NULL : DEFAULT_PATH, "HOME=/tmp", "TZ=UTC",
			       "LC_ALL=C.UTF-8", sde};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(*fixed); i++)
		if (fixed[i] && env_set(st, fixed[i]) < 0)
			return cap_fail(err, ENOMEM, "env");
	for (size_t i = 0; i < s->n_env; i++) {
		if (!strchr(s->env[i], '=') || s->env[i][0] == '=')
			return cap_fail(err, 0, "--env %.200s: want KEY=VALUE", s->env[i]);
		if (env_set(st, s->env[i]) < 0)
			return cap_fail(err, ENOMEM, "env");
	}
	const char *given = env_get(s, "SOURCE_DATE_EPOCH");
	if (given)
		st->source_date_epoch = strtoll(given, NULL, 10);
	for (size_t i = 0; v && v->reverse_env && i < st->n_env / 2; i++) {
		char *t = st->env[i];
		st->env[i] = st->env[st->n_env - 1 - i];
		st->env[st->n_env - 1 - i] = t;
	}
	return 0;
}

/* --cpus N: the first N CPUs this process may run on. */
static int pin_cpus(unsigned n, struct job_settings *st, struct cap_error **err)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return cap_fail(err, errno, "sched_getaffinity");
	unsigned have = (unsigned)CPU_COUNT(&set), got = 0;
	if (n > have)
		return cap_fail(err, 0, "--cpus %u: only %u CPU(s) available here", n, have);
	size_t off = 0;
	for (int c = 0; c < CPU_SETSIZE && got < n; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		off += (size_t)snprintf(st->cpu_list + off, sizeof(st->cpu_list) - off, "%s%d",
					got ? "," : "", c);
		if (off >= sizeof(st->cpu_list))
			return cap_fail(err, 0, "--cpus %u: CPU list too long", n);
		got++;
	}
	/* A cpuset in the job's cgroup when cgroup2 offers the controller; on a hybrid host
	 * cpuset is a v1 controller and the affinity of the job's processes is all we pin. */
	cleanup_file FILE *f = fopen("/sys/fs/cgroup/cgroup.controllers", "re");
	char line[512] = "";
	if (f && fgets(line, sizeof(line), f))
		for (char *t = strtok(line, " \n"); t; t = strtok(NULL, " \n"))
			st->cpuset_cgroup |= strcmp(t, "cpuset") == 0;
	return 0;
}

static int parse_size(const char *s, long long *out, struct cap_error **err)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	long long mult = 1;
	switch (toupper((unsigned char)*end)) {
	case 'K':
		mult = 1LL << 10;
		end++;
		break;
	case 'M':
		mult = 1LL << 20;
		end++;
		break;
	case 'G':
		mult = 1LL << 30;
		end++;
		break;
	case 'T':
		mult = 1LL << 40;
		end++;
		break;
	}
	if (toupper((unsigned char)*end) == 'I' && mult > 1)
		end++;
	if (toupper((unsigned char)*end) == 'B')
		end++;
	if (errno || end == s || *end || v <= 0 || v * (double)mult > 9e18)
		return cap_fail(err, 0, "--memory %.200s: want a size such as 512M or 2G", s);
	*out = (long long)(v * (double)mult);
	return 0;
}

static int parse_user(const char *u, struct job_settings *st, struct cap_error **err)
{
	char *end;
	st->uid = strtol(u, &end, 10);
	st->gid = st->uid;
	if (*end == ':')
		st->gid = strtol(end + 1, &end, 10);
	if (*end || *u == ':' || st->uid < 0 || st->gid < 0 || st->uid > INT_MAX ||
	    st->gid > INT_MAX)
		return cap_fail(err, 0, "--user %.200s: want UID[:GID] (numbers)", u);
	return 0;
}

int job_settings_build(const struct job_spec *s, const struct job_variation *v,
		       const struct job_image *img, struct job_settings *st, struct cap_error **err)
{
	memset(st, 0, sizeof(*st));
	st->uid = st->gid = -1;
	if (build_env(s, v, img, st, err) < 0)
		return -1;
	if (!(st->cwd = strdup(s->workdir ? s->workdir : "/output")))
		return cap_fail(err, ENOMEM, "cwd");
	if (st->cwd[0] != '/')
		return cap_fail(err, 0, "--workdir %.200s: want an absolute path", s->workdir);
	if (s->user && parse_user(s->user, st, err) < 0)
		return -1;
	unsigned cpus = v && v->cpus ? v->cpus : s->cpus;
	if (cpus && pin_cpus(cpus, st, err) < 0)
		return -1;
	if (s->memory && parse_size(s->memory, &st->memory, err) < 0)
		return -1;
	if (!(st->output_abs = realpath(s->output, NULL)))
		return cap_fail(err, errno, "--output %.200s", s->output);
	st->input_abs = calloc(s->n_inputs + 1, sizeof(char *));
	if (!st->input_abs)
		return cap_fail(err, ENOMEM, "inputs");
	for (size_t i = 0; i < s->n_inputs; i++) {
		const char *base = v && v->inputs_copy ? v->inputs_copy : NULL;
		char *p = base ? cap_strdupf("%s/%s", base, s->inputs[i].name)
			       : realpath(s->inputs[i].path, NULL);
		if (!(st->input_abs[i] = p))
			return cap_fail(err, errno ? errno : ENOMEM, "--input %.200s",
					s->inputs[i].path);
	}
	return 0;
}

void job_settings_clear(struct job_settings *st, size_t n_inputs)
{
	for (size_t i = 0; i < st->n_env; i++)
		free(st->env[i]);
	free(st->env);
	for (size_t i = 0; st->input_abs && i < n_inputs; i++)
		free(st->input_abs[i]);
	free(st->input_abs);
	free(st->cwd);
	free(st->output_abs);
	free(st->tmp_dir);
	memset(st, 0, sizeof(*st));
}
