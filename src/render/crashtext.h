/* crashtext.h — the whole text the Go runtime printed as the process died, rebuilt from the core in
 * the runtime's own order (session/death.h says which path printed it):
 *   - dopanic_m (a panic or a throw): the panic chain (printpanics) or "fatal error: msg", the
 *     "[signal ...]" line of a panic that came from a fault, the goroutine that panicked with its
 *     stack from the caller of fatalpanic/fatalthrow ("runtime stack:" and the M's g0 for a throw on
 *     the system stack), then tracebackothers;
 *   - sighandler (a fatal signal): "SIGxxx: name", "PC=... m=N sigcode=N[ addr=...]", "signal
 *     arrived during cgo execution", the interrupted goroutine from the signal context
 *     (tracebacktrap; "goroutine 0" for a g0), tracebackothers, the register dump; then, with
 *     GOTRACEBACK=crash, one section per relayed M after "-----" (in the core's thread order: the
 *     order the Ms printed in is not recorded);
 *   - tracebackothers: the printing M's curg from g.sched, then every goroutine of allgs but dead
 *     ones (and system ones below level 2), "running on other thread; stack unavailable" for those
 *     running on another M.
 * The level is the runtime's gotraceback() for the printing M: m.traceback when set, 2 when it is
 * throwing a runtime error, else the level asked for. What the core cannot tell is not printed: the
 * GODEBUG schedtrace block startpanic_m prints (it carries the time since the program started), the
 * "...N minutes" clock is an estimate (rt/clock.h).
 */
#ifndef GOPSY_RENDER_CRASHTEXT_H
#define GOPSY_RENDER_CRASHTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "render/textout.h"
#include "session/session.h"

struct gp_crashtext {
	int level;                  /* GOTRACEBACK level asked for: 1 all, 2 system/crash */
	int preamble_only;          /* stop before the first goroutine block (the crash's own lines) */
	/* results */
	int effective_level;        /* gotraceback()'s level on the printing M */
	uint64_t printed;           /* goroutine blocks */
	uint64_t unreadable;        /* allgs entries that could not be read */
	uint64_t running[1024];     /* goroutines printed "running on other thread" (GOMAXPROCS bounds them) */
	size_t nrunning;
};

/* Print everything into out. Only out-of-memory and output errors are errors; what cannot be read
 * is printed as the runtime would (unwinding errors) or counted in ct->unreadable. */
struct gp_err *gp_crashtext_print(struct gp_session *s, struct gp_tout *out, struct gp_crashtext *ct) GP_MUST_USE;

#endif
