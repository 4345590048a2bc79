/* OCI linux.seccomp -> libseccomp filter -> raw BPF, in the parent.
 *
 * Everything that can fail or allocate happens here, before clone: the child
 * only hands the finished program to seccomp(2) (load.c).  The rule semantics
 * follow runc (libcontainer/seccomp/seccomp_linux.go) so that profiles behave
 * the same under both runtimes. */
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../lib/cleanup.h"
#include "cache.h"
#include "program.h"
#include "seccomp.h"
#include "xlate.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif

#define MAX_SYSCALL_ARGS 6
/* Above this many rules libseccomp's binary-tree layout is faster (runc uses
 * the same threshold; libseccomp <= 2.5.4 misbehaves with a tree and no rules). */
#define BTREE_MIN_RULES 32

typedef void (*note_fn)(const char *msg);

#define cleanup_xlate __attribute__((cleanup(sc_xlate_release)))

static bool takes_errno(uint32_t action)
{
	return action == SCMP_ACT_ERRNO(0) || action == SCMP_ACT_TRACE(0);
}

/* ERRNO and TRACE carry errnoRet (EPERM when absent, as the OCI spec says);
 * any other action given an errnoRet is an error, also per the spec. */
static int full_action(uint32_t action, bool has_ret, uint32_t ret, const char *what, uint32_t *out,
		       struct cap_error **err)
{
	if (!takes_errno(action)) {
		if (has_ret)
			return cap_fail(err, EINVAL,
					"seccomp: %s: errnoRet is only valid with SCMP_ACT_ERRNO "
					"and SCMP_ACT_TRACE",
					what);
		*out = action;
		return 0;
	}
	if (!has_ret)
		ret = EPERM;
	if (ret > 0xffff)
		return cap_fail(err, EINVAL, "seccomp: %s: errnoRet %u out of range", what, ret);
	*out = action | ret;
	return 0;
}

static int add_archs(struct sc_xlate *ctx, const struct spec_seccomp *sc, struct cap_error **err)
{
	for (size_t i = 0; i < sc->n_architectures; i++) {
		int rc = sc_xlate_arch_add(ctx, sc->architectures[i]);
		/* -EEXIST: the native architecture, always present already. */
		if (rc < 0 && rc != -EEXIST)
			return cap_fail(err, -rc, "seccomp: add architecture 0x%x",
					sc->architectures[i]);
	}
	return 0;
}

static int set_attr(struct sc_xlate *ctx, enum scmp_filter_attr a, uint32_t v, const char *what,
		    struct cap_error **err)
{
	int rc = sc_xlate_attr_set(ctx, a, v);
	if (rc < 0)
		return cap_fail(err, -rc, "seccomp: %s", what);
	return 0;
}

/* The attributes only matter to libseccomp's own seccomp_load(), which we do
 * not use; setting them still makes libseccomp check that the kernel knows
 * the LOG and SPEC_ALLOW flags, so a missing feature fails here, loudly. */
static int set_attrs(struct sc_xlate *ctx, const struct spec_seccomp *sc, struct cap_error **err)
{
	/* The runtime sets no_new_privs itself, from process.noNewPrivileges. */
	if (set_attr(ctx, SCMP_FLTATR_CTL_NNP, 0, "clear the no_new_privs attribute", err) < 0)
		return -1;
	if ((sc->flags & SECCOMP_FILTER_FLAG_TSYNC) &&
	    set_attr(ctx, SCMP_FLTATR_CTL_TSYNC, 1, "SECCOMP_FILTER_FLAG_TSYNC", err) < 0)
		return -1;
	if ((sc->flags & SECCOMP_FILTER_FLAG_LOG) &&
	    set_attr(ctx, SCMP_FLTATR_CTL_LOG, 1, "SECCOMP_FILTER_FLAG_LOG", err) < 0)
		return -1;
	if ((sc->flags & SECCOMP_FILTER_FLAG_SPEC_ALLOW) &&
	    set_attr(ctx, SCMP_FLTATR_CTL_SSB, 1, "SECCOMP_FILTER_FLAG_SPEC_ALLOW", err) < 0)
		return -1;
	if (sc->n_syscalls > BTREE_MIN_RULES)
		sc_xlate_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2); /* best effort, as runc */
	return 0;
}

static int check_args(const struct spec_seccomp_syscall *s, const char *name,
		      struct cap_error **err)
{
	for (size_t i = 0; i < s->n_args; i++) {
		if (s->args[i].index >= MAX_SYSCALL_ARGS)
			return cap_fail(err, EINVAL,
					"seccomp: syscall \"%s\": argument index %u out of range "
					"(0-%d)",
					name, s->args[i].index, MAX_SYSCALL_ARGS - 1);
	}
	return 0;
}

