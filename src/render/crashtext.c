/* crashtext.c — the runtime's whole crash output from a core (see crashtext.h). Each function names
 * the runtime code it follows: runtime/panic.go (printpanics, dopanic_m, throw, fatal),
 * runtime/signal_unix.go (sighandler, fatalsignal), runtime/signal_amd64.go (dumpregs),
 * runtime/stack.go (newstack), runtime/traceback.go (tracebackothers). */
#include "render/crashtext.h"

#include <signal.h>
#include <string.h>

#include "render/goprint.h"
#include "render/header.h"
#include "render/panicval.h"
#include "render/traceback.h"
#include "rt/backlog.h"
#include "rt/panic.h"
#include "rt/prefetch.h"
#include "rt/signals.h"
#include "rt/stacklimit.h"
#include "session/frames.h"
#include "unwind/gstart.h"

struct ctx {
	struct gp_session *s;
	const struct gp_rt *rt;
	struct gp_tout *out;
	struct gp_tb_sink sink;
	struct gp_tb_ctx tb;
	const struct gp_death *d;
	const struct gp_death_m *pm; /* the printing M */
	struct gp_crashtext *ct;
	int minor;
};

static int64_t kconst(const struct ctx *c, enum gp_lconst k)
{
	return gp_layout_const(c->rt->l, k);
}

static uint64_t word(const struct ctx *c, uint64_t addr)
{
	uint64_t v = 0;
	gp_err_free(gp_target_u64(c->rt->t, addr, &v));
	return v;
}

static int64_t now_ns(struct ctx *c, const struct gp_g *g)
{
	if (!gp_g_has_wait_time(c->rt, g))
		return 0;
	return gp_session_now(c->s)->ns;
}

/* showframe's first rule: the printing M throws a runtime error and g is its curg or the g its
 * signal interrupted: every frame is shown. */
static int force_show(const struct ctx *c, uint64_t g)
{
	return c->pm && c->pm->throwing >= kconst(c, GP_K_THROWTYPE_RUNTIME) && g &&
	       (g == c->pm->curg || g == c->pm->caughtsig);
}

/* goroutineheader + traceback from *start (NULL: "running on other thread"). */
static void block(struct ctx *c, const struct gp_g *g, const struct gp_ustart *start)
{
	gp_print_goroutine_header(c->out, c->rt, g, c->tb.level, now_ns(c, g));
	struct gp_tb_start s;
	memset(&s, 0, sizeof(s));
	gp_tb_start_for_g(&s, g, c->tb.level);
	s.force_show = force_show(c, g->addr);
	if (g->m && gp_lhas(c->rt->l, GP_L_M_INCGO)) {
		unsigned char incgo = 0;
		gp_err_free(gp_target_read(c->rt->t, g->m + (uint64_t)gp_loff(c->rt->l, GP_L_M_INCGO), &incgo, 1));
		s.m_incgo = incgo != 0;
	}
	if (!start) {
		tout_lit(c->out, "\tgoroutine running on other thread; stack unavailable\n");
		gp_tb_print_created_by(&c->tb, &s);
		if (c->ct->nrunning < sizeof(c->ct->running) / sizeof(c->ct->running[0]))
			c->ct->running[c->ct->nrunning++] = g->addr;
	} else {
		s.at = *start;
		gp_tb_print_frames(&c->tb, &s);
	}
	c->ct->printed++;
}

/* traceback(^0, ^0, 0, g): from the saved state, whatever the status. */
static void block_saved(struct ctx *c, const struct gp_g *g)
{
	struct gp_ustart u;
	gp_g_unwind_saved(c->rt, g, &u);
	block(c, g, &u);
}

static int read_g(struct ctx *c, uint64_t addr, struct gp_g *g)
{
	struct gp_err *err = gp_rt_read_g(c->rt, addr, g);
	if (!err)
		return 0;
	fprintf(stderr, "gopsy: %s\n", gp_err_msg(err));
	gp_err_free(err);
	c->ct->unreadable++;
	return -1;
}

/* tracebackothers(me) on the printing M: its curg first, then allgs. Without a printing M (the
 * crash path was not found), curg is the crashing thread's. */
