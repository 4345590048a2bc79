/* Pure parsers of the kernel's memory files: text in, numbers out, no I/O.
 * Formats: Documentation/admin-guide/cgroup-v2.rst, accounting/psi.rst,
 * blockdev/zram.rst, filesystems/proc.rst. */
#include "memory.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mem_parse_u64_or_max(const char *text, uint64_t *out)
{
	if (!text)
		return -1;
	if (strncmp(text, "max", 3) == 0 && (text[3] == '\0' || text[3] == '\n')) {
		*out = MEM_MAX;
		return 0;
	}
	if (*text < '0' || *text > '9')
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno || (*end && *end != '\n'))
		return -1;
	*out = v;
	return 0;
}

/* The value after "key " at the start of a line, or NULL. */
static const char *keyed_value(const char *text, const char *key)
{
	size_t kl = strlen(key);
	for (const char *l = text; l && *l;) {
		if (strncmp(l, key, kl) == 0 && (l[kl] == ' ' || l[kl] == '\t'))
			return l + kl + 1;
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return NULL;
}

/* The number after "key ", into *u (unsigned) or *s (signed). */
static bool keyed_number(const char *text, const char *key, uint64_t *u, int64_t *s)
{
	const char *v = text ? keyed_value(text, key) : NULL;
	if (!v)
		return false;
	char *end;
	if (u)
		*u = strtoull(v, &end, 10);
	else
		*s = strtoll(v, &end, 10);
	return end != v;
}

bool mem_parse_keyed(const char *text, const char *key, uint64_t *out)
{
	return keyed_number(text, key, out, NULL);
}

bool mem_parse_keyed_i64(const char *text, const char *key, int64_t *out)
{
	return keyed_number(text, key, NULL, out);
}

static bool psi_field(const char *line, const char *key, double *d, uint64_t *u)
{
	const char *p = strstr(line, key);
	if (!p)
		return false;
	p += strlen(key);
	char *end;
	if (d)
		*d = strtod(p, &end);
	else
		*u = strtoull(p, &end, 10);
	return end != p;
}

static bool psi_line(const char *l, struct mem_psi_line *o)
{
	return psi_field(l, " avg10=", &o->avg10, NULL) &&
	       psi_field(l, " avg60=", &o->avg60, NULL) &&
	       psi_field(l, " avg300=", &o->avg300, NULL) &&
	       psi_field(l, " total=", NULL, &o->total);
}

int mem_parse_psi(const char *text, struct mem_psi *out)
{
	memset(out, 0, sizeof(*out));
	if (!text)
		return -1;
	bool some = false;
	for (const char *l = text; l && *l;) {
		const char *nl = strchr(l, '\n');
		char line[256];
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, l, len);
		line[len] = '\0';
		if (strncmp(line, "some ", 5) == 0)
			some = psi_line(line + 4, &out->some);
		else if (strncmp(line, "full ", 5) == 0)
			out->has_full = psi_line(line + 4, &out->full);
		l = nl ? nl + 1 : NULL;
	}
	out->present = some;
	return some ? 0 : -1;
}

bool mem_parse_meminfo(const char *text, const char *key, uint64_t *bytes)
{
	size_t kl = strlen(key);
	for (const char *l = text; l && *l;) {
		if (strncmp(l, key, kl) == 0 && l[kl] == ':') {
			char *end;
			unsigned long long v = strtoull(l + kl + 1, &end, 10);
			if (end == l + kl + 1)
				return false;
			while (*end == ' ')
				end++;
			*bytes = strncmp(end, "kB", 2) == 0 ? v * 1024 : v;
			return true;
		}
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return false;
}

char *mem_parse_comp_algorithm(const char *text)
{
	const char *open = text ? strchr(text, '[') : NULL;
	const char *close = open ? strchr(open, ']') : NULL;
	if (open && close)
		return strndup(open + 1, (size_t)(close - open - 1));
	if (!text) /* one algorithm compiled in: no brackets */
		return NULL;
	size_t len = strcspn(text, " \n");
	return len ? strndup(text, len) : NULL;
}

int mem_parse_zram_mm_stat(const char *text, uint64_t *orig, uint64_t *compr, uint64_t *used)
{
	unsigned long long a, b, c;
	if (!text || sscanf(text, "%llu %llu %llu", &a, &b, &c) != 3)
		return -1;
	*orig = a, *compr = b, *used = c;
	return 0;
}

int mem_parse_smaps_idle(const char *text, uint64_t *bytes)
{
	uint64_t rss, referenced, ksm = 0;
	if (!mem_parse_keyed(text, "Rss:", &rss) ||
	    !mem_parse_keyed(text, "Referenced:", &referenced))
		return -1;
	/* A KSM page is shared with other processes, often of other containers,
	 * and charged to the cgroup that first held it: this one's reclaim
	 * seldom can take it.  Counted as not idle (KSM: since Linux 6.6). */
	mem_parse_keyed(text, "KSM:", &ksm);
	uint64_t busy = referenced + ksm;
	*bytes = rss > busy ? (rss - busy) << 10 : 0;
	return 0;
}

uint64_t mem_parse_unmapped_file(const char *memory_stat)
{
	uint64_t file = 0, mapped = 0;
	if (!mem_parse_keyed(memory_stat, "file", &file))
		return 0;
	mem_parse_keyed(memory_stat, "file_mapped", &mapped);
	return file > mapped ? file - mapped : 0;
}

void mem_swaps_free(struct mem_swap_dev *devs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(devs[i].name);
		free(devs[i].type);
	}
	free(devs);
}

/* One /proc/swaps line: "Filename Type Size Used Priority", sizes in KiB.
 * Names have spaces escaped as \040, so whitespace splits fields. */
static int swap_line(const char *l, struct mem_swap_dev *d)
{
	char name[4096], type[32];
	unsigned long long size, used;
	int prio;
	if (sscanf(l, "%4095s %31s %llu %llu %d", name, type, &size, &used, &prio) != 5)
		return -1;
	d->name = strdup(name);
	d->type = strdup(type);
	d->size = size * 1024;
	d->used = used * 1024;
	d->priority = prio;
	return d->name && d->type ? 0 : -1;
}

int mem_parse_swaps(const char *text, struct mem_swap_dev **devs, size_t *n, struct cap_error **err)
{
	*devs = NULL;
	*n = 0;
	size_t cap = 0;
	const char *l = text ? strchr(text, '\n') : NULL; /* skip the header */
	for (l = l ? l + 1 : NULL; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			struct mem_swap_dev *v = realloc(*devs, cap * sizeof(*v));
			if (!v) {
				mem_swaps_free(*devs, *n);
				*devs = NULL, *n = 0;
				return cap_fail(err, ENOMEM, "/proc/swaps");
			}
			*devs = v;
		}
		memset(&(*devs)[*n], 0, sizeof(**devs));
		if (swap_line(l, &(*devs)[*n]) == 0)
			(*n)++;
		else {
			free((*devs)[*n].name);
			free((*devs)[*n].type);
		}
	}
	return 0;
}
