/* defers.h — a goroutine's pending deferred calls, in the order the runtime would run them, each
 * with the frame (function) it belongs to.
 *
 * Two places hold them (runtime/panic.go of each version):
 *   - the g._defer chain (newest first, through _defer.link): one _defer record per executed defer
 *     statement that is not open-coded. deferproc allocates it on the heap (newdefer: heap = true;
 *     defers in loops), deferprocStack puts it in the frame (heap = false; the compiler does that
 *     for a defer outside loops in a function it does not open-code). Both set d.sp to the
 *     deferring frame's sp (getcallersp) and d.pc to the return address of the deferproc call; d.fn
 *     is the func value to call. Go 1.19–1.21 also link openDefer records while a panic runs
 *     (addOneOpenDeferFrame: one per frame with open-coded defers, with that frame's funcdata in
 *     d.fd and its varp in d.varp), and mark with d.started a defer a panic or Goexit has begun
 *     to run. Go 1.23+ rangefunc records (deferrangefunc, d.rangefunc) hold, in *d.head, the defers
 *     of a range-over-func loop body (deferprocat) until deferconvert splices them into the chain.
 *   - open-coded defers (no record; the compiler's choice for a function with at most 8 defers, none
 *     in a loop, when optimizing): a bit per defer statement in a deferBits byte of the frame, set
 *     when the statement executes, and a stack slot holding the closure. FUNCDATA_OpenCodedDeferInfo
 *     locates both relative to the frame's varp (the unwinder's: fp - 8 for the return address,
 *     minus 8 more for the saved frame pointer while that is still above sp), as uvarints:
 *       Go 1.19–1.21 (runOpenDeferFrame): deferBitsOffset, nDefers, then nDefers closure offsets
 *         for defer nDefers-1 down to 0: defer i is pending if bit i is set, its closure at
 *         varp - offset;
 *       Go 1.22+ (_panic.initOpenCodedDefers, and 1.27's dumpPanicDeferState): deferBitsOffset,
 *         slotsOffset: bit i set -> the closure at varp - slotsOffset + 8*i; highest bit runs first.
 *     A function is either all linked or all open-coded (the compiler disables open-coding for the
 *     whole function), so a frame has one kind or the other.
 *
 * The frames are the caller's (the runtime model does not unwind: session/frames.h gives a
 * goroutine's frames from where its traceback starts, or from its thread when it is running);
 * records are matched to them by d.sp == frame.sp (as _panic.nextDefer does) and each frame's
 * funcdata is checked for open-coded defers. Without frames (a running goroutine whose thread is
 * gone) the chain is still read from g._defer, each record named after the function d.pc is in;
 * open-coded defers then cannot be seen (the result's problem says so).
 *
 * Order: frame by frame from the innermost; in a frame, chain records in chain order, open-coded
 * defers from the highest bit; records matching no frame last. Bounded: GP_DEFERS_MAX records read
 * and defers listed; a chain that loops or leaves the core ends with a reason. Only out-of-memory
 * is an error.
 */
#ifndef GOPSY_RT_DEFERS_H
#define GOPSY_RT_DEFERS_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "gobin/pccache.h"
#include "rt/goroutine.h"

enum { GP_DEFERS_MAX = 1 << 16 };

enum gp_defer_kind {
	GP_DEFER_HEAP,   /* a heap _defer record (deferproc) */
	GP_DEFER_STACK,  /* a _defer record in the deferring frame (deferprocStack) */
	GP_DEFER_OPEN,   /* open-coded: a deferBits bit and a closure slot of the frame */
};

struct gp_defer {
	enum gp_defer_kind kind;
	uint64_t record;         /* the _defer (for OPEN: 1.19–1.21's openDefer record, else 0) */
	uint64_t fv;             /* the deferred func value (*funcval) */
	uint64_t fn;             /* its code (run-time), 0 when unreadable */
	const char *func;        /* its name from the pclntab; "" unknown */
	int frame;               /* index of its frame among the unwound frames (innermost 0); -1 none */
	uint64_t sp;             /* the deferring frame's sp (d.sp, or the frame's) */
	uint64_t pc;             /* d.pc; OPEN: the frame's pc */
	const char *frame_func;  /* the function that deferred it: the frame's, or the one d.pc is in */
	int slot;                /* OPEN: its deferBits bit; -1 otherwise */
	int started;             /* 1.19–1.21: d.started (a panic or Goexit began to run it) */
	int rangefunc;           /* 1.23+: in a rangefunc record's list, not yet in the chain */
};

/* One physical frame, as the runtime's unwinder gives it (unwind/gounwind.h): run-time pc, sp and fp
 * (the caller's sp), the function (entry link-time). */
struct gp_dframe {
	uint64_t pc, sp, fp;
	struct gp_func fn;
};

struct gp_defers {
	struct gp_defer *d;      /* arena */
	size_t n;
	size_t nrecords;         /* _defer records read from g._defer */
	const char *problem;     /* NULL, or why the list may be incomplete */
};

/* The pending defers of g, matched against its frames (innermost first; nframes 0: none known).
 * c may be NULL (every lookup decoded). */
struct gp_err *gp_defers_read(const struct gp_rt *rt, struct gp_pccache *c, const struct gp_g *g,
			      const struct gp_dframe *frames, size_t nframes, struct gp_arena *a,
			      struct gp_defers *out) GP_MUST_USE;

/* "heap", "stack", "open". */
const char *gp_defer_kind_name(enum gp_defer_kind k);

#endif