/* MASKED_EQ: OCI "value" is the mask and "valueTwo" the datum, which is the
 * order libseccomp's datum_a/datum_b take them in. */
static struct scmp_arg_cmp make_cond(const struct spec_seccomp_arg *a)
{
	struct scmp_arg_cmp c = {
	    .arg = a->index,
	    .op = (enum scmp_compare)a->op,
	    .datum_a = a->value,
	    .datum_b = a->op == SCMP_CMP_MASKED_EQ ? a->value_two : 0,
	};
	return c;
}

static bool repeats_an_index(const struct spec_seccomp_syscall *s)
{
	unsigned seen = 0;
	for (size_t i = 0; i < s->n_args; i++) {
		unsigned bit = 1u << s->args[i].index;
		if (seen & bit)
			return true;
		seen |= bit;
	}
	return false;
}

/* As runc: all conditions in one rule (AND); but when an argument index
 * repeats, libseccomp cannot AND them, so each condition becomes its own rule
 * (which makes them OR).  Non-exact adds let libseccomp rewrite the rule per
 * architecture (e.g. socketcall multiplexing on x86). */
static int add_name(struct sc_xlate *ctx, int nr, uint32_t action,
		    const struct spec_seccomp_syscall *s, const char *name, struct cap_error **err)
{
	struct scmp_arg_cmp conds[MAX_SYSCALL_ARGS];
	int rc = 0;
	if (s->n_args == 0) {
		rc = sc_xlate_rule_add(ctx, action, nr, 0, NULL);
	} else if (repeats_an_index(s)) {
		for (size_t i = 0; i < s->n_args && rc == 0; i++) {
			conds[0] = make_cond(&s->args[i]);
			rc = sc_xlate_rule_add(ctx, action, nr, 1, conds);
		}
	} else {
		/* No repeats and every index < 6: at most 6 args here. */
		for (size_t i = 0; i < s->n_args; i++)
			conds[i] = make_cond(&s->args[i]);
		rc = sc_xlate_rule_add(ctx, action, nr, (unsigned)s->n_args, conds);
	}
	if (rc < 0)
		return cap_fail(err, -rc, "seccomp: add rule for syscall \"%s\"", name);
	return 0;
}

static int add_rule(struct sc_xlate *ctx, const struct spec_seccomp_syscall *s,
		    uint32_t default_action, note_fn note, struct cap_error **err)
{
	const char *first = s->n_names ? s->names[0] : "(no names)";
	uint32_t action;
	if (full_action(s->action, s->has_errno_ret, s->errno_ret, first, &action, err) < 0 ||
	    check_args(s, first, err) < 0)
		return -1;
	/* libseccomp refuses rules that repeat the default action: skip them, as runc. */
	if (action == default_action)
		return 0;
	for (size_t i = 0; i < s->n_names; i++) {
		const char *name = s->names[i];
		int nr = seccomp_syscall_resolve_name(name);
		if (nr == __NR_SCMP_ERROR) {
			if (note) {
				char msg[256];
				snprintf(msg, sizeof(msg),
					 "seccomp: syscall \"%s\" unknown to libseccomp, skipped",
					 name);
				note(msg);
			}
			continue;
		}
		if (add_name(ctx, nr, action, s, name, err) < 0)
			return -1;
	}
	return 0;
}

int sc_bpf_check(const char *what, size_t bytes, struct cap_error **err)
{
	size_t n = bytes / sizeof(struct sock_filter);
	if (n == 0 || bytes % sizeof(struct sock_filter))
		return cap_fail(err, EINVAL, "seccomp: %s has odd size %zu", what, bytes);
	/* The kernel's limit: say so now rather than EINVAL at load. */
	if (n > BPF_MAXINSNS)
		return cap_fail(err, E2BIG, "seccomp: %s has %zu instructions, kernel limit %d",
				what, n, BPF_MAXINSNS);
	return 0;
}

/* Native syscall numbers scanned for newer syscalls (x86_64 is near 460). */
enum { ENOSYS_SCAN_END = 1024 };