static void tracebackothers(struct ctx *c, uint64_t me, uint64_t curgp)
{
	const struct gp_rt *rt = c->rt;
	struct gp_g g;
	if (curgp && curgp != me && read_g(c, curgp, &g) == 0) {
		tout_char(c->out, '\n');
		block_saved(c, &g);
	}
	struct gp_prefetch pf;
	gp_prefetch_init(&pf, rt);
	for (uint64_t i = 0; i < rt->allgs.s.len; i++) {
		uint64_t ga;
		gp_prefetch_allg(&pf, i);
		struct gp_err *e = gp_rt_allg(rt, i, &ga);
		if (e) {
			fprintf(stderr, "gopsy: allgs[%llu]: %s\n", (unsigned long long)i, gp_err_msg(e));
			gp_err_free(e);
			c->ct->unreadable++;
			continue;
		}
		if (ga == me || ga == curgp || read_g(c, ga, &g) != 0)
			continue;
		if (gp_g_is_dead(rt, &g) || (c->tb.level < 2 && gp_g_is_system(rt, &g)))
			continue;
		gp_target_release_every(&c->s->t, i); /* bounded RSS on cores with many goroutines */
		tout_char(c->out, '\n');
		struct gp_ustart u; /* NULL: "running on other thread" (session/frames.h has the rule) */
		block(c, &g, gp_session_dump_start(c->s, &g, &u, NULL) ? &u : NULL);
	}
}

/* printpanics(p): oldest first; a tab before each later one unless the previous was a Goexit;
 * Go 1.25+ stop after a panic that was re-raised with its own value. */
static void printpanics(struct ctx *c, const struct gp_rpanic *p, int n, int i)
{
	if (i + 1 < n) {
		printpanics(c, p, n, i + 1);
		if (c->minor >= 25 && p[i + 1].repanicked)
			return;
		if (!p[i + 1].goexit)
			tout_char(c->out, '\t');
	}
	if (p[i].goexit)
		return;
	tout_lit(c->out, "panic: ");
	gp_print_panicval(c->out, c->rt, &p[i].arg);
	int repanicked = c->minor == 25 ? p[i].repanicked : (p[i].recovered && p[i].repanicked);
	if (c->minor >= 25 && repanicked)
		tout_lit(c->out, " [recovered, repanicked]");
	else if (p[i].recovered)
		tout_lit(c->out, " [recovered]");
	tout_char(c->out, '\n');
}

static void print_panic_chain(struct ctx *c, uint64_t first)
{
	struct gp_rpanic p[GP_PANIC_MAX];
	const char *problem;
	int n = gp_panics_read(c->rt, first, p, GP_PANIC_MAX, &problem);
	if (n > 0)
		printpanics(c, p, n, 0);
	if (problem)
		fprintf(stderr, "gopsy: note: panic chain: %s\n", problem);
}

/* dopanic_m's "[signal ...]" line: g.sig, set when a fault became a panic (sigpanic). */
static void signal_line(struct ctx *c, const struct gp_g *g, uint64_t gaddr)
{
	const struct gp_layout *l = c->rt->l;
	unsigned char buf[2048];
	const unsigned char *p = gp_target_view(c->rt->t, gaddr, (size_t)gp_lsize(l, GP_L_SIZEOF_G), buf, sizeof(buf));
	(void)g;
	if (!p || !gp_lhas(l, GP_L_G_SIG))
		return;
	uint32_t sig = (uint32_t)gp_lget(l, p, GP_L_G_SIG);
	if (!sig)
		return;
	const char *name = gp_signame(sig);
	tout_lit(c->out, "[signal ");
	if (name)
		tout_str(c->out, name);
	else
		tout_hex(c->out, sig);
	tout_lit(c->out, " code=");
	tout_hex(c->out, gp_lget(l, p, GP_L_G_SIGCODE0));
	tout_lit(c->out, " addr=");
	tout_hex(c->out, gp_lget(l, p, GP_L_G_SIGCODE1));
	tout_lit(c->out, " pc=");
	tout_hex(c->out, gp_lget(l, p, GP_L_G_SIGPC));
	tout_lit(c->out, "]\n");
}

/* What newstack printed before throw("stack overflow"); from the print backlog when it has it,
 * else computed as newstack does (curg.sched.sp less the word the call to morestack cost). */
static void overflow_lines(struct ctx *c)
{
	const struct gp_death_m *pm = c->pm;
	if (!pm->throw_msg || pm->throw_msg_len != 14 || memcmp(pm->throw_msg, "stack overflow", 14))
		return;
	struct gp_backlog bl;
	const char *diag;
	size_t n;
	gp_backlog_read(c->rt, &bl);
	if (bl.present && gp_backlog_fatal_diagnostics(&bl, &diag, &n) && n) {
		tout_mem(c->out, diag, n);
		return;
	}
	struct gp_g g;
	uint64_t size, ceiling;
	const char *how;
	if (!pm->curg)
		return;
	struct gp_err *err = gp_rt_read_g(c->rt, pm->curg, &g);
	if (err) {
		gp_err_free(err);
		return;
	}
	if (gp_stacklimit_read(c->rt, &size, &ceiling, &how))
		return;
	tout_lit(c->out, "runtime: goroutine stack exceeds ");
	tout_dec(c->out, (int64_t)(size < ceiling ? size : ceiling));
	tout_lit(c->out, "-byte limit\nruntime: sp=");
	tout_hex(c->out, g.sched_sp - 8);
	tout_lit(c->out, " stack=[");
	tout_hex(c->out, g.stack_lo);
	tout_lit(c->out, ", ");
	tout_hex(c->out, g.stack_hi);
	tout_lit(c->out, "]\n");
}

