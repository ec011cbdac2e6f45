/* cause.c — the cause of death from the death model (see cause.h). */
#include "analyze/cause.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/crashtext.h"
#include "render/panicval.h"
#include "render/tb_model.h"
#include "render/traceback.h"
#include "rt/panic.h"
#include "rt/signals.h"
#include "rt/stacklimit.h"
#include "unwind/gstart.h"

enum { MAX_OVERFLOW_FRAMES = 50 * 1000 * 1000 };

const char *gp_sigcode_name(int32_t signo, int32_t code)
{
	switch (code) {
	case 0:
		return "SI_USER (sent by kill)";
	case -1:
		return "SI_QUEUE (sent by sigqueue)";
	case -6:
		return "SI_TKILL (sent by tkill/tgkill)";
	case 0x80:
		return "SI_KERNEL (sent by the kernel)";
	}
	if (signo == SIGSEGV)
		return code == 1 ? "SEGV_MAPERR (address not mapped)" : code == 2 ? "SEGV_ACCERR (invalid permissions)"
		       : code == 3 ? "SEGV_BNDERR (bounds check)" : code == 4 ? "SEGV_PKUERR (protection key)" : NULL;
	if (signo == SIGBUS)
		return code == 1 ? "BUS_ADRALN (invalid address alignment)" : code == 2 ? "BUS_ADRERR (nonexistent physical address)"
		       : code == 3 ? "BUS_OBJERR (object-specific hardware error)" : NULL;
	if (signo == SIGFPE)
		return code == 1 ? "FPE_INTDIV (integer divide by zero)" : code == 2 ? "FPE_INTOVF (integer overflow)"
		       : code == 3 ? "FPE_FLTDIV (floating-point divide by zero)" : NULL;
	if (signo == SIGILL)
		return code == 1 ? "ILL_ILLOPC (illegal opcode)" : code == 2 ? "ILL_ILLOPN (illegal operand)" : NULL;
	if (signo == SIGTRAP)
		return code == 1 ? "TRAP_BRKPT (breakpoint)" : code == 2 ? "TRAP_TRACE (trace trap)" : NULL;
	return NULL;
}

static char *take(struct gp_arena *a, struct gp_tout *o, size_t *len)
{
	size_t n;
	char *m = gp_tout_take(o, &n);
	char *s = m ? gp_arena_strndup(a, m, n) : NULL;
	free(m);
	if (len)
		*len = s ? n : 0;
	return s;
}

#define fmt gp_arena_printf

static void read_panics(struct gp_session *s, struct gp_arena *a, uint64_t first, struct gp_cause *c)
{
	struct gp_rpanic p[GP_PANIC_MAX];
	const char *problem;
	int n = gp_panics_read(&s->rt, first, p, GP_PANIC_MAX, &problem);
	if (problem && !c->problem)
		c->problem = problem;
	c->panics = gp_arena_calloc(a, (size_t)(n > 0 ? n : 1), sizeof(*c->panics));
	if (!c->panics)
		return;
	for (int i = n - 1; i >= 0; i--) { /* oldest first, as printpanics prints them */
		struct gp_tout *o = GP_NEW(a, struct gp_tout);
		if (!o)
			return;
		gp_tout_init_mem(o);
		gp_print_panicval(o, &s->rt, &p[i].arg);
		struct gp_cause_panic *cp = &c->panics[c->npanics++];
		cp->value = take(a, o, NULL);
		cp->recovered = p[i].recovered;
		cp->repanicked = p[i].repanicked;
		cp->goexit = p[i].goexit;
	}
}

/* g.sig and friends: the fault a panic (or 1.19's throw on g0) came from. */
static void g_signal(struct gp_session *s, uint64_t gaddr, struct gp_cause *c)
{
	const struct gp_layout *l = s->l;
	const unsigned char *p = gaddr ? gp_target_ptr(&s->t, gaddr, (size_t)gp_lsize(l, GP_L_SIZEOF_G)) : NULL;
	if (!p || !gp_lhas(l, GP_L_G_SIG))
		return;
	uint32_t sig = (uint32_t)gp_lget(l, p, GP_L_G_SIG);
	if (!sig)
		return;
	c->has_signal = 1;
	c->signo = (int32_t)sig;
	c->code = (int32_t)gp_lget(l, p, GP_L_G_SIGCODE0);
	c->fault_addr = gp_lget(l, p, GP_L_G_SIGCODE1);
	c->signal_pc = gp_lget(l, p, GP_L_G_SIGPC);
	c->fault_addr_valid = c->code > 0;
}