/* libseccomp 2.5 exports BPF only to an fd: go through a memfd. */
static int export_bpf(scmp_filter_ctx ctx, struct sc_program *p, struct cap_error **err)
{
	cleanup_close int fd = memfd_create("capsule-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return cap_fail(err, errno, "seccomp: memfd_create");
	int rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0)
		return cap_fail(err, -rc, "seccomp: export BPF");
	struct stat st;
	if (fstat(fd, &st) < 0)
		return cap_fail(err, errno, "seccomp: stat exported BPF");
	if (sc_bpf_check("exported BPF", (size_t)st.st_size, err) < 0)
		return -1;
	size_t n = (size_t)st.st_size / sizeof(struct sock_filter);
	p->insns = malloc((size_t)st.st_size);
	if (!p->insns)
		return cap_fail(err, ENOMEM, "seccomp: BPF buffer");
	if (pread(fd, p->insns, (size_t)st.st_size, 0) != st.st_size)
		return cap_fail(err, errno ? errno : EIO, "seccomp: read exported BPF");
	p->len = (unsigned short)n;
	return 0;
}

static bool uses_notify(const struct spec_seccomp *sc)
{
	for (size_t i = 0; i < sc->n_syscalls; i++)
		if (sc->syscalls[i].action == SCMP_ACT_NOTIFY)
			return true;
	return false;
}

/* Flags for seccomp(2).  Probed here with a NULL program: a kernel that knows
 * every flag answers EFAULT (it copies the program only after checking the
 * flags), one that does not answers EINVAL. */
static int load_flags(const struct spec_seccomp *sc, struct sc_program *p, struct cap_error **err)
{
	unsigned f = sc->flags & (SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG |
				  SECCOMP_FILTER_FLAG_SPEC_ALLOW);
	if (p->listener) {
		f |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
		/* The kernel refuses TSYNC with a listener unless told to report ESRCH. */
		if (f & SECCOMP_FILTER_FLAG_TSYNC)
			f |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
		/* Meaningless (and EINVAL) without a listener: only kept with one. */
		f |= sc->flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	}
	long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, f, NULL);
	if (rc >= 0 || errno != EFAULT)
		return cap_fail(err, rc >= 0 ? EINVAL : errno,
				"seccomp: kernel does not support filter flags 0x%x", f);
	p->flags = f;
	return 0;
}

/* Highest native syscall number the profile names (-1: none known). */
static int highest_named(const struct spec_seccomp *sc)
{
	int max = -1;
	for (size_t i = 0; i < sc->n_syscalls; i++)
		for (size_t k = 0; k < sc->syscalls[i].n_names; k++) {
			int nr = seccomp_syscall_resolve_name(sc->syscalls[i].names[k]);
			if (nr != __NR_SCMP_ERROR && nr > max)
				max = nr;
		}
	return max;
}

static bool denies(uint32_t def)
{
	return def != SCMP_ACT_ALLOW && def != SCMP_ACT_LOG && def != SCMP_ACT_ERRNO(ENOSYS) &&
	       (def & SCMP_ACT_TRACE(0)) != SCMP_ACT_TRACE(0);
}

/* runc's -ENOSYS patch: a syscall newer than every syscall the profile names
 * was unknown to whoever wrote it, so it fails with ENOSYS (libc then falls
 * back, as glibc does from clone3 to clone) rather than with the default
 * action.  Done with explicit rules for the newer syscalls libseccomp knows. */
static int add_enosys_newer(struct sc_xlate *ctx, const struct spec_seccomp *sc, uint32_t def,
			    struct cap_error **err)
{
	int max = highest_named(sc);
	if (max < 0 || !denies(def))
		return 0;
	for (int nr = max + 1; nr < ENOSYS_SCAN_END; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		if (!name)
			continue;
		free(name);
		int rc = sc_xlate_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0, NULL);
		if (rc < 0 && rc != -EEXIST)
			return cap_fail(err, -rc, "seccomp: ENOSYS rule for syscall %d", nr);
	}
	return 0;
}

static int build_ctx(const struct spec_seccomp *sc, struct sc_xlate *ctx, uint32_t def,
		     note_fn note, struct cap_error **err)
{
	if (add_archs(ctx, sc, err) < 0 || set_attrs(ctx, sc, err) < 0)
		return -1;
	for (size_t i = 0; i < sc->n_syscalls; i++)
		if (add_rule(ctx, &sc->syscalls[i], def, note, err) < 0)
			return -1;
	return add_enosys_newer(ctx, sc, def, err);
}

/* Everything else the BPF depends on besides the recorded calls: which
 * libseccomp made it (its tables and code generator), for which native
 * architecture, and what it found the kernel supports (the API level decides
 * e.g. whether LOG and KILL_PROCESS actions are used).  FILTER_FORMAT: bump it
 * when filter.c changes the BPF in a way the recorded calls do not show (e.g.
 * patching the exported program). */
