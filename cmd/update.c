/* capsule update [flags] ID: runc's update.
 *
 *   --resources FILE|-  an OCI LinuxResources JSON (file or stdin)
 *   --memory, --memory-swap, --memory-reservation, --kernel-memory(-tcp):
 *                       bytes with runc's suffixes (units.RAMInBytes: 100m, 1g,
 *                       1.5G, 512KiB; binary multiples) or -1 for unlimited
 *   --cpu-quota, --cpu-period, --cpu-share, --cpu-rt-period, --cpu-rt-runtime,
 *   --cpuset-cpus, --cpuset-mems, --pids-limit, --blkio-weight
 * runc ignores the flags when --resources is given; here flags given beside
 * --resources override its fields.  Kernel memory limits are accepted and
 * ignored with a warning, as runc does.  --l3-cache-schema and --mem-bw-schema
 * fail (runc fails where resctrl lacks CAT or MBA; capsule has no RDT). */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "../runtime/container.h"
#include "../oci/spec.h"
#include "simple.h"

enum {
	O_RESOURCES = 'r',
	O_MEMORY = 256,
	O_MEMORY_SWAP,
	O_MEMORY_RESERVATION,
	O_KERNEL_MEMORY,
	O_KERNEL_MEMORY_TCP,
	O_CPU_QUOTA,
	O_CPU_PERIOD,
	O_CPU_SHARE,
	O_CPU_RT_PERIOD,
	O_CPU_RT_RUNTIME,
	O_CPUSET_CPUS,
	O_CPUSET_MEMS,
	O_PIDS_LIMIT,
	O_BLKIO_WEIGHT,
	O_RDT, /* Intel RDT schemas: refused, capsule has no RDT support */
};

static const struct option opts[] = {
    {"resources", required_argument, 0, O_RESOURCES},
    {"memory", required_argument, 0, O_MEMORY},
    {"memory-swap", required_argument, 0, O_MEMORY_SWAP},
    {"memory-reservation", required_argument, 0, O_MEMORY_RESERVATION},
    {"kernel-memory", required_argument, 0, O_KERNEL_MEMORY},
    {"kernel-memory-tcp", required_argument, 0, O_KERNEL_MEMORY_TCP},
    {"cpu-quota", required_argument, 0, O_CPU_QUOTA},
    {"cpu-period", required_argument, 0, O_CPU_PERIOD},
    {"cpu-share", required_argument, 0, O_CPU_SHARE},
    {"cpu-rt-period", required_argument, 0, O_CPU_RT_PERIOD},
    {"cpu-rt-runtime", required_argument, 0, O_CPU_RT_RUNTIME},
    {"cpuset-cpus", required_argument, 0, O_CPUSET_CPUS},
    {"cpuset-mems", required_argument, 0, O_CPUSET_MEMS},
    {"pids-limit", required_argument, 0, O_PIDS_LIMIT},
    {"blkio-weight", required_argument, 0, O_BLKIO_WEIGHT},
    {"l3-cache-schema", required_argument, 0, O_RDT},
    {"mem-bw-schema", required_argument, 0, O_RDT},
    {0, 0, 0, 0},
};

/* docker/go-units RAMInBytes: "<number>[ ][kmgtp][i][b]", case-insensitive,
 * multiples of 1024.  "-1" means unlimited. */
static int ram_in_bytes(const char *s, int64_t *out)
{
	if (strcmp(s, "-1") == 0) {
		*out = -1;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return -1;
	char *end;
	double v = strtod(s, &end);
	if (end == s || v < 0)
		return -1;
	if (*end == ' ')
		end++;
	double mult = 1;
	const char *units = "kmgtp";
	const char *u = *end ? strchr(units, tolower((unsigned char)*end)) : NULL;
	if (u && *u) {
		for (const char *p = units; p <= u; p++)
			mult *= 1024;
		end++;
	}
	if (*end == 'i' || *end == 'I')
		end++;
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end)
		return -1;
	double bytes = v * mult;
	if (bytes >= 9.2e18)
		return -1;
	*out = (int64_t)bytes;
	return 0;
}

static int parse_i64(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return -1;
	*out = v;
	return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	if (*s == '-')
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end)
		return -1;
	*out = v;
	return 0;
}

static struct spec_resources *read_resources(struct global_opts *g, const char *path)
{
	cleanup_file FILE *f =
	    strcmp(path, "-") == 0 ? fdopen(dup(STDIN_FILENO), "r") : fopen(path, "re");
	if (!f) {
		cmd_errorf(g, "open %s: %s", path, strerror(errno));
		return NULL;
	}
	cleanup_free char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	char chunk[4096];
	size_t n;
	while (mem && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, mem);
	if (!mem || fclose(mem) != 0 || ferror(f)) {
		cmd_errorf(g, "read %s: %s", path, strerror(errno));
		return NULL;
	}
	struct cap_error *err = NULL;
	struct spec_resources *r = spec_parse_resources(buf, len, &err);
	if (!r) {
		cap_wrap(&err, "%s", strcmp(path, "-") == 0 ? "resources from stdin" : path);
		finish_cmd(g, -1, &err);
	}
	return r;
}

