/* Pure conversions of cgroups/: OCI values -> cgroup v2 values, and the
 * device-rule compiler, checked by running the generated eBPF in a tiny
 * interpreter for the instructions the compiler emits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "../../cgroups/internal.h"

static void test_weights(void)
{
	CHECK(cg_shares_to_weight(0) == 0);
	CHECK(cg_shares_to_weight(2) == 1);
	CHECK(cg_shares_to_weight(1024) == 39); /* runc/crun: 1 + 1022*9999/262142 */
	CHECK(cg_shares_to_weight(262144) == 10000);
	CHECK(cg_shares_to_weight(1) == 1);	      /* clamped, no underflow */
	CHECK(cg_shares_to_weight(1000000) == 10000); /* clamped */

	CHECK(cg_blkio_to_io_weight(0) == 0);
	CHECK(cg_blkio_to_io_weight(10) == 1);
	CHECK(cg_blkio_to_io_weight(500) == 1 + 490 * 9999 / 990);
	CHECK(cg_blkio_to_io_weight(1000) == 10000);
}

static void test_memory(void)
{
	char v[32];
	struct cap_error *e = NULL;
	CHECK(cg_memory_value(-1, v, sizeof(v), NULL) == 0);
	CHECK_STR(v, "max");
	CHECK(cg_memory_value(1048576, v, sizeof(v), NULL) == 0);
	CHECK_STR(v, "1048576");
	CHECK(cg_memory_value(-5, v, sizeof(v), NULL) < 0);

	CHECK(cg_swap_max(true, 100, true, 300, v, sizeof(v), NULL) == 0);
	CHECK_STR(v, "200");
	CHECK(cg_swap_max(true, 100, true, 100, v, sizeof(v), NULL) == 0);
	CHECK_STR(v, "0");
	CHECK(cg_swap_max(true, 100, true, -1, v, sizeof(v), NULL) == 0);
	CHECK_STR(v, "max");
	CHECK(cg_swap_max(true, -1, false, 0, v, sizeof(v), NULL) == 0);
	CHECK_STR(v, "max"); /* unlimited memory, no swap given: unlimited swap */
	CHECK(cg_swap_max(true, 100, false, 0, v, sizeof(v), NULL) == 0);
	CHECK_STR(v, ""); /* nothing to write */
	CHECK(cg_swap_max(true, 300, true, 100, v, sizeof(v), &e) < 0);
	CHECK(e && strstr(e->msg, "below memory.limit"));
	cap_error_free(e);
	e = NULL;
	CHECK(cg_swap_max(false, 0, true, 100, v, sizeof(v), &e) < 0); /* swap without limit */
	cap_error_free(e);
}

static void test_cpu_pids_io(void)
{
	char v[64];
	cg_cpu_max(true, 50000, true, 100000, v, sizeof(v));
	CHECK_STR(v, "50000 100000");
	cg_cpu_max(true, -1, true, 100000, v, sizeof(v));
	CHECK_STR(v, "max 100000");
	cg_cpu_max(false, 0, true, 250000, v, sizeof(v));
	CHECK_STR(v, "max 250000");
	cg_cpu_max(true, 20000, false, 0, v, sizeof(v));
	CHECK_STR(v, "20000");
	cg_cpu_max(false, 0, false, 0, v, sizeof(v));
	CHECK_STR(v, "");
	cg_cpu_max(true, -1, false, 0, v, sizeof(v));
	CHECK_STR(v, "max");

	cg_pids_max(0, v, sizeof(v));
	CHECK_STR(v, "max");
	cg_pids_max(-1, v, sizeof(v));
	CHECK_STR(v, "max");
	cg_pids_max(42, v, sizeof(v));
	CHECK_STR(v, "42");

	cg_io_rate(0, v, sizeof(v));
	CHECK_STR(v, "max");
	cg_io_rate(1048576, v, sizeof(v));
	CHECK_STR(v, "1048576");
}

static void test_unified_and_pages(void)
{
	char c[64];
	CHECK(cg_unified_key("memory.high", c, sizeof(c), NULL) == 0);
	CHECK_STR(c, "memory");
	CHECK(cg_unified_key("cgroup.max.descendants", c, sizeof(c), NULL) == 0);
	CHECK_STR(c, "cgroup");
	CHECK(cg_unified_key("../memory.max", c, sizeof(c), NULL) < 0);
	CHECK(cg_unified_key("memory", c, sizeof(c), NULL) < 0);
	CHECK(cg_unified_key(".max", c, sizeof(c), NULL) < 0);
	CHECK(cg_unified_key("memory.", c, sizeof(c), NULL) < 0);
	CHECK(cg_valid_page_size("2MB"));
	CHECK(cg_valid_page_size("1GB"));
	CHECK(!cg_valid_page_size("MB"));
	CHECK(!cg_valid_page_size("2MB/../x"));
	CHECK(!cg_valid_page_size(""));
}

/* ---- device filter: interpret the program ---- */

