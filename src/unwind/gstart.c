/* gstart.c — a goroutine's unwinding start (see gstart.h). */
#include "unwind/gstart.h"

#include <string.h>

/* traceback1: "Override registers if running in VDSO" (m.vdsoSP/vdsoPC, set around vDSO calls). */
static void vdso_override(const struct gp_rt *rt, const struct gp_g *g, struct gp_ustart *out)
{
	if (g->m && gp_lhas(rt->l, GP_L_M_VDSOSP)) {
		uint64_t vsp = 0, vpc = 0;
		struct gp_err *err = gp_target_u64(rt->t, g->m + (uint64_t)gp_loff(rt->l, GP_L_M_VDSOSP), &vsp);
		if (!err)
			err = gp_target_u64(rt->t, g->m + (uint64_t)gp_loff(rt->l, GP_L_M_VDSOPC), &vpc);
		gp_err_free(err);
		if (!err && vsp) {
			out->pc = vpc;
			out->sp = vsp;
			out->is_syscall = 0;
		}
	}
}

int gp_g_unwind_start(const struct gp_rt *rt, const struct gp_g *g, struct gp_ustart *out)
{
	memset(out, 0, sizeof(*out));
	uint32_t st = gp_g_status(rt, g);
	if (st == (uint32_t)gp_layout_const(rt->l, GP_K_GSTATUS_RUNNING) && (rt->b->bi.v.minor < 26 || g->syscallsp == 0))
		return 0;
	gp_g_unwind_saved(rt, g, out);
	return 1;
}

void gp_g_unwind_saved(const struct gp_rt *rt, const struct gp_g *g, struct gp_ustart *out)
{
	memset(out, 0, sizeof(*out));
	if (g->syscallsp) {
		out->pc = g->syscallpc;
		out->sp = g->syscallsp;
		out->is_syscall = 1;
	} else {
		out->pc = g->sched_pc;
		out->sp = g->sched_sp;
	}
	vdso_override(rt, g, out);
}

void gp_g_unwind_start_at(const struct gp_rt *rt, const struct gp_g *g, struct gp_ustart *out)
{
	if (gp_g_status(rt, g) == (uint32_t)gp_layout_const(rt->l, GP_K_GSTATUS_SYSCALL)) {
		out->pc = g->syscallpc;
		out->sp = g->syscallsp;
		out->is_syscall = 1;
		out->trap = 0;
	}
	uint64_t pc = out->pc;
	vdso_override(rt, g, out);
	if (out->pc != pc)
		out->trap = 0;
}
