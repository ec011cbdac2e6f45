/* gounwind.c — the Go runtime's unwinder, amd64 (see gounwind.h). usesLR is false, MinFrameSize 0,
 * PtrSize 8. */
#include "unwind/gounwind.h"

#include <string.h>

/* findfunc at a run-time pc, with the pcsp value there. */
static int findfunc(const struct gp_unwinder *u, uint64_t pc, struct gp_func *f, int32_t *spdelta)
{
	uint64_t lpc = pc - u->t->bias;
	if (u->cache) {
		const struct gp_pcframe *e = gp_pccache_frame(u->cache, lpc);
		if (!e)
			return -1;
		*f = e->fn;
		*spdelta = e->spdelta;
		return 0;
	}
	if (gp_pclntab_findfunc(&u->b->pcln, lpc, f) != 0)
		return -1;
	*spdelta = gp_pclntab_pcvalue(&u->b->pcln, f, f->pcsp, lpc, NULL);
	return 0;
}

static void finish(struct gp_unwinder *u)
{
	u->valid = 0;
	u->frame.pc = 0;
}

static void resolve(struct gp_unwinder *u, int innermost, int is_syscall)
{
	struct gp_stkframe *fr = &u->frame;
	const struct gp_func *f = &fr->fn;
	fr->entry = f->entry + u->t->bias;
	if (f->pcsp == 0) { /* no frame information (external code): finishInternal, not printed */
		finish(u);
		return;
	}
	int flag = f->flag;
	if (f->funcid == u->ids->cgocallback || is_syscall)
		flag &= ~GP_FUNCFLAG_SPWRITE;
	if (fr->fp == 0)
		fr->fp = fr->sp + (uint64_t)(int64_t)fr->spdelta + 8;
	if (flag & GP_FUNCFLAG_TOPFRAME) {
		fr->lr = 0;
	} else if (flag & GP_FUNCFLAG_SPWRITE) {
		fr->lr = 0; /* printing stops at SPWrite functions, innermost or not */
	} else if (fr->lr == 0) {
		struct gp_err *err = gp_target_u64(u->t, fr->fp - 8, &fr->lr);
		if (err) {
			gp_err_free(err);
			fr->lr = 0;
			u->error = GP_UNWIND_UNREADABLE;
			u->error_pc = fr->fp - 8;
		}
	}
	(void)innermost;
	fr->argp = fr->fp;
	u->nframes++;
}

void gp_unwind_init(struct gp_unwinder *u, const struct gp_target *t, const struct gp_gobin *b,
		    const struct gp_funcids *ids, struct gp_pccache *cache, uint64_t pc, uint64_t sp, int is_syscall,
		    int trap)
{
	memset(u, 0, sizeof(*u));
	u->cache = cache;
	u->t = t;
	u->b = b;
	u->ids = ids;
	u->go_minor = b->bi.v.minor;
	u->callee_funcid = ids->normal;
	u->trap = trap;
	uint64_t pc0 = pc, sp0 = sp;
	if (pc == 0) { /* a call through a nil func value: the caller's pc is at sp */
		struct gp_err *err = gp_target_u64(t, sp, &pc);
		gp_err_free(err);
		sp += 8;
	}
	u->frame.pc = pc;
	u->frame.sp = sp;
	if (findfunc(u, pc, &u->frame.fn, &u->frame.spdelta) != 0) {
		u->error = GP_UNWIND_UNKNOWN_PC;
		u->error_pc = pc;
		finish(u);
		return;
	}
	u->valid = 1;
	resolve(u, 1, is_syscall && pc == pc0 && sp == sp0);
}

void gp_unwind_next(struct gp_unwinder *u)
{
	struct gp_stkframe *fr = &u->frame;
	if (!u->valid)
		return;
	if (fr->lr == 0) {
		finish(u);
		return;
	}
	struct gp_func flr;
	int32_t lr_spdelta;
	if (findfunc(u, fr->lr, &flr, &lr_spdelta) != 0) {
		u->error = GP_UNWIND_UNEXPECTED_RET;
		u->error_pc = fr->lr;
		finish(u);
		return;
	}
	if (fr->pc == fr->lr && fr->sp == fr->fp) {
		u->error = GP_UNWIND_STUCK;
		u->error_pc = fr->pc;
		finish(u);
		return;
	}
	int id = fr->fn.funcid;
	int injected = id == u->ids->sigpanic ||
		       (u->go_minor >= 21 && (id == u->ids->asyncpreempt || id == u->ids->debugcallv2));
	u->trap = injected;
	u->callee_funcid = id;
	fr->fn = flr;
	fr->spdelta = lr_spdelta;
	fr->pc = fr->lr;
	fr->lr = 0;
	fr->sp = fr->fp;
	fr->fp = 0;
	resolve(u, 0, 0);
}

uint64_t gp_unwind_sympc(const struct gp_unwinder *u)
{
	if (!u->trap && u->frame.pc > u->frame.entry)
		return u->frame.pc - 1;
	return u->frame.pc;
}