struct collect {
	struct gp_cause *c;
	struct gp_arena *a;
	struct gp_tb_sink inner;
};

static void collect_frame(void *ctx, const struct gp_tb_frame *f)
{
	struct collect *k = ctx;
	struct gp_cause *c = k->c;
	/* user frames: not the runtime's own, nor its functions linknamed into other packages
	 * (sync.fatal, internal/sync.throw: their code is in GOROOT/src/runtime) */
	if (c->nframes >= GP_CAUSE_MAX_FRAMES || (f->print_name_len == 5 && !memcmp(f->print_name, "panic", 5)) ||
	    !strncmp(f->print_name, "runtime.", 8) || strstr(f->file, "/src/runtime/"))
		return;
	struct gp_cause_frame *cf = &c->frames[c->nframes++];
	cf->func = gp_arena_strndup(k->a, f->print_name, f->print_name_len);
	cf->file = gp_arena_strndup(k->a, f->file, f->file_len);
	cf->line = f->line;
	cf->inlined = f->inlined;
}

static void ignore_elided(void *ctx, int n)
{
	(void)ctx;
	(void)n;
}

static void ignore_created(void *ctx, const struct gp_tb_created *cb)
{
	(void)ctx;
	(void)cb;
}

static void ignore_text(void *ctx, const char *line)
{
	(void)ctx;
	(void)line;
}

static void ignore_ancestor(void *ctx, uint64_t goid)
{
	(void)ctx;
	(void)goid;
}

/* The goroutine's frames as GOTRACEBACK=all would show them, minus the runtime's. */
static void user_frames(struct gp_session *s, struct gp_arena *a, const struct gp_g *g, const struct gp_ustart *at,
			struct gp_cause *c)
{
	c->frames = gp_arena_calloc(a, GP_CAUSE_MAX_FRAMES, sizeof(*c->frames));
	if (!c->frames)
		return;
	struct collect k = {c, a, {0}};
	struct gp_tb_sink sink = {&k, collect_frame, ignore_elided, ignore_created, ignore_text, ignore_ancestor};
	struct gp_tb_ctx tb = {&s->t, s->bin, &s->rt.ids, &s->cache, NULL, 1, &sink};
	struct gp_tb_start st;
	memset(&st, 0, sizeof(st));
	gp_tb_start_for_g(&st, g, 1);
	st.at = *at;
	st.no_created_by = 1;
	gp_tb_print_frames(&tb, &st);
}

/* The whole stack of the overflowing goroutine, folded into runs of one function. */
static void fold_recursion(struct gp_session *s, struct gp_arena *a, const struct gp_g *g, struct gp_cause *c)
{
	struct gp_ustart at;
	gp_g_unwind_saved(&s->rt, g, &at);
	c->runs = gp_arena_calloc(a, GP_CAUSE_MAX_RUNS, sizeof(*c->runs));
	if (!c->runs)
		return;
	struct gp_unwinder u;
	gp_unwind_init(&u, &s->t, s->bin, &s->rt.ids, &s->cache, at.pc, at.sp, at.is_syscall, at.trap);
	uint64_t entry = 0, run = 0, depth = 0, n = 0;
	const char *name = NULL;
	for (; u.valid && n < MAX_OVERFLOW_FRAMES; n++, gp_unwind_next(&u)) {
		if (u.frame.fn.entry == entry) {
			run++;
			continue;
		}
		if (run >= 2 && c->nruns < GP_CAUSE_MAX_RUNS)
			c->runs[c->nruns++] = (struct gp_recursion){name, run, depth};
		entry = u.frame.fn.entry;
		name = gp_pclntab_funcname(&s->bin->pcln, &u.frame.fn);
		run = 1;
		depth = n;
	}
	if (run >= 2 && c->nruns < GP_CAUSE_MAX_RUNS)
		c->runs[c->nruns++] = (struct gp_recursion){name, run, depth};
	c->stack_frames = n;
	c->stack_size = g->stack_hi - g->stack_lo;
	uint64_t size, ceiling;
	const char *how;
	if (gp_stacklimit_read(&s->rt, &size, &ceiling, &how) == 0)
		c->stack_limit = size < ceiling ? size : ceiling;
}

static const char *longest_run(const struct gp_cause *c, uint64_t *count)
{
	const struct gp_recursion *best = NULL;
	for (size_t i = 0; i < c->nruns; i++)
		if (!best || c->runs[i].count > best->count)
			best = &c->runs[i];
	*count = best ? best->count : 0;
	return best ? best->func : NULL;
}

