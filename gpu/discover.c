/* `--gpus` without a CDI spec: find the NVIDIA device nodes, the driver's
 * user-space libraries (through the dynamic linker's cache) and its tools
 * under a root ($CAPSULE_GPU_ROOT or /), and describe them as the CDI spec
 * `nvidia-ctk cdi generate` would: one device per GPU named by its index,
 * "all", and spec-wide edits for the control nodes, libraries and binaries.
 * Libraries are bound read-only, nosuid, nodev at their real path and at
 * their soname, so the container's linker finds them in the standard
 * directories without LD_LIBRARY_PATH and without rewriting its cache. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../lib/cleanup.h"
#include "internal.h"

static const char *const shared_nodes[] = {"nvidiactl", "nvidia-uvm", "nvidia-uvm-tools",
					   "nvidia-modeset"};
/* Prefixes of the libraries a generated spec mounts (soname "<prefix>.N"). */
static const char *const driver_libs[] = {
    "libcuda.so",	    "libcudadebugger.so",
    "libnvidia-ml.so",	    "libnvidia-ptxjitcompiler.so",
    "libnvidia-nvvm.so",    "libnvidia-opencl.so",
    "libnvidia-cfg.so",	    "libnvidia-allocator.so",
    "libnvidia-gpucomp.so", "libnvidia-opticalflow.so",
    "libnvcuvid.so",	    "libnvidia-encode.so",
    "libnvidia-pkcs11.so",  "libnvidia-pkcs11-openssl3.so",
};
static const char *const driver_bins[] = {"nvidia-smi", "nvidia-debugdump", "nvidia-persistenced",
					  "nvidia-cuda-mps-control", "nvidia-cuda-mps-server"};
static const char *const bin_dirs[] = {"/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin"};
static const char *const lib_opts[] = {"ro", "nosuid", "nodev", "rbind", "rprivate"};
#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *gpu_root(void)
{
	const char *r = getenv("CAPSULE_GPU_ROOT");
	return r && *r ? r : "/";
}

/* root + path, without a double slash for root "/". */
static char *under(const char *root, const char *path)
{
	char *out = NULL;
	size_t rl = strlen(root);
	while (rl > 0 && root[rl - 1] == '/')
		rl--;
	return asprintf(&out, "%.*s%s", (int)rl, root, path) < 0 ? NULL : out;
}

static int add_node(struct cdi_edits *e, const char *root, const char *path, struct cap_error **err)
{
	struct cdi_node *n = cdi_grow(&e->nodes, &e->n_nodes, sizeof(*n));
	if (!n || !(n->path = strdup(path)))
		return cap_fail(err, ENOMEM, "gpu discovery");
	if (strcmp(root, "/") != 0 && !(n->host_path = under(root, path)))
		return cap_fail(err, ENOMEM, "gpu discovery");
	return 0;
}

static int add_mount(struct cdi_edits *e, const char *host, const char *ctr, struct cap_error **err)
{
	for (size_t i = 0; i < e->n_mounts; i++)
		if (strcmp(e->mounts[i].container_path, ctr) == 0)
			return 0;
	struct cdi_mount *m = cdi_grow(&e->mounts, &e->n_mounts, sizeof(*m));
	if (!m || !(m->host_path = strdup(host)) || !(m->container_path = strdup(ctr)) ||
	    !(m->options = calloc(N(lib_opts) + 1, sizeof(char *))))
		return cap_fail(err, ENOMEM, "gpu discovery");
	for (size_t i = 0; i < N(lib_opts); i++)
		if (!(m->options[m->n_options++] = strdup(lib_opts[i])))
			return cap_fail(err, ENOMEM, "gpu discovery");
	return 0;
}

static bool is_char_dev(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISCHR(st.st_mode);
}

