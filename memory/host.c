/* The host's side of `memory status`: RAM, swap devices, zram devices, zswap,
 * KSM and host PSI.  capsule sets none of these up (zram-tools or
 * systemd-zram-generator do); it only reports them.  Paths are read under a
 * sysroot so that tests can point it at a fake tree. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cleanup.h"

#define UNAVAILABLE(h, what) mem_unavailable((h)->unavailable, &(h)->n_unavailable, what)

static char *read_root(const char *sysroot, const char *path)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s%s", sysroot, path);
	return mem_read_at(AT_FDCWD, p);
}

static void read_ram(const char *sysroot, struct mem_host_status *h)
{
	cleanup_free char *t = read_root(sysroot, "/proc/meminfo");
	if (!t) {
		UNAVAILABLE(h, "ram");
		return;
	}
	h->mem_total.set = mem_parse_meminfo(t, "MemTotal", &h->mem_total.v);
	h->mem_free.set = mem_parse_meminfo(t, "MemFree", &h->mem_free.v);
	h->mem_available.set = mem_parse_meminfo(t, "MemAvailable", &h->mem_available.v);
	h->swap_total.set = mem_parse_meminfo(t, "SwapTotal", &h->swap_total.v);
	h->swap_free.set = mem_parse_meminfo(t, "SwapFree", &h->swap_free.v);
}

static int read_swaps(const char *sysroot, struct mem_host_status *h, struct cap_error **err)
{
	cleanup_free char *t = read_root(sysroot, "/proc/swaps");
	if (!t) {
		UNAVAILABLE(h, "swaps");
		return 0;
	}
	h->has_swaps = true;
	return mem_parse_swaps(t, &h->swaps, &h->n_swaps, err);
}

static int add_zram(const char *sysroot, const char *name, struct mem_host_status *h,
		    struct cap_error **err)
{
	struct mem_zram_dev *v = realloc(h->zram, (h->n_zram + 1) * sizeof(*v));
	if (!v)
		return cap_fail(err, ENOMEM, "zram devices");
	h->zram = v;
	struct mem_zram_dev *z = &h->zram[h->n_zram++];
	memset(z, 0, sizeof(*z));
	if (!(z->name = strdup(name)))
		return cap_fail(err, ENOMEM, "zram devices");
	char p[512];
	snprintf(p, sizeof(p), "/sys/block/%s/comp_algorithm", name);
	cleanup_free char *alg = read_root(sysroot, p);
	z->algorithm = mem_parse_comp_algorithm(alg);
	snprintf(p, sizeof(p), "/sys/block/%s/disksize", name);
	cleanup_free char *ds = read_root(sysroot, p);
	if (ds)
		mem_parse_u64_or_max(ds, &z->disksize);
	snprintf(p, sizeof(p), "/sys/block/%s/mm_stat", name);
	cleanup_free char *mm = read_root(sysroot, p);
	if (mm)
		mem_parse_zram_mm_stat(mm, &z->orig, &z->compr, &z->mem_used);
	return 0;
}

static int read_zram(const char *sysroot, struct mem_host_status *h, struct cap_error **err)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s/sys/block", sysroot);
	cleanup_dir DIR *d = opendir(p);
	if (!d) {
		UNAVAILABLE(h, "zram");
		return 0;
	}
	struct dirent *de;
	while ((de = readdir(d)))
		if (strncmp(de->d_name, "zram", 4) == 0 &&
		    add_zram(sysroot, de->d_name, h, err) < 0)
			return -1;
	return 0;
}

static void read_zswap(const char *sysroot, struct mem_host_status *h)
{
	cleanup_free char *en = read_root(sysroot, "/sys/module/zswap/parameters/enabled");
	if (!en) {
		UNAVAILABLE(h, "zswap");
		return;
	}
	h->has_zswap = true;
	h->zswap_enabled = en[0] == 'Y' || en[0] == '1';
	cleanup_free char *c = read_root(sysroot, "/sys/module/zswap/parameters/compressor");
	cleanup_free char *z = read_root(sysroot, "/sys/module/zswap/parameters/zpool");
	if (c)
		h->zswap_compressor = strndup(c, strcspn(c, "\n"));
	if (z)
		h->zswap_zpool = strndup(z, strcspn(z, "\n"));
	cleanup_free char *pct =
	    read_root(sysroot, "/sys/module/zswap/parameters/max_pool_percent");
	h->zswap_max_pool_percent.set =
	    pct && mem_parse_u64_or_max(pct, &h->zswap_max_pool_percent.v) == 0;
}

static bool ksm_u64(const char *sysroot, const char *file, uint64_t *v)
{
	char p[256];
	snprintf(p, sizeof(p), "/sys/kernel/mm/ksm/%s", file);
	cleanup_free char *t = read_root(sysroot, p);
	return t && mem_parse_u64_or_max(t, v) == 0;
}

static void read_ksm(const char *sysroot, struct mem_host_status *h)
{
	if (!ksm_u64(sysroot, "run", &h->ksm_run)) {
		UNAVAILABLE(h, "ksm");
		return;
	}
	h->has_ksm = true;
	ksm_u64(sysroot, "pages_shared", &h->ksm_pages_shared);
	ksm_u64(sysroot, "pages_sharing", &h->ksm_pages_sharing);
	cleanup_free char *t = read_root(sysroot, "/sys/kernel/mm/ksm/general_profit");
	char *end;
	if (t) {
		h->ksm_general_profit = strtoll(t, &end, 10);
		h->has_ksm_profit = end != t;
	}
}

int mem_host_status(const char *sysroot, struct mem_host_status *h, struct cap_error **err)
{
	memset(h, 0, sizeof(*h));
	read_ram(sysroot, h);
	if (read_swaps(sysroot, h, err) < 0 || read_zram(sysroot, h, err) < 0) {
		mem_host_status_free(h);
		return -1;
	}
	read_zswap(sysroot, h);
	read_ksm(sysroot, h);
	cleanup_free char *psi = read_root(sysroot, "/proc/pressure/memory");
	if (mem_parse_psi(psi, &h->psi) < 0)
		UNAVAILABLE(h, "psi");
	return 0;
}

void mem_host_status_free(struct mem_host_status *h)
{
	mem_swaps_free(h->swaps, h->n_swaps);
	for (size_t i = 0; i < h->n_zram; i++) {
		free(h->zram[i].name);
		free(h->zram[i].algorithm);
	}
	free(h->zram);
	free(h->zswap_compressor);
	free(h->zswap_zpool);
	memset(h, 0, sizeof(*h));
}
