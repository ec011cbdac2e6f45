/* threadstack.c — unwinding starts for running goroutines (see threadstack.h). */
#include "unwind/threadstack.h"

#include <string.h>

#include "unwind/sigctx.h"

enum { MAX_WALK = 64 };

static const char *funcname_at(const struct gp_unwinder *u)
{
	return gp_pclntab_funcname(&u->b->pcln, &u->frame.fn);
}

int gp_running_start(const struct gp_rt *rt, struct gp_pccache *cache, const struct gp_g *g,
		     struct gp_thread_start *out, const char **why)
{
	const struct gp_image *core = rt->t->img;
	memset(out, 0, sizeof(*out));
	if (!g->m) {
		*why = "it has no M";
		return -1;
	}
	const struct gp_thread *th = NULL;
	uint64_t tlsg = 0;
	for (size_t i = 0; i < core->nthreads && !th; i++) {
		uint64_t fs = core->threads[i].regs[GP_X86_FS_BASE], tg = 0, m = 0;
		struct gp_err *err = fs ? gp_target_u64(rt->t, fs - 8, &tg) : NULL;
		gp_err_free(err);
		if (!fs || err || !tg)
			continue;
		err = gp_target_u64(rt->t, tg + (uint64_t)gp_loff(rt->l, GP_L_G_M), &m);
		gp_err_free(err);
		if (!err && m == g->m) {
			th = &core->threads[i];
			tlsg = tg;
		}
	}
	if (!th) {
		*why = "no thread of the process runs its M";
		return -1;
	}
	out->tid = th->tid;
	uint64_t gsignal = gp_rt_field(rt, g->m, GP_L_M_GSIGNAL), g0 = gp_rt_field(rt, g->m, GP_L_M_G0);
	struct gp_unwinder u;
	if (tlsg == g->addr || tlsg == gsignal) {
		/* From the registers; through every signal frame on the way (a handler can be interrupted
		 * by another signal), to the context the first signal interrupted. */
		struct gp_sigctx sc[GP_SIGCTX_MAX];
		int n = gp_sigctx_find(rt->t, rt->b, &rt->ids, cache, th, sc, GP_SIGCTX_MAX);
		out->trap = 1;
		if (n) {
			out->pc = sc[n - 1].regs[GP_X86_RIP];
			out->sp = sc[n - 1].regs[GP_X86_RSP];
			out->source = "signal frame";
		} else if (tlsg == gsignal) {
			*why = "its thread is in a signal handler whose frame was not found";
			return -1;
		} else {
			out->pc = th->regs[GP_X86_RIP];
			out->sp = th->regs[GP_X86_RSP];
			out->source = "registers";
		}
	} else if (tlsg == g0) {
		out->pc = g->sched_pc;
		out->sp = g->sched_sp;
		out->source = "g.sched (system stack)";
	} else {
		*why = "its thread runs another goroutine";
		return -1;
	}
	/* dopanic_m prints from the caller of fatalpanic/fatalthrow. */
	gp_unwind_init(&u, rt->t, rt->b, &rt->ids, cache, out->pc, out->sp, 0, out->trap);
	for (int n = 0; u.valid && n < MAX_WALK; n++, gp_unwind_next(&u)) {
		const char *name = funcname_at(&u);
		int panic = !strcmp(name, "runtime.fatalpanic"), thr = !strcmp(name, "runtime.fatalthrow");
		if ((panic || thr) && u.frame.lr) {
			out->pc = u.frame.lr;
			out->sp = u.frame.fp;
			out->trap = 0;
			out->source = !strcmp(out->source, "registers")
					      ? (panic ? "registers, from runtime.fatalpanic" : "registers, from runtime.fatalthrow")
				      : !strcmp(out->source, "signal frame")
					      ? (panic ? "signal frame, from runtime.fatalpanic" : "signal frame, from runtime.fatalthrow")
					      : (panic ? "g.sched, from runtime.fatalpanic" : "g.sched, from runtime.fatalthrow");
			break;
		}
	}
	return 0;
}