static const char *where(const struct gp_cause *c, struct gp_arena *a)
{
	if (!c->nframes)
		return "";
	return fmt(a, " in %s at %s:%lld", c->frames[0].func, c->frames[0].file, (long long)c->frames[0].line);
}

static void summarize(struct gp_cause *c, struct gp_arena *a)
{
	const char *last = c->npanics ? c->panics[c->npanics - 1].value : NULL;
	uint64_t count;
	const char *rec;
	switch (c->kind) {
	case GP_CAUSE_RUNTIME_ERROR:
		if (last && strstr(last, "nil pointer dereference"))
			c->summary = fmt(a, "nil pointer dereference: goroutine %llu faulted at address 0x%llx%s",
					 (unsigned long long)c->goid, (unsigned long long)c->fault_addr, where(c, a));
		else
			c->summary = fmt(a, "%s in goroutine %llu%s", last ? last : "runtime error", (unsigned long long)c->goid,
					 where(c, a));
		break;
	case GP_CAUSE_PANIC:
		c->summary = fmt(a, "unrecovered panic in goroutine %llu%s: %s", (unsigned long long)c->goid, where(c, a),
				 last ? last : "(value not readable)");
		break;
	case GP_CAUSE_STACK_OVERFLOW:
		rec = longest_run(c, &count);
		if (rec)
			c->summary = fmt(a, "stack overflow in goroutine %llu: %s recursed %llu times (%llu frames, a %llu-byte stack; limit %llu bytes)",
					 (unsigned long long)c->goid, rec, (unsigned long long)count,
					 (unsigned long long)c->stack_frames, (unsigned long long)c->stack_size,
					 (unsigned long long)c->stack_limit);
		else
			c->summary = fmt(a, "stack overflow in goroutine %llu (%llu frames)", (unsigned long long)c->goid,
					 (unsigned long long)c->stack_frames);
		break;
	case GP_CAUSE_DEADLOCK:
		c->summary = fmt(a, "deadlock: %s", c->message ? c->message : "all goroutines are asleep");
		break;
	case GP_CAUSE_FATAL:
		if (c->has_signal && c->in_cgo)
			c->summary = fmt(a, "fatal error: %s: signal %d at address 0x%llx in C code (cgo), called from goroutine %llu%s",
					 c->message ? c->message : "?", c->signo, (unsigned long long)c->fault_addr,
					 (unsigned long long)c->goid, where(c, a));
		else
			c->summary = fmt(a, "fatal error%s%s%s", c->goid ? fmt(a, " in goroutine %llu", (unsigned long long)c->goid) : "",
					 where(c, a), c->message ? fmt(a, ": %s", c->message) : "");
		break;
	case GP_CAUSE_SIGNAL: {
		char name[64];
		const char *colon = c->signame ? strchr(c->signame, ':') : NULL;
		if (colon)
			snprintf(name, sizeof(name), "%.*s (%s)", (int)(colon - c->signame), c->signame, colon + 2);
		else
			snprintf(name, sizeof(name), "signal %d", c->signo);
		if (c->signo == SIGQUIT && c->sent_by_process)
			c->summary = fmt(a, "%s sent by process %d: the runtime printed every goroutine and died "
					    "(goroutine %llu was running when it arrived)",
					 name, c->sender_pid, (unsigned long long)c->goid);
		else
			c->summary = fmt(a, "%s%s%s%s%s", name,
					 c->sent_by_process ? fmt(a, " sent by process %d", c->sender_pid) : "",
					 c->fault_addr_valid ? fmt(a, " at address 0x%llx", (unsigned long long)c->fault_addr) : "",
					 c->in_cgo ? " in C code (cgo)" : c->on_g0 ? fmt(a, " on M%lld's system stack", (long long)c->m_id) : "",
					 c->goid ? fmt(a, ", %s goroutine %llu%s", c->in_cgo ? "called from" : "in",
						       (unsigned long long)c->goid, where(c, a)) : "");
		break;
	}
	case GP_CAUSE_UNKNOWN:
		c->summary = "no crash path of the Go runtime was found in the core (was it taken from a live process?)";
		break;
	}
}

