/* frames.h — a goroutine's physical frames as an array, for the readers that ask "which frame does
 * this belong to" (rt/defers.h): unwound with the runtime's unwinder (unwind/gounwind.h) from where
 * the runtime starts its traceback (unwind/gstart.h: syscallpc/sp, the vDSO pc/sp, or g.sched), or,
 * for a goroutine running on a thread, from that thread (unwind/threadstack.h: registers, the
 * signal frame, g.sched when on the system stack; from the caller of fatalpanic/fatalthrow when
 * its stack passes through one, as dopanic_m prints it). Like the traceback it stops at TopFrame
 * and SPWrite functions and does not jump stacks. Plus the session-level shortcut that reads a
 * goroutine's defers against those frames.
 */
#ifndef GOPSY_SESSION_FRAMES_H
#define GOPSY_SESSION_FRAMES_H

#include <stddef.h>

#include "rt/defers.h"
#include "unwind/gstart.h"
#include "session/session.h"

enum { GP_GFRAMES_MAX = 1 << 17 };

struct gp_gframes {
	struct gp_dframe *f;     /* innermost first; arena */
	size_t n;
	const char *from;        /* gp_session_dump_start's, or threadstack's source ("registers", ...); NULL */
	const char *problem;     /* NULL, or why there are no (or not all) frames */
};

/* Where the runtime's own dump started g's traceback, so that everything gopsy shows of g agrees
 * with that dump: a goroutine not running from its saved state (gstart.h); the running one printed
 * first from where its traceback started (the caller of fatalpanic, the signal context); one
 * running on the M that printed from its saved state too (tracebackothers: "gp.m == getg().m
 * occurs when tracebackothers is called from a signal handler initiated during a systemstack
 * call"). 1 and *out, *from (NULL allowed) naming which; 0 when the dump said "running on other
 * thread". */
int gp_session_dump_start(struct gp_session *s, const struct gp_g *g, struct gp_ustart *out, const char **from);

/* The frames of g into arena a, from gp_session_dump_start, else from its thread. Only
 * out-of-memory is an error. */
struct gp_err *gp_session_frames(struct gp_session *s, const struct gp_g *g, struct gp_arena *a,
				 struct gp_gframes *out) GP_MUST_USE;

/* gp_defers_read of g against gp_session_frames; frames may be NULL (else it receives them). */
struct gp_err *gp_session_defers(struct gp_session *s, const struct gp_g *g, struct gp_arena *a,
				 struct gp_defers *out, struct gp_gframes *frames) GP_MUST_USE;

#endif
