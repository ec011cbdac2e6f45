/* death.h — how the process died, read from the runtime's own state in the core: which thread
 * crashed, which of the runtime's crash paths it was on, and where the runtime started the
 * traceback it printed first. The rules are the runtime's:
 *   - the kernel writes the note of the thread that dumped first, and Go's crash path makes the
 *     M that printed be the one that dies (runtime.crash → dieFromSignal(SIGABRT));
 *   - dopanic_m (runtime/panic.go) prints for fatalpanic (an unrecovered panic) and fatalthrow (a
 *     throw or fatal error) the traceback of the g that called them, from that call's caller pc/sp
 *     ("runtime stack:" when that g is the M's g0), then tracebackothers: m.curg first, from
 *     g.sched even though it is running, then allgs;
 *   - sighandler (runtime/signal_unix.go) prints for a fatal signal the interrupted g (g0 prints as
 *     "goroutine 0"; m.curg when the signal arrived during cgo execution) with tracebacktrap from
 *     the signal context, then tracebackothers and the registers of the context.
 * Each frame and context is found by unwinding the crashing thread's stacks (its current stack
 * from the registers, then m.curg's from g.sched) with the runtime's unwinder and looking for
 * runtime.fatalpanic, runtime.fatalthrow and runtime.sighandler; signal contexts come from the
 * runtime.sigtramp frames (unwind/sigctx.h).
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

struct gp_death {
	enum gp_death_kind kind;
	const char *problem;        /* NULL, or why something below is missing */
	/* The thread that dumped and its runtime state (0 / -1 where unknown). */
	const struct gp_thread *thread;
	uint64_t tls_g, m, g0, gsignal, curg;
	int64_t m_id;
	int32_t throwing;           /* m.throwing (throwType from Go 1.21, a counter before) */
	int incgo;                  /* m.incgo */
	/* The goroutine the runtime printed first, and where its traceback started. gp == g0:
	 * "runtime stack:" (dopanic_m), or "goroutine 0" (sighandler). */
	uint64_t gp;
	int gp_is_g0;
	int has_start;
	struct gp_ustart start;
	/* The function frame of the crash path: runtime.fatalpanic / fatalthrow / sighandler, on gp's
	 * stack (or gsignal's, for sighandler): its sp and fp. */
	uint64_t fatal_sp, fatal_fp;
	/* GP_DEATH_SIGNAL: the context sighandler read; in_cgo: "signal arrived during cgo execution". */
	int has_sigctx;
	struct gp_sigctx sig;
	int in_cgo;
	/* GP_DEATH_THROW: the message runtime.throw / runtime.fatal printed after "fatal error: ",
	 * from the closure in their frame (points into the target's memory; NULL when not found). */
	const char *throw_msg;
	size_t throw_msg_len;
	const char *thrower;        /* "runtime.throw" or "runtime.fatal", NULL when not found */
};

/* Fill d from rt's target. Allocations (messages) from a. */
void gp_death_read(const struct gp_rt *rt, struct gp_pccache *cache, struct gp_arena *a, struct gp_death *d);

#endif