#define FILTER_FORMAT 2
static void record_environment(struct sc_xlate *x, const struct spec_seccomp *sc,
			       const struct sc_program *p, uint32_t def,
			       const struct scmp_version *v)
{
	sc_xlate_put(x, 'E', 9,
		     (uint64_t[]){FILTER_FORMAT, v->major, v->minor, v->micro,
				  seccomp_arch_native(), seccomp_api_get(), def, sc->flags,
				  p->flags});
}

/* Check the profile and record its translation; no libseccomp filter yet. */
static int translate(const struct spec_seccomp *sc, struct sc_xlate *x, uint32_t *def, note_fn note,
		     struct cap_error **err)
{
	if (full_action(sc->default_action, sc->has_default_errno_ret, sc->default_errno_ret,
			"defaultAction", def, err) < 0)
		return -1;
	/* As runc: everything the runtime does between loading and execve would
	 * wait on the agent, which gets the fd only after the load. */
	if (sc->default_action == SCMP_ACT_NOTIFY)
		return cap_fail(err, EINVAL,
				"seccomp: SCMP_ACT_NOTIFY cannot be the default action");
	if (uses_notify(sc) && !sc->listener_path)
		return cap_fail(err, EINVAL, "seccomp: SCMP_ACT_NOTIFY requires listenerPath");
	return build_ctx(sc, x, *def, note, err);
}

/* A program without BPF yet: the profile checked and translated, the load
 * flags probed (afresh every time, hit or miss), and with want_key the cache
 * key (*keyed false when there is none). */
static struct sc_program *prepare(const struct spec_seccomp *sc, const struct scmp_version *v,
				  note_fn note, uint32_t *def, struct sc_cache_key *key,
				  bool *keyed, struct cap_error **err)
{
	cleanup_xlate struct sc_xlate rec = {.record = key != NULL};
	*keyed = false;
	if (translate(sc, &rec, def, note, err) < 0)
		return NULL;
	struct sc_program *p = calloc(1, sizeof(*p));
	if (!p) {
		cap_fail(err, ENOMEM, "seccomp: program");
		return NULL;
	}
	p->listener = uses_notify(sc);
	if (load_flags(sc, p, err) < 0) {
		sc_program_free(p);
		return NULL;
	}
	if (key) {
		record_environment(&rec, sc, p, *def, v ? v : seccomp_version());
		*keyed = sc_cache_key(rec.buf, rec.len, rec.oom, key) == 0;
	}
	return p;
}

int sc_program_cache_key(const struct spec_seccomp *sc, const struct scmp_version *v,
			 struct sc_cache_key *key, struct cap_error **err)
{
	uint32_t def;
	bool keyed;
	struct sc_program *p = prepare(sc, v, NULL, &def, key, &keyed, err);
	sc_program_free(p);
	if (!p)
		return -1;
	return keyed ? 0 : cap_fail(err, ENOMEM, "seccomp: cache key");
}

static int compile(const struct spec_seccomp *sc, uint32_t def, struct sc_program *p,
		   struct cap_error **err)
{
	cleanup_xlate struct sc_xlate x = {.ctx = seccomp_init(def)};
	if (!x.ctx)
		return cap_fail(err, EINVAL, "seccomp: init filter (default action 0x%x)", def);
	if (build_ctx(sc, &x, def, NULL, err) < 0)
		return -1;
	return export_bpf(x.ctx, p, err);
}

int sc_program_build_cached(const struct spec_seccomp *sc, const char *cache_dir,
			    struct sc_program **out, void (*debug_note)(const char *msg),
			    struct cap_error **err)
{
	uint32_t def;
	struct sc_cache_key key;
	bool keyed;
	*out = NULL;
	struct sc_program *p =
	    prepare(sc, NULL, debug_note, &def, cache_dir ? &key : NULL, &keyed, err);
	if (!p)
		return -1;
	if (keyed && sc_cache_get(cache_dir, &key, p, debug_note) == 0) {
		*out = p;
		return 0;
	}
	if (compile(sc, def, p, err) < 0) {
		sc_program_free(p);
		return -1;
	}
	if (keyed)
		sc_cache_put(cache_dir, &key, p, debug_note);
	*out = p;
	return 0;
}

int sc_program_build(const struct spec_seccomp *sc, struct sc_program **out,
		     void (*debug_note)(const char *msg), struct cap_error **err)
{
	return sc_program_build_cached(sc, NULL, out, debug_note, err);
}

bool sc_program_needs_listener(const struct sc_program *p)
{
	return p && p->listener;
}

void sc_program_free(struct sc_program *p)
{
	if (!p)
		return;
	free(p->insns);
	free(p);
}
