/* cgocrash.c — C frames of a cgo crash joined to the calling goroutine's Go frames (see cgocrash.h). */
#include "session/cgocrash.h"

#include <stdio.h>
#include <string.h>

enum { MAX_WALK = 64 };

/* Linux x86-64 signal numbers of synchronous faults. */
enum { SIG_ILL = 4, SIG_BUS = 7, SIG_FPE = 8, SIG_SEGV = 11 };

static int in_go_text(const struct gp_rt *rt, uint64_t pc)
{
	struct gp_func f;
	return pc >= rt->t->bias && gp_pclntab_findfunc(&rt->b->pcln, pc - rt->t->bias, &f) == 0 && f.pcsp;
}

/* Go 1.19: runtime.sigpanic, above the throw, returning into C code (see cgocrash.h). */
static int sigpanic_regs(struct gp_session *s, const struct gp_death_m *d, struct gp_cgocrash *o)
{
	const struct gp_rt *rt = &s->rt;
	if (!d->has_start)
		return 0;
	/* From the caller of fatalthrow (runtime.throw), on the stack of the g that threw (g0). */
	struct gp_unwinder u;
	gp_unwind_init(&u, rt->t, rt->b, &rt->ids, &s->cache, d->start.pc, d->start.sp, 0, 0);
	for (int n = 0; u.valid && n < MAX_WALK; n++, gp_unwind_next(&u)) {
		if (strcmp(gp_pclntab_funcname(&rt->b->pcln, &u.frame.fn), "runtime.sigpanic"))
			continue;
		uint64_t pc = u.frame.lr, sp = u.frame.fp;
		if (!pc || in_go_text(rt, pc))
			return 0; /* a panic in Go code (nil dereference, ...) */
		uint64_t g = d->gp;
		if (gp_rt_field(rt, g, GP_L_G_SIGPC) != pc) {
			o->problem = "runtime.sigpanic returns into C code, but not at its g's sigpc";
			return 0;
		}
		/* sigpanic0 jumps to sigpanic, whose prologue saved BP (the frame pointer) just below
		 * the return address: the value BP had at the fault. */
		uint64_t bp = 0;
		struct gp_err *err = gp_target_u64(rt->t, sp - 16, &bp);
		o->regs[GP_X86_RIP] = pc;
		o->regs[GP_X86_RSP] = sp;
		o->known = (uint64_t)1 << GP_X86_RIP | (uint64_t)1 << GP_X86_RSP;
		if (!err && u.frame.fp - u.frame.sp > 8) {
			o->regs[GP_X86_RBP] = bp;
			o->known |= (uint64_t)1 << GP_X86_RBP;
		}
		gp_err_free(err);
		o->regs_from = GP_CGOREGS_SIGPANIC;
		o->regs_source = "runtime.sigpanic's frame: rip its return address (= g.sigpc), rsp its caller's sp, "
				 "rbp the frame pointer its prologue saved";
		o->signo = (int32_t)gp_rt_field(rt, g, GP_L_G_SIG);
		o->sigcode = (int32_t)gp_rt_field(rt, g, GP_L_G_SIGCODE0);
		o->sigaddr = gp_rt_field(rt, g, GP_L_G_SIGCODE1);
		return 1;
	}
	return 0;
}

static void go_frames(struct gp_session *s, struct gp_cgocrash *o, size_t max)
{
	const struct gp_rt *rt = &s->rt;
	struct gp_g g;
	struct gp_err *err = gp_rt_read_g(rt, o->g, &g);
	if (err) {
		o->go_problem = gp_arena_strdup(&s->arena, gp_err_msg(err));
		gp_err_free(err);
		return;
	}
	o->goid = g.goid;
	if (!g.syscallsp) {
		o->go_problem = "the goroutine has no syscallsp: it is not in a cgo call";
		return;
	}
	gp_g_unwind_saved(rt, &g, &o->go_start);
	o->has_go_start = 1;
	if (!max)
		return;
	o->go = GP_NEWN(&s->arena, struct gp_cgo_goframe, max);
	if (!o->go)
		return;
	struct gp_unwinder u;
	gp_unwind_init(&u, rt->t, rt->b, &rt->ids, &s->cache, o->go_start.pc, o->go_start.sp, o->go_start.is_syscall,
		       o->go_start.trap);
	for (; u.valid && o->ngo < max; gp_unwind_next(&u)) {
		struct gp_cgo_goframe *f = &o->go[o->ngo++];
		f->pc = u.frame.pc;
		f->sp = u.frame.sp;
		f->func = gp_pclntab_funcname(&rt->b->pcln, &u.frame.fn);
		gp_pclntab_funcline(&rt->b->pcln, &u.frame.fn, gp_unwind_sympc(&u) - rt->t->bias, &f->file, &f->line);
	}
	if (u.error) {
		char buf[128];
		snprintf(buf, sizeof(buf), "Go unwinding ended with error %d at pc %#llx", (int)u.error,
			 (unsigned long long)u.error_pc);
		o->go_problem = gp_arena_strdup(&s->arena, buf);
	}
}