static int add_gpu(struct cdi_spec *s, const char *root, unsigned idx, struct cap_error **err)
{
	struct cdi_device *d = cdi_grow(&s->devices, &s->n_devices, sizeof(*d));
	char path[64];
	snprintf(path, sizeof(path), "/dev/nvidia%u", idx);
	if (!d || asprintf(&d->name, "%u", idx) < 0) {
		if (d)
			d->name = NULL;
		return cap_fail(err, ENOMEM, "gpu discovery");
	}
	return add_node(&d->edits, root, path, err);
}

static int by_index(const void *a, const void *b)
{
	return (int)(*(const unsigned *)a - *(const unsigned *)b);
}

/* /dev/nvidia<N>: one device each, then "all" with every one of them. */
static int find_gpus(struct cdi_spec *s, const char *root, struct cap_error **err)
{
	cleanup_free char *dev = under(root, "/dev");
	cleanup_dir DIR *d = dev ? opendir(dev) : NULL;
	if (!d)
		return 0;
	unsigned idx[256];
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d)) && n < N(idx);) {
		char *end;
		if (strncmp(e->d_name, "nvidia", 6) || !e->d_name[6] || e->d_name[6] < '0' ||
		    e->d_name[6] > '9')
			continue;
		unsigned long v = strtoul(e->d_name + 6, &end, 10);
		char full[PATH_MAX];
		snprintf(full, sizeof(full), "%s/%s", dev, e->d_name);
		if (!*end && v < 4096 && is_char_dev(full))
			idx[n++] = (unsigned)v;
	}
	qsort(idx, n, sizeof(idx[0]), by_index);
	for (size_t i = 0; i < n; i++)
		if (add_gpu(s, root, idx[i], err) < 0)
			return -1;
	if (!n)
		return 0;
	struct cdi_device *all = cdi_grow(&s->devices, &s->n_devices, sizeof(*all));
	if (!all || !(all->name = strdup("all")))
		return cap_fail(err, ENOMEM, "gpu discovery");
	for (size_t i = 0; i < n; i++)
		if (add_node(&all->edits, root, s->devices[i].edits.nodes[0].path, err) < 0)
			return -1;
	return 0;
}

static int find_shared_nodes(struct cdi_spec *s, const char *root, struct cap_error **err)
{
	for (size_t i = 0; i < N(shared_nodes); i++) {
		char path[64];
		snprintf(path, sizeof(path), "/dev/%s", shared_nodes[i]);
		cleanup_free char *host = under(root, path);
		if (host && is_char_dev(host) && add_node(&s->edits, root, path, err) < 0)
			return -1;
	}
	/* Render nodes are not tied to GPU indexes here: only "all" gets them. */
	cleanup_free char *dri = under(root, "/dev/dri");
	cleanup_dir DIR *d = dri ? opendir(dri) : NULL;
	struct cdi_device *all = s->n_devices ? &s->devices[s->n_devices - 1] : NULL;
	for (struct dirent *e; all && d && (e = readdir(d));) {
		char path[64 + NAME_MAX];
		snprintf(path, sizeof(path), "/dev/dri/%s", e->d_name);
		cleanup_free char *host = under(root, path);
		if (!strncmp(e->d_name, "renderD", 7) && host && is_char_dev(host) &&
		    add_node(&all->edits, root, path, err) < 0)
			return -1;
	}
	return 0;
}

/* Mount the real file at its own path and at the path given (a soname or
 * tool link), both seen from root. */
static int mount_file(struct cdi_edits *e, const char *root, const char *path,
		      struct cap_error **err)
{
	cleanup_free char *host = under(root, path);
	cleanup_free char *real = host ? realpath(host, NULL) : NULL;
	if (!real)
		return 0; /* a dangling cache entry: nothing to bring */
	size_t rl = strcmp(root, "/") ? strlen(root) : 0;
	while (rl > 0 && root[rl - 1] == '/')
		rl--;
	if (strncmp(real, root, rl) != 0 || (real[rl] != '/'))
		return 0; /* resolves outside the root */
	if (add_mount(e, real, real + rl, err) < 0)
		return -1;
	return strcmp(real + rl, path) ? add_mount(e, real, path, err) : 0;
}

