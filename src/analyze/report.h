/* report.h — everything `gopsy report` says about a core, as data: one pass over the goroutines
 * (the same traceback engine as `gopsy goroutines`, into the goroutine model, so the stack
 * buckets, states and suspects are those `gopsy parse` computes for a text dump), plus the cause
 * of death (cause.h), the C frames of a crash in C code (session/cgocrash.h), the objects blocked
 * goroutines wait on (rt/waits.h), the scheduler (rt/sched.h), stack use (stackuse.h), what the
 * core lacks (completeness.h) and the runtime's print backlog. The renderers (render/report_text.c,
 * render/report_json.c) only format it.
 */
#ifndef GOPSY_ANALYZE_REPORT_H
#define GOPSY_ANALYZE_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/buckets.h"
#include "analyze/cause.h"
#include "analyze/completeness.h"
#include "analyze/stackuse.h"
#include "analyze/summary.h"
#include "rt/backlog.h"
#include "rt/defers.h"
#include "rt/sched.h"
#include "rt/timers.h"
#include "rt/waits.h"
#include "session/cgocrash.h"
#include "session/session.h"

struct gp_report {
	struct gp_session *s;
	struct gp_arena *a;
	/* what was analysed */
	uint64_t goroutines;        /* live goroutines (not dead), system ones included */
	uint64_t user_goroutines;   /* not system goroutines */
	uint64_t unreadable;        /* allgs entries that could not be read */
	struct gp_cause cause;
	const struct gp_sched *sched;
	struct gp_buckets buckets;  /* user goroutines by stack and state, largest first */
	struct gp_summary summary;  /* states, creation sites, suspects over the buckets */
	struct gp_stackuse stacks;
	struct gp_completeness completeness;
	struct gp_backlog backlog;
	const struct gp_now *now;
	int gcphase;                /* runtime.gcphase: 0 off (sweeping or idle), 1 mark, 2 mark termination;
	                             * -1 unknown (no symbols: a stripped binary) */
	struct gp_waits waits;      /* what blocked goroutines wait on (rt/waits.h) */
	int has_cgo;                /* the crash is in C code: cgo is its C and Go frames */
	struct gp_cgocrash cgo;
	struct gp_timers timers;    /* pending timers of every P (rt/timers.h) */
	struct gp_timer_group *timer_groups;
	size_t ntimer_groups;
	/* pending defers (rt/defers.h): per goroutine that has any, and grouped by (deferring function,
	 * deferred function) */
	struct gp_report_defers {
		uint64_t goid;
		struct gp_defers d;
	} *defers;
	size_t ndefers, cap_defers;
	uint64_t defer_count;
	const char *defers_problem;
};

enum { GP_REPORT_MAX_CFRAMES = 64, GP_REPORT_MAX_GOFRAMES = 64 };

/* Analyse the session's core into r (allocations from a). Only out-of-memory is an error. */
struct gp_err *gp_report_build(struct gp_session *s, struct gp_arena *a, struct gp_report *r) GP_MUST_USE;

#endif