static void from_sigctx(struct gp_cgocrash *o, const struct gp_sigctx *c, const char *source)
{
	memcpy(o->regs, c->regs, sizeof(o->regs));
	o->known = GP_CFRAMES_ALL_REGS;
	o->regs_from = GP_CGOREGS_SIGNAL;
	o->regs_source = source;
	o->signo = c->signo;
	o->sigcode = c->code;
	o->sigaddr = c->addr;
}

/* A fault the kernel raised (si_code > 0: not sent by a process) outside Go code, in one of the
 * signal contexts on th's stack. */
static int c_fault_on(struct gp_session *s, const struct gp_thread *th, struct gp_sigctx *out)
{
	struct gp_sigctx ctx[GP_SIGCTX_MAX];
	int n = gp_sigctx_find(&s->t, s->bin, &s->rt.ids, &s->cache, th, ctx, GP_SIGCTX_MAX);
	for (int i = 0; i < n; i++) {
		int sig = ctx[i].signo;
		if ((sig == SIG_SEGV || sig == SIG_BUS || sig == SIG_FPE || sig == SIG_ILL) && ctx[i].code > 0 &&
		    !in_go_text(&s->rt, ctx[i].regs[GP_X86_RIP])) {
			*out = ctx[i];
			return 1;
		}
	}
	return 0;
}

struct gp_err *gp_cgocrash_read(struct gp_session *s, size_t max_c, size_t max_go, struct gp_cgocrash *o)
{
	memset(o, 0, sizeof(*o));
	const struct gp_death *death = gp_session_death(s);
	const struct gp_death_m *d = &death->printer;
	const struct gp_image *core = s->t.img;
	struct gp_sigctx sc;
	o->m_id = -1;
	if (d->kind == GP_DEATH_SIGNAL && d->has_sigctx && !in_go_text(&s->rt, d->sig.regs[GP_X86_RIP])) {
		o->thread = d->thread;
		o->m_id = d->m_id;
		o->g = d->curg;
		from_sigctx(o, &d->sig, "the signal context runtime.sighandler received");
	} else if (d->kind == GP_DEATH_THROW && d->thread && sigpanic_regs(s, d, o)) {
		o->thread = d->thread;
		o->m_id = d->m_id;
		o->g = d->curg;
	} else {
		/* The death model found no printer with a fault in C: look at every thread (cgocrash.h). */
		for (size_t i = 0; i < core->nthreads && !o->thread; i++) {
			if (&core->threads[i] == d->thread || !c_fault_on(s, &core->threads[i], &sc))
				continue;
			o->thread = &core->threads[i];
			from_sigctx(o, &sc, "a fault's signal context found on the thread's stack (not the printing M's)");
			uint64_t fs = o->thread->regs[GP_X86_FS_BASE], tlsg = 0;
			gp_err_free(fs ? gp_target_u64(&s->t, fs - 8, &tlsg) : NULL);
			uint64_t m = gp_rt_field(&s->rt, tlsg, GP_L_G_M);
			o->m_id = m ? (int64_t)gp_rt_field(&s->rt, m, GP_L_M_ID) : -1;
			struct gp_err *err = gp_rt_thread_curg(&s->rt, o->thread, &o->g);
			if (err) {
				o->go_problem = gp_arena_strdup(&s->arena, gp_err_msg(err));
				gp_err_free(err);
			}
		}
		if (!o->thread) {
			if (!o->problem)
				o->problem = d->kind == GP_DEATH_SIGNAL && d->has_sigctx
						     ? "the signal interrupted Go code, and no thread faulted in C code"
						     : "no thread faulted in C code (no fault signal context outside Go code, "
						       "no runtime.sigpanic returning into C)";
			return NULL;
		}
	}
	o->found = 1;
	struct gp_cunwind *u;
	struct gp_err *err = gp_cunwind_open(&s->t, s->bin, &s->arena, &u);
	if (!err) {
		err = gp_cunwind_frames(u, o->regs, o->known, max_c ? max_c : 1, &o->c);
		gp_cunwind_close(u);
	}
	if (err)
		return err;
	if (o->g)
		go_frames(s, o, max_go);
	else if (!o->go_problem)
		o->go_problem = "the M has no current goroutine (m.curg)";
	return NULL;
}
