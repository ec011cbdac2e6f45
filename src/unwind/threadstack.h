/* threadstack.h — where to unwind a goroutine that was *running* when the core was taken, which the
 * runtime's own dump prints as "stack unavailable" unless it was on the printing M. The goroutine's
 * M gives its thread (TLS g at fs_base-8, then g.m); from the thread's state:
 *   - running the goroutine's own code: the thread's registers (a trap frame);
 *   - in a signal handler (TLS g is m.gsignal): the signal stack is unwound up to runtime.sigtramp,
 *     whose frame holds the kernel's ucontext, and the interrupted rip/rsp are taken from it;
 *   - on the system stack (TLS g is m.g0): g.sched, saved by systemstack/mcall.
 * Then, as runtime.dopanic_m does for the goroutine that panicked or threw, the walk starts at the
 * caller of runtime.fatalpanic/fatalthrow when the stack passes through one of them.
 */
#ifndef GOPSY_UNWIND_THREADSTACK_H
#define GOPSY_UNWIND_THREADSTACK_H

#include <stdint.h>

#include "rt/goroutine.h"
#include "target/core.h"
#include "unwind/gounwind.h"

struct gp_thread_start {
	int32_t tid;
	uint64_t pc, sp;
	int trap;
	const char *source;   /* "registers", "signal frame", "g.sched (system stack)" [+ ", from runtime.fatalpanic"] */
};

/* 0 and *out filled, or -1 with *why saying why there is no stack (no thread for its M, thread in
 * C code, ...). */
int gp_running_start(const struct gp_rt *rt, struct gp_pccache *cache, const struct gp_g *g,
		     struct gp_thread_start *out, const char **why);

#endif
