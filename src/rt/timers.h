/* timers.h — the runtime's timers as plain C records: every entry of every P's timer heap, whether
 * the runtime will still fire it, when, and what it is for.
 *
 * Where the runtime keeps them (runtime/time.go of each version):
 *   - Go 1.19–1.22: p.timers, a []*timer 4-ary min-heap under p.timersLock. timer.status says what
 *     an entry is: timerWaiting (pending), timerModifiedEarlier/Later (pending at timer.nextwhen,
 *     possibly out of heap order), timerRunning/Modifying/Moving (brief, pending), timerDeleted /
 *     Removing / Removed (stopped, lingering until cleantimers/adjusttimers remove them), and
 *     timerNoStatus (not in a heap). Every pending timer of the process is in some P's heap.
 *   - Go 1.23+: p.timers is a `timers` struct {mu, heap []timerWhen{timer, when}, len, zombies, ...},
 *     still a 4-ary heap (timerHeapN). timer.state has bits timerHeaped, timerModified (timer.when
 *     is authoritative, heap[i].when stale) and timerZombie (stopped, or a channel timer nobody
 *     waits on any more, still in the heap until cleanHead drops it from the head or the end of
 *     the array, or adjust from anywhere): pending = heaped, not a zombie (timer.stop,
 *     unblockTimerChan) and when > 0. A channel timer (timer.isChan: NewTimer, After,
 *     Tick, NewTicker) is put in a heap only while a goroutine blocks on its channel
 *     (timer.needsAdd: !isChan || blocked > 0), so idle channel timers are in no heap and not in
 *     this list. That holds when the time package hands channel timers to the runtime
 *     (syncTimer): always from Go 1.27, and in 1.23–1.26 unless GODEBUG asynctimerchan=1, which is
 *     the default for a main module whose go.mod says go < 1.23 (then isChan is false and they
 *     are heaped like any timer).
 *   - Go 1.24+ testing/synctest bubbles keep their own `timers` (synctestBubble.timers; 1.24's
 *     synctestGroup), on the bubble's fake clock (bubble.now): a timer created inside a bubble
 *     (timer.isFake) goes there (timer.maybeAdd: ts = &bubble.timers) and its when is fake time
 *     (in 1.24 even an idle channel timer of a bubble is heaped: needsAdd's isFake). The bubbles
 *     are found from the goroutines (g.bubble, 1.24 g.syncGroup) and listed with their id and
 *     now; their timers have p_id -1.
 *
 * What each timer is for comes from its callback: timer.f is a func value (*funcval), its code
 * pointer is named with the pclntab (stripped binaries too), and arg (an eface) is interpreted by
 * callback, the way the runtime and package time set them:
 *   runtime.goroutineReady          time.Sleep (timeSleep: gp.timer, arg = the *g)
 *   time.goFunc                     time.AfterFunc(d, f): arg = f, a func value named in turn; when
 *                                   f is context.WithDeadline.func* (1.19) or
 *                                   context.WithDeadlineCause.func* (1.21+), a context deadline:
 *                                   the closure holds the *timerCtx (found by checking each of its
 *                                   first words for a timerCtx whose timer field leads back to this
 *                                   timer: &Timer.r before 1.23, the timeTimer's timer from 1.23),
 *                                   and timerCtx.deadline (a time.Time) is decoded to UTC
 *   time.sendTime                   time.NewTimer / After (period 0), NewTicker / Tick (period > 0):
 *                                   arg = the channel (*hchan)
 *   runtime.netpollReadDeadline,    a net.Conn / os.File deadline (poll.FD.SetReadDeadline, ...):
 *   netpollWriteDeadline,           arg = the *pollDesc
 *   netpollDeadline
 * anything else is GP_TIMER_OTHER with its callback's name.
 *
 * Bounds: at most GP_TIMERS_MAX_HEAP entries per heap, GP_TIMERS_MAX in all and
 * GP_TIMERS_MAX_BUBBLES bubbles; a heap whose slice is not in the core, an unreadable timer or a
 * timer seen twice is skipped with a reason. Nothing here prints; only out-of-memory is an error.
 */
#ifndef GOPSY_RT_TIMERS_H
#define GOPSY_RT_TIMERS_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "rt/goroutine.h"
#include "rt/sched.h"
#include "rt/value.h"

enum { GP_TIMERS_MAX_HEAP = 1 << 21, GP_TIMERS_MAX = 1 << 21, GP_TIMERS_MAX_BUBBLES = 1 << 12 };

enum gp_timer_kind {
	GP_TIMER_OTHER = 0,
	GP_TIMER_SLEEP,      /* runtime.goroutineReady: the time.Sleep of goroutine goid */
	GP_TIMER_AFTERFUNC,  /* time.goFunc: time.AfterFunc(d, user_func) */
	GP_TIMER_CONTEXT,    /* time.goFunc of context.WithDeadline[Cause].func*: a context deadline */
	GP_TIMER_CHAN,       /* time.sendTime, period 0: time.NewTimer / time.After */
	GP_TIMER_TICKER,     /* time.sendTime, period > 0: time.NewTicker / time.Tick */
	GP_TIMER_NETPOLL,    /* runtime.netpoll*Deadline: a network/file deadline */
	GP_TIMER__KINDS
};

