/* cgocrash.h — a crash inside C code called from Go (cgo), as a user wants to read it: the C frames
 * of the faulting thread, unwound with libdwfl from the registers at the fault (unwind/cframes.h),
 * joined to the Go frames of the goroutine that made the cgo call. It owns the policy of where those
 * registers are and where the Go side starts; rendering is the caller's.
 *
 * The registers at the fault:
 *  - Go 1.21+: sighandler throws inside the signal handler for a fault on the system stack ("signal
 *    arrived during cgo execution"); the kernel's frame is live on the M's gsignal stack: the
 *    death model's signal context of the M that printed (session/death.h, death.printer.sig),
 *    every register. (On Go 1.19 and 1.21 that M is not the thread that dumped: it relays SIGQUIT
 *    to the other Ms and waits, and the last one to get it dies first, golang/go#63277.) Should the
 *    printer's context not be a fault outside Go code, every thread's signal contexts are searched
 *    for one the kernel raised (SIGSEGV, SIGBUS, SIGFPE, SIGILL with si_code > 0) outside Go code,
 *    and that M's curg is the goroutine.
 *  - Go 1.19: sighandler took the fault for a panic: it saved the pc in g0.sigpc, pushed it on g0's
 *    stack as a return address, resumed the thread in runtime.sigpanic0 (preparePanic), and
 *    sigpanic threw "unexpected signal during runtime execution" (printer kind GP_DEATH_THROW). So
 *    rip and rsp at the fault are runtime.sigpanic's return address (checked against g0.sigpc) and
 *    its caller's sp, on g0's stack; rbp is the frame pointer sigpanic's prologue saved (sigpanic0
 *    jumps to it without touching BP). The other registers are lost: Go code has no callee-saved
 *    registers, and the kernel's signal frame is gone from the gsignal stack — the handler
 *    returned, and runtime.crash's SIGABRT, delivered through the runtime's handler on the then
 *    empty signal stack, put its own frame at the very same address. rip, rsp and rbp are enough
 *    for CFI that computes the CFA from rsp or rbp (gcc's); a register a frame's CFI needs and
 *    nobody saved makes the walk stop there (GP_CFRAMES_FAILED).
 * The Go side: m.curg, in _Gsyscall since cgocall's entersyscall, unwound by the Go unwinder from
 * its syscallpc/syscallsp as the runtime's traceback does (unwind/gstart.h): runtime.cgocall,
 * main._Cfunc_NAME, its callers. Between the C frames and those, on the M's system stack, is
 * runtime.asmcgocall: where the C walk stops (c.stop == GP_CFRAMES_GO, c.stop_pc, c.stop_func).
 */
#ifndef GOPSY_SESSION_CGOCRASH_H
#define GOPSY_SESSION_CGOCRASH_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "session/session.h"
#include "unwind/cframes.h"
#include "unwind/gstart.h"

enum gp_cgoregs {
	GP_CGOREGS_NONE = 0,
	GP_CGOREGS_SIGNAL,   /* the live signal context sighandler read (Go 1.21+) */
	GP_CGOREGS_SIGPANIC, /* rip, rsp and rbp from runtime.sigpanic's frame (Go 1.19) */
};

/* One physical Go frame (inline expansion is the renderer's: gp_tb_print_frames from go_start). */
struct gp_cgo_goframe {
	uint64_t pc, sp;    /* run-time; pc is a return address except for the first frame */
	const char *func;   /* pclntab name */
	const char *file;   /* at the frame's symbolic pc (gp_unwind_sympc) */
	int32_t line;
};

struct gp_cgocrash {
	int found;              /* 1: a thread faulted in C code; 0: problem says why not */
	const char *problem;
	/* The fault: the thread, and its registers there. */
	const struct gp_thread *thread;
	int64_t m_id;            /* its M's id, -1 when unknown */
	enum gp_cgoregs regs_from;
	const char *regs_source; /* how regs were found, a phrase */
	uint64_t regs[GP_X86_NREGS];
	uint64_t known;          /* bit i: regs[i] is known (GP_CFRAMES_ALL_REGS) */
	int32_t signo, sigcode;
	uint64_t sigaddr;
	/* The C frames, innermost first, and where they end. */
	struct gp_cframes c;
	/* The goroutine that called C (m.curg) and its Go frames. */
	uint64_t g, goid;
	int has_go_start;
	struct gp_ustart go_start;
	struct gp_cgo_goframe *go;
	size_t ngo;
	const char *go_problem;  /* the Go unwinder's error, or NULL */
};

/* Fill out for the session's crash (at most max_c C frames and max_go Go frames; everything from the
 * session's arena). Errors only for out-of-memory and libdwfl failing to start; a crash that is not
 * in C is found == 0. */
struct gp_err *gp_cgocrash_read(struct gp_session *s, size_t max_c, size_t max_go, struct gp_cgocrash *out) GP_MUST_USE;

#endif
