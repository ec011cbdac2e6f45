/* death.c — finding the runtime's crash path on the crashing thread (see death.h). */
#include "session/death.h"

#include <stdio.h>
#include <string.h>

enum { MAX_WALK = 256, MAX_THROW_MSG = 1 << 16 };

/* A field of the struct at addr, zero-extended from its size; 0 when absent or unreadable. */
static uint64_t field(const struct gp_rt *rt, uint64_t addr, enum gp_lfield f)
{
	if (!addr || !gp_lhas(rt->l, f))
		return 0;
	uint64_t v = 0;
	int32_t size = gp_lsize(rt->l, f);
	struct gp_err *err = gp_target_read(rt->t, addr + (uint64_t)gp_loff(rt->l, f), &v,
					    size > 0 && size < 8 ? (size_t)size : 8);
	if (err) {
		gp_err_free(err);
		return 0;
	}
	return v;
}

static const char *fname(const struct gp_rt *rt, const struct gp_unwinder *u)
{
	return gp_pclntab_funcname(&rt->b->pcln, &u->frame.fn);
}

/* Run-time entry of the function named name, or 0. */
static uint64_t entry_of(const struct gp_rt *rt, const char *name)
{
	struct gp_func f;
	return gp_pclntab_func_by_name(&rt->b->pcln, name, &f, NULL) == 0 ? f.entry + rt->t->bias : 0;
}

/* The message of runtime.throw / runtime.fatal, whose frame u is at: they print it from a closure
 * (systemstack(func() { print("fatal error: ", s, "\n") })) that does not escape, so the funcval
 * {fn = runtime.throw.func1, s.ptr, s.len} is a local of their frame. */
static void throw_message(const struct gp_rt *rt, const struct gp_unwinder *u, struct gp_death *d)
{
	const char *name = fname(rt, u);
	if (strcmp(name, "runtime.throw") && strcmp(name, "runtime.fatal"))
		return;
	d->thrower = !strcmp(name, "runtime.throw") ? "runtime.throw" : "runtime.fatal";
	char closure[64];
	snprintf(closure, sizeof(closure), "%s.func1", name);
	uint64_t fn = entry_of(rt, closure);
	if (!fn)
		return;
	for (uint64_t a = u->frame.sp; a + 24 <= u->frame.fp; a += 8) {
		uint64_t w[3];
		struct gp_err *err = gp_target_read(rt->t, a, w, sizeof(w));
		if (err) {
			gp_err_free(err);
			return;
		}
		if (w[0] != fn || w[2] > MAX_THROW_MSG)
			continue;
		const char *p = w[2] ? gp_target_ptr(rt->t, w[1], (size_t)w[2]) : "";
		if (p) {
			d->throw_msg = p;
			d->throw_msg_len = (size_t)w[2];
		}
		return;
	}
}

/* Walk the stack from (pc, sp) looking for the crash path's frame; fills d and returns 1 when
 * found. gp: the g whose stack this is. */
static int find_fatal(const struct gp_rt *rt, struct gp_pccache *cache, uint64_t pc, uint64_t sp, int trap,
		      uint64_t gp, struct gp_death *d)
{
	struct gp_unwinder u;
	gp_unwind_init(&u, rt->t, rt->b, &rt->ids, cache, pc, sp, 0, trap);
	for (int n = 0; u.valid && n < MAX_WALK; n++, gp_unwind_next(&u)) {
		const char *name = fname(rt, &u);
		enum gp_death_kind k = !strcmp(name, "runtime.fatalpanic")    ? GP_DEATH_PANIC
				       : !strcmp(name, "runtime.fatalthrow")  ? GP_DEATH_THROW
				       : !strcmp(name, "runtime.sighandler") ? GP_DEATH_SIGNAL
									      : GP_DEATH_UNKNOWN;
		if (k == GP_DEATH_UNKNOWN)
			continue;
		d->kind = k;
		d->fatal_sp = u.frame.sp;
		d->fatal_fp = u.frame.fp;
		if (k == GP_DEATH_SIGNAL)
			return 1;
		d->gp = gp;
		d->has_start = u.frame.lr != 0;
		d->start.pc = u.frame.lr; /* getcallerpc(), getcallersp() of fatalpanic/fatalthrow */
		d->start.sp = u.frame.fp;
		if (k == GP_DEATH_THROW) {
			gp_unwind_next(&u);
			if (u.valid)
				throw_message(rt, &u, d);
		}
		return 1;
	}
	return 0;
}