static bool is_driver_lib(const char *soname)
{
	for (size_t i = 0; i < N(driver_libs); i++) {
		size_t l = strlen(driver_libs[i]);
		if (!strncmp(soname, driver_libs[i], l) && soname[l] == '.')
			return true;
	}
	return false;
}

static int find_libs(struct cdi_spec *s, const char *root, struct cap_error **err)
{
	cleanup_free char *cache = under(root, "/etc/ld.so.cache");
	struct ldcache_entry *v = NULL;
	size_t n = 0;
	struct cap_error *e = NULL;
	if (!cache || gpu_ldcache_read(cache, &v, &n, &e) < 0) {
		cap_error_free(e); /* no cache: no libraries to bring */
		return 0;
	}
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		if (is_driver_lib(v[i].soname))
			rc = mount_file(&s->edits, root, v[i].path, err);
	gpu_ldcache_free(v, n);
	return rc;
}

static int find_bins(struct cdi_spec *s, const char *root, struct cap_error **err)
{
	for (size_t b = 0; b < N(driver_bins); b++) {
		for (size_t d = 0; d < N(bin_dirs); d++) {
			char path[256];
			snprintf(path, sizeof(path), "%s/%s", bin_dirs[d], driver_bins[b]);
			cleanup_free char *host = under(root, path);
			struct stat st;
			if (!host || stat(host, &st) < 0 || !S_ISREG(st.st_mode))
				continue;
			if (mount_file(&s->edits, root, path, err) < 0)
				return -1;
			break;
		}
	}
	return 0;
}

struct cdi_spec *gpu_discover(const char *root, struct cap_error **err)
{
	struct cdi_spec *s = calloc(1, sizeof(*s));
	if (!s || !(s->file = strdup("<discovered>")) || !(s->kind = strdup("nvidia.com/gpu")) ||
	    !(s->version = strdup("0.5.0")) || !(s->edits.env = calloc(2, sizeof(char *))) ||
	    !(s->edits.env[0] = strdup("NVIDIA_VISIBLE_DEVICES=void"))) {
		cdi_spec_free(s);
		return cap_fail(err, ENOMEM, "gpu discovery"), NULL;
	}
	s->edits.n_env = 1;
	if (find_gpus(s, root, err) < 0 || find_shared_nodes(s, root, err) < 0 ||
	    find_libs(s, root, err) < 0 || find_bins(s, root, err) < 0) {
		cdi_spec_free(s);
		return NULL;
	}
	return s;
}

static const struct cdi_device *find_dev(const struct cdi_spec *s, const char *name)
{
	for (size_t i = 0; i < s->n_devices; i++)
		if (strcmp(s->devices[i].name, name) == 0)
			return &s->devices[i];
	return NULL;
}

int gpu_inject(const struct cdi_spec *s, const char *sel, struct spec *spec, struct cap_error **err)
{
	if (!s->n_devices)
		return cap_fail(err, ENODEV, "no NVIDIA GPU found (no /dev/nvidia<N> under %s)",
				gpu_root());
	if (cdi_apply_edits(spec, &s->edits, err) < 0)
		return -1;
	cleanup_free char *list = strdup(sel);
	if (!list)
		return cap_fail(err, ENOMEM, "--gpus");
	char *save = NULL;
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		const struct cdi_device *d = find_dev(s, t);
		if (!d || (strcmp(t, "all") && strspn(t, "0123456789") != strlen(t)))
			return cap_fail(err, ENODEV,
					"GPU \"%.40s\" not found (want all or indexes "
					"of /dev/nvidia<N>)",
					t);
		if (cdi_apply_edits(spec, &d->edits, err) < 0)
			return -1;
	}
	cdi_sort_mounts(spec);
	return 0;
}
