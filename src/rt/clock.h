/* clock.h — what a core says about the runtime's clock: an estimate of nanotime() at the moment the
 * process died, for the ", N minutes" of goroutine headers (runtime goroutineheader prints
 * (nanotime() - g.waitsince) / 60e9 when that is >= 1, for waiting and syscall goroutines whose
 * waitsince a GC set to its start time, work.tstart).
 *
 * A core has no clock. Every source below is a CLOCK_MONOTONIC timestamp (nanotime()) that the
 * runtime wrote at some past event, so each one is a LOWER bound of the time of death; the estimate
 * is the newest of them, and it lags the runtime's own nanotime() at print time by however long ago
 * that event was:
 *   - sched.lastpoll: the last network poll. While a P is busy and no M is blocked in netpoll,
 *     sysmon polls whenever the last poll is over 10 ms old (so it is at most ~20 ms old); it is 0
 *     while an M is blocked in netpoll (an idle program with timers);
 *   - the end of the last time.Sleep of each goroutine that is not sleeping now (g.sleepWhen in Go
 *     1.23+; before, the when of its g.timer once that timer has fired, status timerNoStatus);
 *   - g.waitsince of every goroutine: work.tstart, which gcMark sets when a GC cycle ends; the next
 *     GC stamps it into every goroutine it finds blocked (the first GC of a program stamps 0).
 * In a program doing anything at all (a P running, a goroutine waking from a sleep) the lag is
 * milliseconds. In an idle program it is the time since the last of those events: sysmon forces a GC
 * every 2 minutes (not with GOGC=off), so then up to a few minutes, and gopsy's minutes can be lower
 * than the runtime's by as much; they are never higher (the estimate never exceeds the true time of
 * death, and the runtime printed at most a few seconds before it).
 */
#ifndef GOPSY_RT_CLOCK_H
#define GOPSY_RT_CLOCK_H

#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "rt/goroutine.h"

struct gp_now {
	int64_t ns;            /* the estimate of nanotime(); 0 when no source had a timestamp */
	const char *source;    /* which source gave it: "sched.lastpoll", "g.sleepWhen", "g.timer.when",
	                        * "g.waitsince"; NULL when ns == 0 */
	uint64_t goid;         /* the goroutine of a per-goroutine source, else 0 */
	/* The newest value of each source, 0 when it had none. */
	int64_t lastpoll, sleep_end, waitsince;
	const char *sched_how; /* how runtime.sched was found (rt/sched.h), NULL if it was not */
};

/* Estimate nanotime() at death from rt's core (one pass over allgs, plus runtime.sched). Only
 * out-of-memory is an error; without any timestamp, out->ns is 0. */
struct gp_err *gp_now_estimate(const struct gp_rt *rt, struct gp_arena *a, struct gp_now *out) GP_MUST_USE;

/* Whether the runtime computes a wait time for g (waiting or syscall, waitsince != 0): only then
 * does its header need the estimate. */
int gp_g_has_wait_time(const struct gp_rt *rt, const struct gp_g *g);

/* goroutineheader's waitfor: whole minutes g has been blocked at now_ns; -1 when the runtime
 * computes none for g (see gp_g_has_wait_time) or now_ns is 0. */
int64_t gp_g_wait_minutes(const struct gp_rt *rt, const struct gp_g *g, int64_t now_ns);

#endif