/* fatalpanic / fatalthrow → dopanic_m. */
static void dopanic(struct ctx *c)
{
	const struct gp_death_m *pm = c->pm;
	const struct gp_layout *l = c->rt->l;
	struct gp_g gp;
	int have_gp = pm->gp && gp_rt_read_g(c->rt, pm->gp, &gp) == NULL;
	int is_g0 = pm->gp == pm->g0;
	if (c->d->kind == GP_DEATH_PANIC && have_gp) {
		print_panic_chain(c, word(c, pm->gp + (uint64_t)gp_loff(l, GP_L_G__PANIC)));
	} else if (c->d->kind == GP_DEATH_THROW) {
		overflow_lines(c);
		if (pm->fatal_panic) { /* Go 1.26+ printPreFatalDeferPanic */
			print_panic_chain(c, pm->fatal_panic);
			tout_char(c->out, '\t');
		}
		tout_lit(c->out, "fatal error: ");
		if (pm->throw_msg && c->minor >= 23)
			gp_print_indented(c->out, pm->throw_msg, pm->throw_msg_len);
		else if (pm->throw_msg)
			tout_mem(c->out, pm->throw_msg, pm->throw_msg_len);
		else
			tout_lit(c->out, "<the message of the throw is not readable>");
		tout_char(c->out, '\n');
	}
	if (have_gp)
		signal_line(c, &gp, pm->gp);
	if (c->ct->preamble_only)
		return;
	if (have_gp && !is_g0) {
		tout_char(c->out, '\n');
		struct gp_ustart u = pm->start;
		gp_g_unwind_start_at(c->rt, &gp, &u);
		block(c, &gp, pm->has_start ? &u : NULL);
	} else if (have_gp && (c->tb.level >= 2 || pm->throwing >= kconst(c, GP_K_THROWTYPE_RUNTIME))) {
		tout_lit(c->out, "\nruntime stack:\n");
		struct gp_tb_start s;
		memset(&s, 0, sizeof(s));
		gp_tb_start_for_g(&s, &gp, c->tb.level);
		s.at = pm->start;
		s.no_created_by = 1;
		s.m_incgo = pm->incgo;
		if (pm->has_start)
			gp_tb_print_frames(&c->tb, &s);
	}
	tracebackothers(c, pm->gp, pm->curg);
}

/* dumpregs */
static void dumpregs(struct ctx *c, const struct gp_sigctx *sc)
{
	static const struct { const char *name; int reg; } regs[] = {
		{"rax    ", GP_X86_RAX}, {"rbx    ", GP_X86_RBX}, {"rcx    ", GP_X86_RCX}, {"rdx    ", GP_X86_RDX},
		{"rdi    ", GP_X86_RDI}, {"rsi    ", GP_X86_RSI}, {"rbp    ", GP_X86_RBP}, {"rsp    ", GP_X86_RSP},
		{"r8     ", GP_X86_R8},  {"r9     ", GP_X86_R9},  {"r10    ", GP_X86_R10}, {"r11    ", GP_X86_R11},
		{"r12    ", GP_X86_R12}, {"r13    ", GP_X86_R13}, {"r14    ", GP_X86_R14}, {"r15    ", GP_X86_R15},
		{"rip    ", GP_X86_RIP}, {"rflags ", GP_X86_EFLAGS},
	};
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		tout_mem(c->out, regs[i].name, 7);
		tout_hex(c->out, sc->regs[regs[i].reg]);
		tout_char(c->out, '\n');
	}
	tout_lit(c->out, "cs     ");
	tout_hex(c->out, sc->cs);
	tout_lit(c->out, "\nfs     ");
	tout_hex(c->out, sc->fs);
	tout_lit(c->out, "\ngs     ");
	tout_hex(c->out, sc->gs);
	tout_char(c->out, '\n');
}

