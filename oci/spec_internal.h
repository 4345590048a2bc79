/* Internal to the spec parser: the pieces spec.c puts together, and the
 * functions that free a part of the model in place (the structs are embedded
 * in struct spec, so each part has a "clear" besides the public *_free). */
#ifndef CAPSULE_SPEC_INTERNAL_H
#define CAPSULE_SPEC_INTERNAL_H

#include "spec.h"
#include "spec_json.h"

/* Each parses the object v (path already at it) into a zeroed *out.  On
 * failure *out may be half-filled: the matching clear function frees it. */
int spec_process_from_json(yajl_val v, struct jpath *p, struct spec_process *out,
			   struct cap_error **err);
int spec_linux_from_json(yajl_val v, struct jpath *p, struct spec_linux *out,
			 struct cap_error **err);
int spec_resources_from_json(yajl_val v, struct jpath *p, struct spec_resources *out,
			     struct cap_error **err);
int spec_seccomp_from_json(yajl_val v, struct jpath *p, struct spec_seccomp *out,
			   struct cap_error **err);
/* linux.memoryPolicy (a jitem_fn: out is a struct spec_mem_policy). */
int spec_mempolicy_from_json(yajl_val v, struct jpath *p, void *out, struct cap_error **err);
/* linux.netDevices: names checked as the kernel would, duplicates refused. */
int spec_net_devices_from_json(yajl_val l, struct jpath *p, struct spec_linux *out,
			       struct cap_error **err);
/* Whether an interface name is one the kernel takes (dev_valid_name). */
bool spec_ifname_valid(const char *name);
/* obj[key] as an array of {containerID, hostID, size}. */
int spec_id_mappings_from_json(yajl_val obj, const char *key, struct jpath *p,
			       struct cap_id_mapping **out, size_t *n, struct cap_error **err);

void spec_strv_free(char **v);
void spec_kv_free(struct spec_kv *kv, size_t n);
void spec_process_clear(struct spec_process *p);
void spec_linux_clear(struct spec_linux *l);
void spec_resources_clear(struct spec_resources *r);
void spec_seccomp_free(struct spec_seccomp *sc);

#endif