static int run_prog(const struct bpf_insn *p, size_t n, int type, int access, int maj, int min)
{
	uint32_t ctx[3] = {(uint32_t)(access << 16 | type), (uint32_t)maj, (uint32_t)min};
	uint64_t r[11] = {0};
	for (size_t pc = 0; pc < n; pc++) {
		const struct bpf_insn *i = &p[pc];
		uint64_t src =
		    BPF_SRC(i->code) == BPF_X ? r[i->src_reg] : (uint64_t)(int64_t)i->imm;
		switch (BPF_CLASS(i->code)) {
		case BPF_LDX:
			r[i->dst_reg] = ctx[i->off / 4];
			break;
		case BPF_ALU:
		case BPF_ALU64:
			switch (BPF_OP(i->code)) {
			case BPF_MOV:
				r[i->dst_reg] = src;
				break;
			case BPF_AND:
				r[i->dst_reg] &= src;
				break;
			case BPF_RSH:
				r[i->dst_reg] >>= src;
				break;
			default:
				return -100;
			}
			if (BPF_CLASS(i->code) == BPF_ALU)
				r[i->dst_reg] &= 0xffffffffu;
			break;
		case BPF_JMP:
			switch (BPF_OP(i->code)) {
			case BPF_EXIT:
				return (int)r[0];
			case BPF_JA:
				pc += i->off;
				break;
			case BPF_JEQ:
				if (r[i->dst_reg] == src)
					pc += i->off;
				break;
			case BPF_JNE:
				if (r[i->dst_reg] != src)
					pc += i->off;
				break;
			default:
				return -101;
			}
			break;
		default:
			return -102;
		}
	}
	return -103; /* fell off the end */
}

#define C BPF_DEVCG_DEV_CHAR
#define B BPF_DEVCG_DEV_BLOCK
#define R BPF_DEVCG_ACC_READ
#define W BPF_DEVCG_ACC_WRITE
#define M BPF_DEVCG_ACC_MKNOD

static struct bpf_insn *compile(const struct cg_dev_rule *rules, size_t n, size_t *ni)
{
	struct bpf_insn *p = NULL;
	struct cap_error *e = NULL;
	if (cg_dev_compile(rules, n, &p, ni, &e) < 0) {
		fprintf(stderr, "compile: %s\n", e ? e->msg : "?");
		cap_error_free(e);
		return NULL;
	}
	return p;
}

static void test_devices(void)
{
	size_t ni;
	/* no rules: default deny */
	struct bpf_insn *p = compile(NULL, 0, &ni);
	CHECK(p && run_prog(p, ni, C, R, 1, 3) == 0);
	free(p);

	/* the usual OCI list: deny all, then allow some; last match wins */
	struct cg_dev_rule rules[] = {
	    {false, 'a', -1, -1, R | W | M},
	    {true, 'c', 1, 3, R | W | M}, /* null */
	    {true, 'c', 136, -1, R | W},  /* pts */
	    {true, 'b', 8, 0, R},	  /* sda read only */
	    {false, 'c', 1, 3, W},	  /* later: no writing null */
	};
	p = compile(rules, 5, &ni);
	CHECK(p != NULL);
	if (!p)
		return;
	CHECK(run_prog(p, ni, C, R, 1, 3) == 1);
	CHECK(run_prog(p, ni, C, W, 1, 3) == 0);
	CHECK(run_prog(p, ni, C, R | W, 1, 3) == 0); /* per bit: w denied -> rw denied */
	CHECK(run_prog(p, ni, C, M, 1, 3) == 1);
	CHECK(run_prog(p, ni, C, R | W, 136, 7) == 1);
	CHECK(run_prog(p, ni, C, M, 136, 7) == 0);
	CHECK(run_prog(p, ni, B, R, 8, 0) == 1);
	CHECK(run_prog(p, ni, B, W, 8, 0) == 0);
	CHECK(run_prog(p, ni, C, R, 8, 0) == 0); /* type matters */
	CHECK(run_prog(p, ni, C, R, 1, 5) == 0);
	free(p);

	/* allow all, then deny one: everything else allowed */
	struct cg_dev_rule open_rules[] = {
	    {true, 'a', -1, -1, R | W | M},
	    {false, 'c', 10, 200, R | W | M},
	};
	p = compile(open_rules, 2, &ni);
	CHECK(p && run_prog(p, ni, C, R | W, 10, 200) == 0);
	CHECK(p && run_prog(p, ni, B, R | W | M, 7, 1) == 1);
	free(p);

	/* a later wildcard deny overrides earlier allows */
	struct cg_dev_rule late_deny[] = {
	    {true, 'c', 1, 3, R | W | M},
	    {false, 'a', -1, -1, R | W | M},
	};
	p = compile(late_deny, 2, &ni);
	CHECK(p && run_prog(p, ni, C, R, 1, 3) == 0);
	free(p);

	/* the default list used for every container */
	p = compile(cg_default_dev_rules, cg_n_default_dev_rules, &ni);
	CHECK(p && run_prog(p, ni, C, R | W, 1, 9) == 1);
	CHECK(p && run_prog(p, ni, B, M, 8, 0) == 1);
	CHECK(p && run_prog(p, ni, B, R, 8, 0) == 0);
	free(p);

	unsigned a;
	CHECK(cg_dev_access("rw", &a, NULL) == 0 && a == (R | W));
	CHECK(cg_dev_access(NULL, &a, NULL) == 0 && a == (R | W | M));
	CHECK(cg_dev_access("rx", &a, NULL) < 0);
	struct cg_dev_rule bad = {true, 'x', 1, 1, R};
	CHECK(cg_dev_compile(&bad, 1, &p, &ni, NULL) < 0);
}

int main(void)
{
	test_weights();
	test_memory();
	test_cpu_pids_io();
	test_unified_and_pages();
	test_devices();
	return UNIT_DONE();
}