/* One flag into r; -1 after printing the error. */
static int apply_flag(struct global_opts *g, struct spec_resources *r, int opt, const char *name,
		      const char *val)
{
	int64_t i = 0;
	uint64_t u = 0;
	int bad = 0;
	switch (opt) {
	case O_MEMORY:
	case O_MEMORY_SWAP:
	case O_MEMORY_RESERVATION:
	case O_KERNEL_MEMORY:
	case O_KERNEL_MEMORY_TCP:
		if ((bad = ram_in_bytes(val, &i)) < 0)
			break;
		if (opt == O_KERNEL_MEMORY || opt == O_KERNEL_MEMORY_TCP) {
			cmd_warnf(g,
				  "--%s is ignored: kernel memory limits are not supported "
				  "(deprecated by the kernel, absent in cgroup v2)",
				  name);
			break;
		}
		struct spec_opt_i64 *d = opt == O_MEMORY	? &r->memory.limit
					 : opt == O_MEMORY_SWAP ? &r->memory.swap
								: &r->memory.reservation;
		*d = (struct spec_opt_i64){true, i};
		break;
	case O_CPU_QUOTA:
	case O_CPU_RT_RUNTIME:
	case O_PIDS_LIMIT:
		if ((bad = parse_i64(val, &i)) < 0)
			break;
		if (opt == O_PIDS_LIMIT) {
			if (i != 0) /* runc: 0 leaves the limit alone */
				r->pids.set = true, r->pids.limit = i;
		} else {
			*(opt == O_CPU_QUOTA ? &r->cpu.quota : &r->cpu.realtime_runtime) =
			    (struct spec_opt_i64){true, i};
		}
		break;
	case O_CPU_PERIOD:
	case O_CPU_SHARE:
	case O_CPU_RT_PERIOD:
	case O_BLKIO_WEIGHT:
		if ((bad = parse_u64(val, &u)) < 0)
			break;
		if (opt == O_BLKIO_WEIGHT) {
			if (u != 0)
				r->block_io.weight = (struct spec_opt_u64){true, u};
			break;
		}
		*(opt == O_CPU_PERIOD  ? &r->cpu.period
		  : opt == O_CPU_SHARE ? &r->cpu.shares
				       : &r->cpu.realtime_period) = (struct spec_opt_u64){true, u};
		break;
	case O_CPUSET_CPUS:
	case O_CPUSET_MEMS: {
		char **d = opt == O_CPUSET_CPUS ? &r->cpu.cpus : &r->cpu.mems;
		free(*d);
		if (!(*d = strdup(val)))
			bad = -1;
		break;
	}
	default:
		break;
	}
	if (bad < 0) {
		cmd_errorf(g, "invalid value for %s: %s", name, val);
		return -1;
	}
	return 0;
}

CMD(update)
{
	struct {
		int opt;
		const char *name, *val;
	} flags[sizeof(opts) / sizeof(opts[0])];
	size_t nflags = 0;
	const char *resources = NULL;
	int c, idx = 0;
	while ((c = getopt_long_only(argc, argv, "+r:", opts, &idx)) != -1) {
		if (c == O_RESOURCES)
			resources = optarg;
		else if (c == O_RDT) /* runc fails too where resctrl lacks CAT/MBA */
			return cmd_errorf(g,
					  "Intel RDT: --%s is not supported (capsule has no "
					  "Intel RDT support)",
					  opts[idx].name);
		else if (c == '?' || c == ':')
			return 1;
		else if (nflags < sizeof(flags) / sizeof(flags[0]))
			flags[nflags++] = (typeof(flags[0])){c, opts[idx].name, optarg};
	}
	if (cmd_require_args(g, argv[0], argc - optind, 1) < 0)
		return 1;
	struct spec_resources *r =
	    resources ? read_resources(g, resources) : calloc(1, sizeof(struct spec_resources));
	if (!r)
		return resources ? 1 : cmd_errorf(g, "out of memory");
	for (size_t i = 0; i < nflags; i++) {
		if (apply_flag(g, r, flags[i].opt, flags[i].name, flags[i].val) < 0) {
			spec_resources_free(r);
			return 1;
		}
	}
	struct cap_error *err = NULL;
	int rc = container_update(g->root, argv[optind], r, &err);
	spec_resources_free(r);
	return finish_cmd(g, rc, &err);
}
