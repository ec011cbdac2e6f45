/* death.c — finding the runtime's crash path on the core's threads (see death.h). */
#include "session/death.h"
#include "base/sort.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_WALK = 256, MAX_THROW_MSG = 1 << 16, MAX_THREADS = 4096 };

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
static void throw_message(const struct gp_rt *rt, const struct gp_unwinder *u, struct gp_death_m *d)
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
	/* Go 1.26+ fatal: {fn, p *_panic (printPreFatalDeferPanic), s.ptr, s.len} */
	int with_panic = rt->b->bi.v.minor >= 26 && !strcmp(name, "runtime.fatal");
	size_t words = with_panic ? 4 : 3;
	for (uint64_t a = u->frame.sp; a + 8 * words <= u->frame.fp; a += 8) {
		uint64_t w[4];
		struct gp_err *err = gp_target_read(rt->t, a, w, 8 * words);
		if (err) {
			gp_err_free(err);
			return;
		}
		uint64_t ptr = w[words - 2], len = w[words - 1];
		if (w[0] != fn || len > MAX_THROW_MSG)
			continue;
		const char *p = len ? gp_target_ptr(rt->t, ptr, (size_t)len) : "";
		if (p) {
			d->throw_msg = p;
			d->throw_msg_len = (size_t)len;
			d->fatal_panic = with_panic ? w[1] : 0;
		}
		return;
	}
}

/* Walk the stack from (pc, sp) looking for the crash path's frame; fills d and returns 1 when
 * found. gp: the g whose stack this is. */
static int find_fatal(const struct gp_rt *rt, struct gp_pccache *cache, uint64_t pc, uint64_t sp, int trap,
		      uint64_t gp, struct gp_death_m *d)
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
	uint64_t lo = gp_rt_field(rt, g, GP_L_G_STACK_LO), hi = gp_rt_field(rt, g, GP_L_G_STACK_HI);
	return g && lo < hi && sp >= lo && sp < hi;
}

/* The g whose stack sp is on: the M's curg, g0 or gsignal; 0 when none (C code on a thread stack
 * the runtime does not record). */
static uint64_t stack_owner(const struct gp_rt *rt, const struct gp_death_m *d, uint64_t sp)
{
	return on_stack(rt, d->curg, sp) ? d->curg : on_stack(rt, d->g0, sp) ? d->g0
	       : on_stack(rt, d->gsignal, sp) ? d->gsignal : 0;
}

/* One thread: its M and the crash path it is on (kind GP_DEATH_UNKNOWN when none).
 * The thread's stacks are searched from its registers and from every signal context on its signal
 * stack: a crashing M is in its own SIGABRT (runtime.crash raises it; sigfwdgo lets the default
 * action kill the process), whose context is where crash() was called — inside sighandler for a
 * fatal signal, on g0 (fatalthrow) or the panicking goroutine's stack (fatalpanic). When such a
 * stack is the system stack that a goroutine switched to (systemstack), the goroutine's own stack
 * (m.curg from g.sched) is searched too. */
