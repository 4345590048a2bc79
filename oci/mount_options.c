#include "mount_options.h"

#include <linux/mount.h>
#include <string.h>
#include <sys/mount.h>

#include "tables.h"

static int append_data(struct mount_opts *o, size_t *len, const char *opt, struct cap_error **err)
{
	size_t l = strlen(opt);
	size_t need = *len + (*len ? 1 : 0) + l;
	if (need >= sizeof(o->data))
		return cap_fail(err, 0, "mount options too long at \"%s\" (max %zu bytes of data)",
				opt, sizeof(o->data) - 1);
	if (*len)
		o->data[(*len)++] = ',';
	memcpy(o->data + *len, opt, l + 1);
	*len += l;
	return 0;
}

static int apply_known(const struct mount_opt *m, struct mount_opts *o, struct cap_error **err)
{
	switch (m->kind) {
	case MOPT_FLAG:
		if (m->clear) {
			o->flags &= ~m->flag;
			o->cleared |= m->flag;
		} else {
			o->flags |= m->flag;
			o->cleared &= ~m->flag;
		}
		break;
	case MOPT_BIND:
		o->flags |= m->flag;
		break;
	case MOPT_PROPAGATION:
		if (o->n_propagation == MOUNT_PROPAGATION_MAX)
			return cap_fail(err, 0, "too many propagation options (max %d)",
					MOUNT_PROPAGATION_MAX);
		o->propagation[o->n_propagation++] = m->flag;
		break;
	case MOPT_RECURSIVE:
		if (m->clear) {
			o->attr_clr |= m->flag;
			o->attr_set &= ~(uint64_t)m->flag;
		} else {
			o->attr_set |= m->flag;
			o->attr_clr &= ~(uint64_t)m->flag;
			/* mount_setattr(2): an atime mode in attr_set needs the whole
			 * MOUNT_ATTR__ATIME field in attr_clr. */
			if ((m->flag & MOUNT_ATTR__ATIME) == m->flag)
				o->attr_clr |= MOUNT_ATTR__ATIME;
		}
		break;
	case MOPT_IDMAP:
		if (m->flag)
			o->ridmap = true;
		else
			o->idmap = true;
		break;
	case MOPT_EXTRA:
		if (strcmp(m->name, "tmpcopyup") == 0)
			o->tmpcopyup = true;
		break;
	}
	return 0;
}

int oci_mount_options_parse(const char *type, char *const *opts, size_t n, struct mount_opts *out,
			    struct cap_error **err)
{
	memset(out, 0, offsetof(struct mount_opts, data));
	out->data[0] = '\0';
	size_t len = 0;
	for (size_t i = 0; i < n && opts[i]; i++) {
		const struct mount_opt *m = oci_mount_opt_lookup(opts[i]);
		int rc = m ? apply_known(m, out, err) : append_data(out, &len, opts[i], err);
		if (rc < 0)
			return rc;
	}
	if (type && strcmp(type, "bind") == 0)
		out->flags |= MS_BIND;
	return 0;
}
