/* gstart.h — where the runtime starts unwinding a goroutine for its traceback (runtime/traceback.go
 * traceback1 and unwinder.initAt with pc = sp = ^0): a goroutine in a system call or cgo call from
 * the syscallpc/syscallsp entersyscall saved; one in a vDSO call (Go 1.21+: m.vdsoSP/vdsoPC of its
 * M) from there; any other from g.sched, saved when it last stopped running. A goroutine that is
 * running on a thread has no saved state: the runtime prints "goroutine running on other thread;
 * stack unavailable" for it (Go 1.26+ only when it is not in a system call either).
 */
#ifndef GOPSY_UNWIND_GSTART_H
#define GOPSY_UNWIND_GSTART_H

#include <stdint.h>

#include "rt/goroutine.h"

struct gp_ustart {
	uint64_t pc, sp;   /* run-time */
	int is_syscall;    /* (pc, sp) came from syscallpc/syscallsp: the innermost frame's SPWrite is cleared */
	int trap;          /* the first frame is a trap frame: pc is exact, not a return address */
};

/* 1 and *out filled, or 0 when g is running on another thread (no saved state to start from). */
int gp_g_unwind_start(const struct gp_rt *rt, const struct gp_g *g, struct gp_ustart *out);

/* The saved state whatever the status (initAt with pc = sp = ^0): tracebackothers prints the
 * printing M's curg this way although it is running. */
void gp_g_unwind_saved(const struct gp_rt *rt, const struct gp_g *g, struct gp_ustart *out);

/* An explicit start (a signal context, the caller of fatalpanic) as traceback1 adjusts it: a
 * goroutine in _Gsyscall from its syscallpc/syscallsp, one in a vDSO call from its M's vdsoPC/vdsoSP
 * (and then not a trap frame). */
void gp_g_unwind_start_at(const struct gp_rt *rt, const struct gp_g *g, struct gp_ustart *out);

#endif
