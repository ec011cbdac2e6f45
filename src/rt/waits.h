/* waits.h — what each blocked goroutine waits on, as the runtime itself links it: the objects
 * (channels, sync.Mutex/RWMutex/WaitGroup and bare semaphores, sync.Cond, network pollers) with
 * their state and the goroutines queued on them, and per goroutine its object(s). The "what is
 * stuck" section of `gopsy report` groups goroutines by these objects.
 *
 * Per wait reason (g.waitreason of a _Gwaiting goroutine; _Gleaked too, Go 1.26+):
 *   chan send / chan receive (and their synctest variants), select:
 *       g.waiting -> sudog list through sudog.waitlink (chansend/chanrecv park with one sudog,
 *       selectgo with one per case in lock order) -> sudog.c -> hchan (rt/chan.h). Each channel's
 *       recvq and sendq (waitq.first -> sudog.next) are walked, bounded and loop-safe
 *       (rt/sudog.h): the waiters by direction are the runtime's own queues, and a goroutine's
 *       direction on a select case is the queue its sudog is in.
 *   chan send/receive (nil chan), select (no cases): no object (gopark without a sudog).
 *   sync.Mutex.Lock, sync.RWMutex.RLock/Lock, sync.WaitGroup.Wait, semacquire (and synctest's
 *       WaitGroup wait): the goroutine's sudog in runtime.semtable (rt/sema.h) gives the
 *       semaphore's address; from Go 1.26 g.waiting also points at that sudog (semaRoot.queue sets
 *       it for the leak detector) and the two must agree. The enclosing object is named from the
 *       wait reason (rt/syncobj.h): Mutex = sema - offsetof(sync.Mutex, sema) (internal/sync.Mutex
 *       inside sync.Mutex from 1.24), RWMutex = readerSem/writerSem - their offsets, WaitGroup =
 *       sema - offsetof(WaitGroup, sema) (state2 in 1.19); for the reason "semacquire" (every sync
 *       wait in 1.19, WaitGroup.Wait before 1.24) from the goroutine's frames: the first function
 *       above the semaphore code (sync.(*Mutex).lockSlow, sync.(*RWMutex).RLock, ...). Anything
 *       else is a bare semaphore, with the function that acquired it.
 *   sync.Cond.Wait: the notifyList the goroutine's sudog is on (rt/notifylist.h): Go 1.26+ through
 *       g.waiting (sudog.elem = the list), before through the Cond pointer its frames keep on its
 *       stack, believed only when that list holds the goroutine's own sudog.
 *   IO wait: the pollDesc whose rg or wg holds the goroutine (rt/netpoll.h), found through the
 *       pointer netpollblock/poll_runtime_pollWait keep on the stack, believed only when
 *       pd.rg/wg == g and pd.self == pd; gives the fd.
 *   sleep: classified only (the timers reader owns time.Sleep).
 *   any other reason: classified only.
 *
 * Nothing here fails but out-of-memory: what cannot be read is a problem string on the goroutine,
 * the object or the whole result. Cost is linear in goroutines plus queued sudogs (one pass over
 * allgs, each channel's queues once, the semaphore table once); stack scans only for Cond and IO
 * waits, stopping at the first validated match.
 */
#ifndef GOPSY_RT_WAITS_H
#define GOPSY_RT_WAITS_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "gobin/pccache.h"
#include "rt/goroutine.h"
#include "rt/value.h"

/* What a blocked goroutine waits for, from its wait reason. */
enum gp_wait_class {
	GP_WAIT_CHAN,            /* chan send / chan receive */
	GP_WAIT_SELECT,          /* select */
	GP_WAIT_NIL_CHAN,        /* chan send/receive (nil chan): no object */
	GP_WAIT_SELECT_NO_CASES, /* select (no cases): no object */
	GP_WAIT_SEMA,            /* sync.Mutex / RWMutex / WaitGroup, semacquire */
	GP_WAIT_COND,            /* sync.Cond.Wait */
	GP_WAIT_IO,              /* IO wait */
	GP_WAIT_SLEEP,           /* sleep (timers reader) */
	GP_WAIT_OTHER,           /* another wait reason: no object */
};