struct gp_timer {
	uint64_t addr;           /* the runtime.timer */
	int32_t p_id;            /* the P whose heap holds it; -1 in a bubble's heap */
	int32_t bubble;          /* index in gp_timers.bubbles of the bubble whose heap holds it; -1 */
	uint32_t index;          /* its position in that heap */
	int pending;             /* the runtime will still fire it (rules above) */
	uint32_t status;         /* Go 1.19–1.22: timer.status; 1.23+: timer.state bits */
	int64_t when;            /* when it fires (nanotime): nextwhen for timerModified*, timer.when 1.23+ */
	int64_t heap_when;       /* 1.23+: heap[i].when (stale while timerModified); before: timer.when */
	int64_t period;          /* > 0: fires every period ns */
	uint64_t seq;
	int is_chan;             /* 1.23+: timer.isChan */
	int is_fake;             /* 1.24+: timer.isFake (a synctest bubble's: when is fake time) */
	uint32_t blocked;        /* 1.23+: goroutines blocked on its channel */
	uint64_t f;              /* timer.f: a *funcval */
	uint64_t fn;             /* its code pointer (run-time), 0 when unreadable */
	const char *func;        /* the callback's name from the pclntab; "" when unknown */
	struct gp_eface arg;
	enum gp_timer_kind kind;
	uint64_t g, goid;        /* SLEEP: the goroutine (g.goid) */
	uint64_t user_fv, user_fn;  /* AFTERFUNC, CONTEXT: the func value given to AfterFunc, its code */
	const char *user_func;   /* ... and its name ("" unknown); NULL for other kinds */
	uint64_t ctx;            /* CONTEXT: the *context.timerCtx, 0 when not found */
	int has_deadline;        /* CONTEXT: timerCtx.deadline decoded */
	int64_t deadline_sec;    /* ... as Unix time (UTC): seconds and nanoseconds */
	int32_t deadline_nsec;
	uint64_t chan;           /* CHAN, TICKER: the *hchan */
	uint64_t pd;             /* NETPOLL: the *pollDesc */
	const char *problem;     /* NULL, or why the classification is incomplete */
};

/* A synctest bubble (Go 1.24+) with timers of its own. */
struct gp_timer_bubble {
	uint64_t addr;           /* the synctestBubble (1.24: synctestGroup) */
	uint64_t id;             /* as goroutine headers print it: bubble.id (1.24: the root's goid) */
	int64_t now;             /* its fake clock (bubble.now) */
	size_t ntimers;          /* entries of its heap */
};

struct gp_timers {
	struct gp_timer *t;      /* heap order per heap: the Ps in s->ps order, then the bubbles; arena */
	size_t n, npending;
	size_t nheaps;           /* P heaps read */
	struct gp_timer_bubble *bubbles;
	size_t nbubbles;
	int impl;                /* 1: Go 1.19–1.22 ([]*timer, status); 2: 1.23+ (timers, state bits); 0 unknown */
	int lazy_chan;           /* idle channel timers are in no heap (1.23+ with asynctimerchan != 1) */
	const char *problem;     /* NULL when every heap was read whole; else the first reason */
	const char *note;        /* NULL, or what exists but is not listed (idle channel timers) */
};

/* Read the timer heaps of the Ps in s, and of every synctest bubble a goroutine of rt is in, into
 * arena a. Only out-of-memory is an error. */
struct gp_err *gp_timers_read(const struct gp_rt *rt, const struct gp_sched *s, struct gp_arena *a,
			      struct gp_timers *out) GP_MUST_USE;

/* "other", "sleep", "afterfunc", "context", "chan", "ticker", "netpoll". */
const char *gp_timer_kind_name(enum gp_timer_kind k);

/* The pending timers grouped by kind, callback and user function (AfterFunc, context), largest
 * group first: count, when range, common period and, for contexts, the deadline range. */
struct gp_timer_group {
	enum gp_timer_kind kind;
	const char *func;        /* the callback */
	const char *user_func;   /* AFTERFUNC, CONTEXT: the function AfterFunc calls; NULL otherwise */
	size_t count;
	int64_t when_min, when_max;
	int64_t period;          /* the period all of them have, -1 when they differ */
	size_t ndeadlines;       /* how many had a decoded deadline */
	int64_t dl_min_sec, dl_max_sec;
	int32_t dl_min_nsec, dl_max_nsec;
};
struct gp_err *gp_timers_group(const struct gp_timers *ts, struct gp_arena *a, struct gp_timer_group **out,
			       size_t *n) GP_MUST_USE;

#endif