struct gp_err *gp_cause_read(struct gp_session *s, struct gp_arena *a, struct gp_cause *c)
{
	memset(c, 0, sizeof(*c));
	c->tid = -1;
	c->m_id = -1;
	const struct gp_death *d = gp_session_death(s);
	const struct gp_death_m *pm = &d->printer;
	c->problem = d->problem;
	if (d->kind == GP_DEATH_UNKNOWN) {
		c->kind_name = s->t.img->running ? "running" : "unknown";
		summarize(c, a);
		if (s->t.img->running)
			c->summary = "none: the process was running when gopsy took its snapshot";
		return NULL;
	}
	c->tid = pm->thread ? pm->thread->tid : -1;
	c->m_id = pm->m_id;
	/* the runtime's own lines */
	struct gp_tout *o = GP_NEW(a, struct gp_tout);
	struct gp_crashtext *ct = GP_NEW(a, struct gp_crashtext);
	if (!o || !ct)
		return &gp_err_nomem;
	gp_tout_init_mem(o);
	ct->level = 2;
	ct->preamble_only = 1;
	struct gp_err *err = gp_crashtext_print(s, o, ct);
	if (err)
		return err;
	c->runtime_text = take(a, o, &c->runtime_text_len);
	/* the goroutine at fault */
	uint64_t gaddr = pm->gp;
	c->on_g0 = gaddr && gaddr == pm->g0;
	c->on_gsignal = gaddr && gaddr == pm->gsignal;
	c->in_cgo = pm->in_cgo || (d->kind == GP_DEATH_THROW && pm->incgo && c->on_g0 && pm->curg);
	if (pm->thrower || d->kind == GP_DEATH_PANIC)
		g_signal(s, gaddr, c);
	struct gp_g g;
	uint64_t fault_g = c->on_g0 && pm->curg ? pm->curg : gaddr; /* a throw on g0 is about its curg */
	int have_g = fault_g && gp_rt_read_g(&s->rt, fault_g, &g) == NULL;
	c->goid = have_g ? g.goid : 0;
	if (have_g) {
		struct gp_ustart at = pm->start;
		if (fault_g != gaddr || !pm->has_start)
			gp_g_unwind_saved(&s->rt, &g, &at);
		else
			gp_g_unwind_start_at(&s->rt, &g, &at);
		if (!c->on_g0 || fault_g != gaddr)
			user_frames(s, a, &g, &at, c);
	}
	switch (d->kind) {
	case GP_DEATH_PANIC:
		c->kind = GP_CAUSE_PANIC;
		c->kind_name = "panic";
		if (have_g) {
			uint64_t first = 0;
			gp_err_free(gp_target_u64(&s->t, g.addr + (uint64_t)gp_loff(s->l, GP_L_G__PANIC), &first));
			read_panics(s, a, first, c);
		}
		if (c->npanics && !strncmp(c->panics[c->npanics - 1].value, "runtime error: ", 15)) {
			c->kind = GP_CAUSE_RUNTIME_ERROR;
			c->kind_name = "runtime error";
		}
		break;
	case GP_DEATH_THROW:
		c->kind = GP_CAUSE_FATAL;
		c->kind_name = "fatal error";
		c->message = pm->throw_msg ? gp_arena_strndup(a, pm->throw_msg, pm->throw_msg_len) : NULL;
		if (c->message && !strcmp(c->message, "stack overflow")) {
			c->kind = GP_CAUSE_STACK_OVERFLOW;
			c->kind_name = "stack overflow";
			if (have_g)
				fold_recursion(s, a, &g, c);
		} else if (c->message && strstr(c->message, "deadlock!")) {
			c->kind = GP_CAUSE_DEADLOCK;
			c->kind_name = "deadlock";
		}
		break;
	case GP_DEATH_SIGNAL:
		c->kind = GP_CAUSE_SIGNAL;
		c->kind_name = "fatal signal";
		c->has_signal = 1;
		c->signo = pm->sig.signo;
		c->code = pm->sig.code;
		c->signal_pc = pm->sig.regs[GP_X86_RIP];
		c->fault_addr = pm->sig.addr;
		c->fault_addr_valid = pm->sig.code > 0 && (c->signo == SIGSEGV || c->signo == SIGBUS ||
							   c->signo == SIGILL || c->signo == SIGFPE);
		c->sent_by_process = pm->sig.code <= 0;
		c->sender_pid = pm->sig.pid;
		break;
	case GP_DEATH_UNKNOWN:
		break;
	}
	if (c->has_signal) {
		c->signame = gp_signame((uint32_t)c->signo);
		c->code_name = gp_sigcode_name(c->signo, c->code);
	}
	summarize(c, a);
	return NULL;
}
