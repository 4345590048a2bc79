/* OCI device rules -> a BPF_PROG_TYPE_CGROUP_DEVICE program, written by hand
 * as struct bpf_insn (no libbpf, no clang).
 *
 * Semantics (as runc's emulator gives on v1): default deny; the rules are
 * read in order and the last rule that covers a (type, major, minor, access
 * bit) decides for that bit; a request is allowed only when every access bit
 * it asks for (mknod, read, write) is allowed.  Deciding per bit closes the
 * hole where "deny w" after "allow rwm" would not match an "rw" open.
 *
 * Program shape, for each access bit b:
 *     if !(access & b) goto next_bit
 *     for each rule from last to first whose access has b:
 *         if type/major/minor differ goto next_rule
 *         allow: goto next_bit        deny: return 0
 *     return 0                        (no rule matched: default deny)
 *   next_bit:
 *   ...
 *   return 1
 * The verifier rejects unreachable instructions, so nothing is emitted after
 * a rule that matches unconditionally. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const struct cg_dev_rule cg_default_dev_rules[] = {
    {true, 'c', -1, -1, BPF_DEVCG_ACC_MKNOD},
    {true, 'b', -1, -1, BPF_DEVCG_ACC_MKNOD},
    {true, 'c', 1, 3, 7},    /* /dev/null */
    {true, 'c', 1, 8, 7},    /* /dev/random */
    {true, 'c', 1, 7, 7},    /* /dev/full */
    {true, 'c', 5, 0, 7},    /* /dev/tty */
    {true, 'c', 1, 5, 7},    /* /dev/zero */
    {true, 'c', 1, 9, 7},    /* /dev/urandom */
    {true, 'c', 136, -1, 7}, /* /dev/pts/N */
    {true, 'c', 5, 2, 7},    /* /dev/ptmx */
};
const size_t cg_n_default_dev_rules =
    sizeof(cg_default_dev_rules) / sizeof(cg_default_dev_rules[0]);

int cg_dev_access(const char *s, unsigned *out, struct cap_error **err)
{
	unsigned a = 0;
	if (!s || !*s) {
		*out = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
		return 0;
	}
	for (const char *p = s; *p; p++) {
		switch (*p) {
		case 'r':
			a |= BPF_DEVCG_ACC_READ;
			break;
		case 'w':
			a |= BPF_DEVCG_ACC_WRITE;
			break;
		case 'm':
			a |= BPF_DEVCG_ACC_MKNOD;
			break;
		default:
			return cap_fail(
			    err, 0, "device rule: invalid access \"%s\" (want a subset of rwm)", s);
		}
	}
	*out = a;
	return 0;
}

struct prog {
	struct bpf_insn *v;
	size_t n, cap;
	bool oom;
};

static size_t emit(struct prog *p, struct bpf_insn i)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct bpf_insn *v = realloc(p->v, cap * sizeof(*v));
		if (!v) {
			p->oom = true;
			return p->n;
		}
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n] = i;
	return p->n++;
}

static struct bpf_insn ins(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	return (struct bpf_insn){
	    .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

static void emit_return(struct prog *p, int v)
{
	emit(p, ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, v));
	emit(p, ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

/* r2 = device type, r3 = access bits, r4 = major, r5 = minor */
static void emit_prologue(struct prog *p)
{
	emit(p, ins(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0));
	emit(p, ins(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff));
	emit(p, ins(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 0, 0));
	emit(p, ins(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16));
	emit(p, ins(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0));
	emit(p, ins(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0));
}

/* Emit one rule; returns true when it matches unconditionally. *fix collects
 * the "goto next_bit" jumps to patch. */
static bool emit_rule(struct prog *p, const struct cg_dev_rule *r, size_t *fix, size_t *nfix)
{
	struct {
		uint8_t reg;
		int32_t val;
	} conds[3];
	int nc = 0;
	if (r->type != 'a')
		conds[nc++] = (typeof(conds[0])){BPF_REG_2, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK
									   : BPF_DEVCG_DEV_CHAR};
	if (r->major >= 0)
		conds[nc++] = (typeof(conds[0])){BPF_REG_4, (int32_t)r->major};
	if (r->minor >= 0)
		conds[nc++] = (typeof(conds[0])){BPF_REG_5, (int32_t)r->minor};
	int action_len = r->allow ? 1 : 2;
	for (int i = 0; i < nc; i++)
		emit(p, ins(BPF_JMP | BPF_JNE | BPF_K, conds[i].reg, 0,
			    (int16_t)(nc - 1 - i + action_len), conds[i].val));
	if (r->allow)
		fix[(*nfix)++] = emit(p, ins(BPF_JMP | BPF_JA, 0, 0, 0, 0));
	else
		emit_return(p, 0);
	return nc == 0;
}

static int check_rule(const struct cg_dev_rule *r, struct cap_error **err)
{
	if (r->type != 'a' && r->type != 'c' && r->type != 'b')
		return cap_fail(err, 0, "device rule: invalid type '%c' (want a, c or b)", r->type);
	if (r->major < -1 || r->major > 0x7fffffff || r->minor < -1 || r->minor > 0x7fffffff)
		return cap_fail(err, 0, "device rule: invalid major/minor %lld:%lld",
				(long long)r->major, (long long)r->minor);
	return 0;
}

static void emit_bit(struct prog *p, const struct cg_dev_rule *rules, size_t n, unsigned bit,
		     size_t *fix)
{
	size_t nfix = 0;
	/* if (!(access & bit)) goto next_bit */
	emit(p, ins(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_0, BPF_REG_3, 0, 0));
	emit(p, ins(BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_0, 0, 0, (int32_t)bit));
	fix[nfix++] = emit(p, ins(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 0, 0));
	bool covered = false;
	for (size_t i = n; i-- > 0 && !covered;)
		if (rules[i].access & bit)
			covered = emit_rule(p, &rules[i], fix, &nfix);
	if (!covered)
		emit_return(p, 0);
	if (p->oom)
		return;
	for (size_t i = 0; i < nfix; i++)
		p->v[fix[i]].off = (int16_t)(p->n - fix[i] - 1);
}

int cg_dev_compile(const struct cg_dev_rule *rules, size_t n, struct bpf_insn **insns,
		   size_t *n_insns, struct cap_error **err)
{
	for (size_t i = 0; i < n; i++)
		if (check_rule(&rules[i], err) < 0)
			return -1;
	/* per bit: the access test plus at most one jump per rule; 4 instructions
	 * per rule at most, and jump offsets are 16-bit */
	if (n > 2000)
		return cap_fail(err, 0, "device rules: too many (%zu)", n);
	size_t *fix = calloc(n + 1, sizeof(*fix));
	if (!fix)
		return cap_fail(err, ENOMEM, "device filter");
	struct prog p = {0};
	emit_prologue(&p);
	const unsigned bits[] = {BPF_DEVCG_ACC_MKNOD, BPF_DEVCG_ACC_READ, BPF_DEVCG_ACC_WRITE};
	for (size_t b = 0; b < 3; b++)
		emit_bit(&p, rules, n, bits[b], fix);
	emit_return(&p, 1);
	free(fix);
	if (p.oom) {
		free(p.v);
		return cap_fail(err, ENOMEM, "device filter");
	}
	*insns = p.v;
	*n_insns = p.n;
	return 0;
}
