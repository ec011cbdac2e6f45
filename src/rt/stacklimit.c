/* stacklimit.c — maxstacksize and maxstackceiling (see stacklimit.h). */
#include "rt/stacklimit.h"

#include <string.h>

/* movq $imm32, disp32(%rip): 48 c7 05 <disp32> <imm32>; returns the link-time target or 0. */
static uint64_t movq_imm_target(const unsigned char *c, uint64_t pc, uint32_t imm)
{
	uint32_t v;
	memcpy(&v, c + 7, 4);
	if (c[0] != 0x48 || c[1] != 0xc7 || c[2] != 0x05 || v != imm)
		return 0;
	int32_t disp;
	memcpy(&disp, c + 3, 4);
	return pc + 11 + (uint64_t)(int64_t)disp;
}

int gp_stacklimit_read(const struct gp_rt *rt, uint64_t *size, uint64_t *ceiling, const char **how)
{
	uint64_t a = 0, b = 0;
	struct gp_err *e1 = gp_exe_symbol(rt->b->exe, "runtime.maxstacksize", &a, NULL);
	struct gp_err *e2 = e1 ? NULL : gp_exe_symbol(rt->b->exe, "runtime.maxstackceiling", &b, NULL);
	*how = "symbols";
	if (e1 || e2) {
		uint64_t entry;
		size_t n;
		const unsigned char *code = gp_func_code(rt->b, "runtime.main", &entry, &n);
		a = b = 0;
		for (size_t k = 0; code && k + 22 <= n && !a; k++) {
			uint64_t t1 = movq_imm_target(code + k, entry + k, 1000000000u);
			uint64_t t2 = t1 ? movq_imm_target(code + k + 11, entry + k + 11, 2000000000u) : 0;
			if (t1 && t2) {
				a = t1;
				b = t2;
			}
		}
		*how = "code of runtime.main";
	}
	gp_err_free(e1);
	gp_err_free(e2);
	if (!a || !b) {
		*how = "not found (no symbols, and runtime.main's code did not name them)";
		return -1;
	}
	struct gp_err *err = gp_target_u64(rt->t, a + rt->t->bias, size);
	if (!err)
		err = gp_target_u64(rt->t, b + rt->t->bias, ceiling);
	if (err) {
		gp_err_free(err);
		*how = "not readable";
		return -1;
	}
	return 0;
}
