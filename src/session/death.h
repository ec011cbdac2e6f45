/* death.h — how the process died, read from the runtime's own state in the core: which thread
 * printed the crash, which of the runtime's crash paths it was on, where the runtime started the
 * traceback it printed first, and the other Ms that printed a section of their own. The rules are
 * the runtime's:
 *   - dopanic_m (runtime/panic.go) prints for fatalpanic (an unrecovered panic) and fatalthrow (a
 *     throw or fatal error) the traceback of the g that called them, from that call's caller pc/sp
 *     ("runtime stack:" when that g is the M's g0), then tracebackothers: m.curg first (from g.sched
 *     although it is running), then allgs. That M then crashes (runtime.crash), so its thread is
 *     the one the kernel dumps first;
 *   - sighandler (runtime/signal_unix.go) prints for a fatal signal the interrupted g (g0 prints as
 *     "goroutine 0"; m.curg when the signal arrived during cgo execution) with tracebacktrap from
 *     the signal context, tracebackothers, and the context's registers; with GOTRACEBACK=crash it
 *     relays SIGQUIT (raiseproc: a SIGQUIT the process sends itself) to every other M, and each of
 *     them prints a section after "-----" and waits in its handler. Go 1.22+ crash from the first
 *     M (golang/go#63277), Go 1.19 and 1.21 from the last one to get the relay: the printing M is
 *     the one in sighandler whose signal is not such a relay.
 * Frames are found by unwinding the thread's stacks (its current stack from the registers, then
 * m.curg's from g.sched) with the runtime's unwinder, looking for runtime.fatalpanic,
 * runtime.fatalthrow and runtime.sighandler; signal contexts come from the runtime.sigtramp frames
 * (unwind/sigctx.h).
 */
#ifndef GOPSY_SESSION_DEATH_H
#define GOPSY_SESSION_DEATH_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "gobin/pccache.h"
#include "rt/goroutine.h"
#include "unwind/gstart.h"
#include "unwind/sigctx.h"

enum gp_death_kind {
	GP_DEATH_UNKNOWN = 0, /* no crash path of the runtime's on the crashing thread (problem says why) */
	GP_DEATH_PANIC,       /* runtime.fatalpanic: a panic nothing recovered */
	GP_DEATH_THROW,       /* runtime.fatalthrow: runtime.throw or runtime.fatal ("fatal error: ...") */
	GP_DEATH_SIGNAL,      /* runtime.sighandler: a fatal signal (SIGQUIT, a fault outside Go code, ...) */
};

/* One M that printed: its thread, runtime state, and what it printed first. 0 / -1 where unknown. */
struct gp_death_m {
	enum gp_death_kind kind;
	const struct gp_thread *thread;
	int32_t leader_tid;         /* the process's pid: its main thread's tid */
	uint64_t tls_g, m, g0, gsignal, curg, caughtsig;
	int64_t m_id;
	int32_t throwing;           /* m.throwing (throwType) */
	int32_t dying;              /* m.dying: startpanic_m sets it on the M that prints the crash */
	int32_t traceback;          /* m.traceback: a level that overrides GOTRACEBACK (0: none) */
	int incgo;                  /* m.incgo */
	/* The goroutine printed first and where its traceback started. gp == g0: "runtime stack:"
	 * (dopanic_m) or "goroutine 0" (sighandler). */
	uint64_t gp;
	int has_start;
	struct gp_ustart start;
	/* The frame of runtime.fatalpanic / fatalthrow (on gp's stack) or runtime.sighandler (on
	 * gsignal's). */
	uint64_t fatal_sp, fatal_fp;
	/* GP_DEATH_SIGNAL: the context sighandler read, and whether it was a relayed SIGQUIT. */
	int has_sigctx;
	struct gp_sigctx sig;
	int relay;
	int in_cgo;                 /* "signal arrived during cgo execution": gp became m.curg */
	/* GP_DEATH_THROW: the message runtime.throw / runtime.fatal printed after "fatal error: ",
	 * from the closure in their frame (points into the target's memory; NULL when not found). */
	const char *throw_msg;
	size_t throw_msg_len;
	const char *thrower;        /* "runtime.throw" or "runtime.fatal", NULL when not found */
	uint64_t fatal_panic;       /* Go 1.26+ runtime.fatal: the _panic whose chain printPreFatalDeferPanic
	                             * prints before "fatal error:" (0: none) */
};

enum { GP_DEATH_MAX_RELAYS = 256 };

struct gp_death {
	enum gp_death_kind kind;    /* printer.kind */
	const char *problem;        /* NULL, or why something is missing */
	struct gp_death_m printer;  /* the M that printed the crash (section 0) */
	/* GP_DEATH_SIGNAL: the Ms that printed after "-----", in the order the kernel most likely
	 * delivered the relayed SIGQUITs: the main thread first, then by thread id (the order they
	 * printed in is recorded nowhere). */
	struct gp_death_m *relays;
	size_t nrelays;
};

/* Fill d from rt's target. Allocations from a. */
void gp_death_read(const struct gp_rt *rt, struct gp_pccache *cache, struct gp_arena *a, struct gp_death *d);

#endif