static int on_stack(const struct gp_rt *rt, uint64_t g, uint64_t sp)
{
	uint64_t lo = field(rt, g, GP_L_G_STACK_LO), hi = field(rt, g, GP_L_G_STACK_HI);
	return g && lo < hi && sp >= lo && sp < hi;
}

/* sighandler's gp: the g the signal interrupted (sigtrampgo's getg() before it switched to
 * gsignal), found by which stack the interrupted sp is on. */
static void signal_gp(const struct gp_rt *rt, struct gp_death *d)
{
	uint64_t sp = d->sig.regs[GP_X86_RSP];
	if (on_stack(rt, d->curg, sp))
		d->gp = d->curg;
	else if (on_stack(rt, d->g0, sp))
		d->gp = d->g0;
	else if (on_stack(rt, d->gsignal, sp))
		d->gp = d->gsignal;
	else {
		d->gp = d->g0; /* C code on a thread stack whose bounds the runtime does not know exactly */
		d->problem = "the signal interrupted a stack of no known goroutine; taken as the M's g0";
	}
	if (d->incgo && d->gp == d->g0 && d->curg) {
		d->in_cgo = 1;
		d->gp = d->curg;
	}
	d->has_start = 1;
	d->start.pc = d->sig.regs[GP_X86_RIP];
	d->start.sp = d->sig.regs[GP_X86_RSP];
	d->start.trap = 1;
}

void gp_death_read(const struct gp_rt *rt, struct gp_pccache *cache, struct gp_arena *a, struct gp_death *d)
{
	(void)a;
	memset(d, 0, sizeof(*d));
	d->m_id = -1;
	const struct gp_core *core = rt->t->core;
	if (!core->nthreads) {
		d->problem = "the core has no thread notes (NT_PRSTATUS)";
		return;
	}
	const struct gp_thread *th = d->thread = &core->threads[0];
	uint64_t fs = th->regs[GP_X86_FS_BASE];
	struct gp_err *err = fs ? gp_target_u64(rt->t, fs - 8, &d->tls_g) : NULL;
	gp_err_free(err);
	d->m = field(rt, d->tls_g, GP_L_G_M);
	if (!d->m) {
		d->problem = "the crashing thread runs no Go code (no g in its TLS, or the g has no M)";
		return;
	}
	d->g0 = field(rt, d->m, GP_L_M_G0);
	d->gsignal = field(rt, d->m, GP_L_M_GSIGNAL);
	d->curg = field(rt, d->m, GP_L_M_CURG);
	d->m_id = (int64_t)field(rt, d->m, GP_L_M_ID);
	d->throwing = (int32_t)field(rt, d->m, GP_L_M_THROWING);
	d->incgo = field(rt, d->m, GP_L_M_INCGO) & 0xff;
	d->gp_is_g0 = 0;
	/* The thread's current stack, from its registers; then, if the thread is on the system stack,
	 * the stack of the goroutine that switched to it. */
	int found = find_fatal(rt, cache, th->regs[GP_X86_RIP], th->regs[GP_X86_RSP], 1, d->tls_g, d);
	if (!found && d->tls_g == d->g0 && d->curg)
		found = find_fatal(rt, cache, field(rt, d->curg, GP_L_G_SCHED_PC), field(rt, d->curg, GP_L_G_SCHED_SP), 0,
				   d->curg, d);
	if (!found) {
		d->problem = "none of runtime.fatalpanic, runtime.fatalthrow or runtime.sighandler is on the crashing "
			     "thread's stacks";
		return;
	}
	if (d->kind == GP_DEATH_SIGNAL) {
		if (gp_sigctx_find(rt->t, rt->b, &rt->ids, cache, th, &d->sig, 1) == 1) {
			d->has_sigctx = 1;
			signal_gp(rt, d);
		} else {
			d->problem = "runtime.sighandler is on the stack but its signal frame could not be read";
		}
	}
	d->gp_is_g0 = d->gp && d->gp == d->g0;
}
