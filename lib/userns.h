/* User-namespace id mappings: the mapping type shared by the OCI model and the modules
 * that map ids (overlay's idmapped layers, idmapped bind mounts, the container itself),
 * writing /proc/<pid>/{uid,gid}_map, and a user namespace fd carrying given mappings. */
#ifndef CAPSULE_LIB_USERNS_H
#define CAPSULE_LIB_USERNS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cap_error;

struct cap_id_mapping {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

/* "<container> <host> <size>\n" lines into buf; -1 (E2BIG) when they do not fit. */
int cap_id_map_format(char *buf, size_t size, const struct cap_id_mapping *m, size_t n,
		      size_t *len);

/* Write the mappings to /proc/<pid>/<file> ("uid_map" or "gid_map") in one write(2), as the
 * kernel requires.  `what` names the setting in errors ("linux.uidMappings"). */
int cap_id_map_write(pid_t pid, const char *file, const struct cap_id_mapping *m, size_t n,
		     const char *what, struct cap_error **err);

/* An fd of a new user namespace carrying the mappings, for MOUNT_ATTR_IDMAP: a child is
 * cloned into it, its maps are written, the namespace is opened and the child killed.
 * Needs privilege over the current user namespace to map arbitrary host ids. */
int cap_userns_fd(const struct cap_id_mapping *uid, size_t n_uid, const struct cap_id_mapping *gid,
		  size_t n_gid, struct cap_error **err);

#endif
