/* Freeing the spec model.  Every function copes with a half-built struct (the
 * parser sets counts before it fills arrays, and arrays start zeroed). */
#include <stdlib.h>

#include "spec_internal.h"

void spec_strv_free(char **v)
{
	if (!v)
		return;
	/* Filled from index 0 on, so the first NULL ends it even midway. */
	for (char **s = v; *s; s++)
		free(*s);
	free(v);
}

void spec_kv_free(struct spec_kv *kv, size_t n)
{
	if (!kv)
		return;
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

void spec_process_clear(struct spec_process *p)
{
	free(p->user.additional_gids);
	free(p->user.username);
	spec_strv_free(p->args);
	spec_strv_free(p->env);
	free(p->cwd);
	free(p->rlimits);
	free(p->apparmor_profile);
	free(p->selinux_label);
	free(p->exec_cpu_affinity.initial);
	free(p->exec_cpu_affinity.final);
}

void spec_process_free(struct spec_process *p)
{
	if (!p)
		return;
	spec_process_clear(p);
	free(p);
}

void spec_resources_clear(struct spec_resources *r)
{
	for (size_t i = 0; r->devices && i < r->n_devices; i++)
		free(r->devices[i].access);
	free(r->devices);
	free(r->cpu.cpus);
	free(r->cpu.mems);
	free(r->block_io.weight_devices);
	free(r->block_io.read_bps);
	free(r->block_io.write_bps);
	free(r->block_io.read_iops);
	free(r->block_io.write_iops);
	for (size_t i = 0; r->hugepage_limits && i < r->n_hugepage_limits; i++)
		free(r->hugepage_limits[i].page_size);
	free(r->hugepage_limits);
	spec_kv_free(r->unified, r->n_unified);
}

void spec_resources_free(struct spec_resources *r)
{
	if (!r)
		return;
	spec_resources_clear(r);
	free(r);
}

void spec_seccomp_free(struct spec_seccomp *sc)
{
	if (!sc)
		return;
	free(sc->architectures);
	free(sc->listener_path);
	free(sc->listener_metadata);
	for (size_t i = 0; sc->syscalls && i < sc->n_syscalls; i++) {
		spec_strv_free(sc->syscalls[i].names);
		free(sc->syscalls[i].args);
	}
	free(sc->syscalls);
	free(sc);
}

void spec_linux_clear(struct spec_linux *l)
{
	for (size_t i = 0; l->namespaces && i < l->n_namespaces; i++)
		free(l->namespaces[i].path);
	free(l->namespaces);
	free(l->uid_mappings);
	free(l->gid_mappings);
	for (size_t i = 0; l->devices && i < l->n_devices; i++) {
		free(l->devices[i].path);
		free(l->devices[i].host_path);
	}
	free(l->devices);
	free(l->cgroups_path);
	spec_resources_clear(&l->resources);
	spec_seccomp_free(l->seccomp);
	spec_kv_free(l->sysctl, l->n_sysctl);
	spec_strv_free(l->masked_paths);
	spec_strv_free(l->readonly_paths);
	free(l->mount_label);
	free(l->intel_rdt.clos_id);
	free(l->intel_rdt.l3_cache_schema);
	free(l->intel_rdt.mem_bw_schema);
	spec_strv_free(l->intel_rdt.schemata);
	for (size_t i = 0; l->net_devices && i < l->n_net_devices; i++) {
		free(l->net_devices[i].host_name);
		free(l->net_devices[i].name);
	}
	free(l->net_devices);
}

static void mount_clear(struct spec_mount *m)
{
	free(m->destination);
	free(m->type);
	free(m->source);
	spec_strv_free(m->options);
	free(m->uid_mappings);
	free(m->gid_mappings);
}

static void hook_clear(struct spec_hook *h)
{
	free(h->path);
	spec_strv_free(h->args);
	spec_strv_free(h->env);
}

void spec_free(struct spec *s)
{
	if (!s)
		return;
	free(s->oci_version);
	free(s->root_path);
	spec_process_clear(&s->process);
	free(s->hostname);
	free(s->domainname);
	for (size_t i = 0; s->mounts && i < s->n_mounts; i++)
		mount_clear(&s->mounts[i]);
	free(s->mounts);
	for (int k = 0; k < HOOK__COUNT; k++) {
		for (size_t i = 0; s->hooks.list[k] && i < s->hooks.count[k]; i++)
			hook_clear(&s->hooks.list[k][i]);
		free(s->hooks.list[k]);
	}
	spec_kv_free(s->annotations, s->n_annotations);
	spec_linux_clear(&s->linux_);
	free(s);
}