enum gp_wobj_kind {
	GP_WOBJ_CHAN,            /* addr = *hchan */
	GP_WOBJ_MUTEX,           /* addr = &sync.Mutex (or an internal/sync.Mutex, an RWMutex's w) */
	GP_WOBJ_RWMUTEX,         /* addr = &sync.RWMutex; dir 0 readers (readerSem), 1 writers (writerSem) */
	GP_WOBJ_WAITGROUP,       /* addr = &sync.WaitGroup */
	GP_WOBJ_SEMA,            /* addr = the semaphore (a uint32) of no known enclosing type */
	GP_WOBJ_COND,            /* addr = *sync.Cond (its notifyList - offsetof(Cond, notify)) */
	GP_WOBJ_POLLDESC,        /* addr = *runtime.pollDesc; dir 0 read (rg), 1 write (wg) */
};

/* Directions: channels 0 receive, 1 send; RWMutex 0 readers, 1 writers; pollDesc 0 read, 1 write;
 * the other kinds have one (0). */
enum { GP_WDIRS = 2 };

struct gp_wqueue {
	uint64_t *goids;          /* in the runtime's queue order (the next to be woken first) */
	size_t n;
};

struct gp_wobj {
	enum gp_wobj_kind kind;
	uint64_t addr;
	uint64_t sema[GP_WDIRS];  /* semaphore kinds: the semaphore word(s) the queue is on (0: none) */
	/* channels */
	struct gp_type elem;      /* element type (name "" when unreadable) */
	uint64_t cap, len;        /* dataqsiz, qcount */
	int closed, timer;        /* closed != 0; fed by a runtime timer (time.NewTimer, After, Tick) */
	/* sync.Cond */
	uint64_t notify_list;
	uint32_t ticket_wait, ticket_notify; /* notifyList.wait / notify: next ticket / next to notify */
	/* pollDesc */
	int64_t fd;
	int closing;
	/* semaphores: the function above the semaphore code of the first waiter ("" if unknown) */
	const char *acquirer;
	/* the goroutines queued on it, by direction, from the object's own queue */
	struct gp_wqueue q[GP_WDIRS];
	const char *problem;      /* NULL, or why its state or queue may be incomplete */
};

struct gp_wlink {
	uint32_t obj;             /* index into gp_waits.objs */
	uint32_t dir;
};

/* One blocked goroutine. */
struct gp_wg {
	uint64_t g, goid;
	uint32_t status;          /* without the scan bit */
	uint32_t waitreason;
	enum gp_wait_class cls;
	uint32_t link0, nlinks;   /* its objects: gp_waits.links[link0 .. link0 + nlinks) (a select: one
	                           * per channel case) */
	const char *problem;      /* NULL, or why (some of) its object(s) were not located */
};

struct gp_waits {
	struct gp_wobj *objs;
	size_t nobjs;
	struct gp_wg *gs;         /* the blocked goroutines, in allgs order */
	size_t ngs;
	struct gp_wlink *links;
	size_t nlinks;
	uint64_t semtable;        /* run-time address of runtime.semtable, 0 if not found */
	const char *semtable_how;
	const char *problem;      /* NULL, or what could not be read for the whole process (allgs cut,
	                           * semtable not found while goroutines wait on semaphores) */
};

/* Read the waits of every goroutine in rt's allgs into arena a. cache may be NULL (frames are then
 * decoded without memoization; only "semacquire" waits need frames). Only out-of-memory fails. */
struct gp_err *gp_waits_read(const struct gp_rt *rt, struct gp_pccache *cache, struct gp_arena *a,
			     struct gp_waits *out) GP_MUST_USE;

/* "chan", "select", "nil chan", "select (no cases)", "semaphore", "cond", "io", "sleep", "other". */
const char *gp_wait_class_name(enum gp_wait_class c);
/* "chan", "sync.Mutex", "sync.RWMutex", "sync.WaitGroup", "semaphore", "sync.Cond", "pollDesc". */
const char *gp_wobj_kind_name(enum gp_wobj_kind k);
/* "recv"/"send", "readers"/"writers", "read"/"write", "lock", "wait", "acquire"; NULL for a
 * direction the kind does not have. */
const char *gp_wobj_dir_name(enum gp_wobj_kind k, uint32_t dir);

#endif