/* fatalsignal's "instruction bytes:" for SIGILL and SIGFPE: 16 bytes at the pc, not past its page. */
static void instruction_bytes(struct ctx *c, uint64_t pc)
{
	size_t n = 16, left = 4096 - (size_t)(pc % 4096);
	if (n > left)
		n = left;
	unsigned char b[16];
	struct gp_err *err = gp_target_read(c->rt->t, pc, b, n);
	tout_lit(c->out, "instruction bytes:");
	if (err) {
		gp_err_free(err);
		tout_lit(c->out, " <not readable>");
	} else {
		for (size_t i = 0; i < n; i++) {
			tout_char(c->out, ' ');
			tout_hex(c->out, b[i]);
		}
	}
	tout_char(c->out, '\n');
}

/* sighandler's text for one M (first: the M that printed first, which also runs tracebackothers). */
static void sighandler(struct ctx *c, const struct gp_death_m *dm, int first)
{
	const struct gp_sigctx *sc = &dm->sig;
	const char *name = gp_signame((uint32_t)sc->signo);
	if (name) {
		tout_str(c->out, name);
	} else {
		tout_lit(c->out, "Signal ");
		tout_dec(c->out, sc->signo);
	}
	tout_lit(c->out, "\nPC=");
	tout_hex(c->out, sc->regs[GP_X86_RIP]);
	tout_lit(c->out, " m=");
	tout_dec(c->out, dm->m_id);
	tout_lit(c->out, " sigcode=");
	tout_udec(c->out, (uint64_t)(int64_t)sc->code); /* sigcode() is uint64(int32 si_code) */
	if (c->minor >= 22 && (sc->signo == SIGSEGV || sc->signo == SIGBUS)) {
		tout_lit(c->out, " addr=");
		tout_hex(c->out, sc->addr);
	}
	tout_char(c->out, '\n');
	if (dm->in_cgo)
		tout_lit(c->out, "signal arrived during cgo execution\n");
	if (sc->signo == SIGILL || sc->signo == SIGFPE)
		instruction_bytes(c, sc->regs[GP_X86_RIP]);
	if (c->ct->preamble_only)
		return;
	tout_char(c->out, '\n');
	struct gp_g gp;
	if (read_g(c, dm->gp, &gp) == 0) {
		struct gp_ustart u = dm->start;
		gp_g_unwind_start_at(c->rt, &gp, &u);
		block(c, &gp, &u);
	}
	if (first) {
		tracebackothers(c, dm->gp, dm->curg);
		tout_char(c->out, '\n');
	} else if (dm->curg && dm->gp != dm->curg) {
		struct gp_g cg;
		if (read_g(c, dm->curg, &cg) == 0 &&
		    gp_g_status(c->rt, &cg) == (uint32_t)kconst(c, GP_K_GSTATUS_RUNNING))
			block_saved(c, &cg);
	}
	dumpregs(c, sc);
}

/* Without a crash path (a core taken by gcore or another tool, or a crash gopsy does not know):
 * the goroutines as tracebackothers lists them, the crashing thread's curg first. */
static void goroutines_only(struct ctx *c)
{
	struct gp_g g;
	uint64_t curg = c->d->printer.curg;
	if (curg && read_g(c, curg, &g) == 0) {
		struct gp_ustart u;
		block(c, &g, gp_g_unwind_start(c->rt, &g, &u) ? &u : NULL);
	}
	tracebackothers(c, curg, 0);
}

struct gp_err *gp_crashtext_print(struct gp_session *s, struct gp_tout *out, struct gp_crashtext *ct)
{
	struct ctx c = {.s = s, .rt = &s->rt, .out = out, .ct = ct, .minor = s->bin->bi.v.minor};
	c.d = gp_session_death(s);
	c.pm = c.d->kind != GP_DEATH_UNKNOWN ? &c.d->printer : NULL;
	ct->printed = ct->unreadable = 0;
	ct->nrunning = 0;
	/* gotraceback() on the printing M */
	int level = ct->level;
	if (c.pm && c.pm->traceback > 0)
		level = c.pm->traceback;
	else if (c.pm && c.pm->throwing >= kconst(&c, GP_K_THROWTYPE_RUNTIME))
		level = 2;
	ct->effective_level = level;
	gp_tb_text_sink(&c.sink, out);
	struct gp_tb_ctx tb = {&s->t, s->bin, &s->rt.ids, &s->cache, s->l, level, &c.sink};
	c.tb = tb;
	if (!c.pm) {
		if (!ct->preamble_only)
			goroutines_only(&c);
		return NULL;
	}
	if (c.d->kind == GP_DEATH_SIGNAL) {
		sighandler(&c, c.pm, 1);
		for (size_t i = 0; i < c.d->nrelays && !ct->preamble_only; i++) {
			tout_lit(out, "\n-----\n\n");
			sighandler(&c, &c.d->relays[i], 0);
		}
	} else {
		dopanic(&c);
	}
	return NULL;
}