static void read_m(const struct gp_rt *rt, struct gp_pccache *cache, const struct gp_thread *th,
		   struct gp_death_m *d, const char **problem)
{
	memset(d, 0, sizeof(*d));
	d->m_id = -1;
	d->thread = th;
	d->leader_tid = rt->t->img->pid;
	uint64_t fs = th->regs[GP_X86_FS_BASE];
	struct gp_err *err = fs ? gp_target_u64(rt->t, fs - 8, &d->tls_g) : NULL;
	gp_err_free(err);
	if (err)
		d->tls_g = 0;
	d->m = gp_rt_field(rt, d->tls_g, GP_L_G_M);
	if (!d->m)
		return;
	d->g0 = gp_rt_field(rt, d->m, GP_L_M_G0);
	d->gsignal = gp_rt_field(rt, d->m, GP_L_M_GSIGNAL);
	d->curg = gp_rt_field(rt, d->m, GP_L_M_CURG);
	d->caughtsig = gp_rt_field(rt, d->m, GP_L_M_CAUGHTSIG);
	d->m_id = (int64_t)gp_rt_field(rt, d->m, GP_L_M_ID);
	d->throwing = (int32_t)gp_rt_field(rt, d->m, GP_L_M_THROWING);
	d->dying = (int32_t)gp_rt_field(rt, d->m, GP_L_M_DYING);
	d->traceback = (int32_t)gp_rt_field(rt, d->m, GP_L_M_TRACEBACK);
	d->incgo = gp_rt_field(rt, d->m, GP_L_M_INCGO) & 0xff;
	struct gp_sigctx sc[GP_SIGCTX_MAX];
	int nsc = gp_sigctx_find(rt->t, rt->b, &rt->ids, cache, th, sc, GP_SIGCTX_MAX);
	/* Candidate k starts at the registers signal context k-1 interrupted (k = 0: the thread's); a
	 * walk from candidate k ends at the sigtramp frame of context k. */
	for (int k = 0; k <= nsc && d->kind == GP_DEATH_UNKNOWN; k++) {
		uint64_t pc = k ? sc[k - 1].regs[GP_X86_RIP] : th->regs[GP_X86_RIP];
		uint64_t sp = k ? sc[k - 1].regs[GP_X86_RSP] : th->regs[GP_X86_RSP];
		uint64_t owner = stack_owner(rt, d, sp);
		if (find_fatal(rt, cache, pc, sp, 1, owner, d)) {
			if (d->kind == GP_DEATH_SIGNAL) {
				if (k < nsc) {
					d->sig = sc[k];
					d->has_sigctx = 1;
				} else if (problem && !*problem) {
					*problem = "runtime.sighandler is on a thread's stack but its signal frame could not be read";
				}
			}
			break;
		}
		if (owner && owner == d->g0 && d->curg &&
		    find_fatal(rt, cache, gp_rt_field(rt, d->curg, GP_L_G_SCHED_PC), gp_rt_field(rt, d->curg, GP_L_G_SCHED_SP), 0,
			       d->curg, d))
			break;
	}
	if (d->kind != GP_DEATH_SIGNAL || !d->has_sigctx)
		return;
	d->relay = d->sig.signo == SIGQUIT && d->sig.code == 0 /* SI_USER */ && d->sig.pid == rt->t->img->pid;
	/* sighandler: gp is the g the signal interrupted, which it records as m.caughtsig; fatalsignal
	 * switches to m.curg when that g is g0 in a cgo call. */
	d->gp = d->caughtsig ? d->caughtsig : stack_owner(rt, d, d->sig.regs[GP_X86_RSP]);
	if (!d->gp) {
		d->gp = d->g0;
		if (problem && !*problem)
			*problem = "the signal interrupted a stack of no known goroutine (m.caughtsig unset); taken as the M's g0";
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

static int relay_key(const struct gp_death_m *m)
{
	return m->thread->tid == m->leader_tid ? -1 : m->thread->tid;
}

static int relay_order(const void *a, const void *b)
{
	int x = relay_key(a), y = relay_key(b);
	return x < y ? -1 : x > y;
}

void gp_death_read(const struct gp_rt *rt, struct gp_pccache *cache, struct gp_arena *a, struct gp_death *d)
{
	memset(d, 0, sizeof(*d));
	const struct gp_image *core = rt->t->img;
	if (!core->nthreads) {
		d->problem = "the process image has no threads";
		return;
	}
	read_m(rt, cache, &core->threads[0], &d->printer, &d->problem);
	d->kind = d->printer.kind;
	if (d->kind == GP_DEATH_UNKNOWN) {
		if (core->running)
			d->problem = "the process was running when the snapshot was taken: no crash was in progress";
		else if (!d->printer.m)
			d->problem = "the crashing thread runs no Go code (no g in its TLS, or the g has no M)";
		else
			d->problem = "none of runtime.fatalpanic, runtime.fatalthrow or runtime.sighandler is on the "
				     "crashing thread's stacks";
		return;
	}
	if (d->kind != GP_DEATH_SIGNAL)
		return;
	/* The M that printed first is the one startpanic_m marked dying (Go 1.19/1.21 crash from the
	 * last relayed M, not from it); the others that printed got the SIGQUIT the process relayed to
	 * itself. Threads in sighandler for another signal (a preemption SIGURG caught mid-way) printed
	 * nothing. */
	size_t nth = core->nthreads < MAX_THREADS ? core->nthreads : MAX_THREADS;
	d->relays = gp_arena_calloc(a, nth, sizeof(*d->relays));
	if (!d->relays)
		return;
	struct gp_death_m *all = gp_arena_calloc(a, nth, sizeof(*all));
	if (!all)
		return;
	all[0] = d->printer;
	int printer = -1;
	for (size_t i = 0; i < nth; i++) {
		if (i)
			read_m(rt, cache, &core->threads[i], &all[i], &d->problem);
		if (all[i].kind == GP_DEATH_SIGNAL && all[i].has_sigctx && all[i].dying > 0 && printer < 0)
			printer = (int)i;
	}
	if (printer < 0) {
		printer = 0;
		if (!d->problem)
			d->problem = "no M in the signal handler is marked dying: the crashing thread's is taken as the one "
				     "that printed first";
	}
	d->printer = all[printer];
	for (size_t i = 0; i < nth; i++)
		if ((int)i != printer && all[i].kind == GP_DEATH_SIGNAL && all[i].relay && d->nrelays < GP_DEATH_MAX_RELAYS)
			d->relays[d->nrelays++] = all[i];
	/* The order the relays were delivered in: the kernel's complete_signal offers a process-directed
	 * signal to the thread-group leader first, then to the threads in list (creation, so TID) order;
	 * a heuristic, since the core keeps no record of it. */
	gp_sort(d->relays, d->nrelays, sizeof(*d->relays), relay_order);
}
