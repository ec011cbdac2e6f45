/* syncobj.h — the object a semaphore belongs to. The runtime queues a semaphore by its address
 * only (runtime/sema.go); which sync object that address is inside follows from the entry point the
 * goroutine went through, which the runtime records as its wait reason (sema.go:
 * internal_sync_runtime_SemacquireMutex -> waitReasonSyncMutexLock, sync_runtime_SemacquireRWMutexR
 * -> waitReasonSyncRWMutexRLock, sync_runtime_SemacquireRWMutex -> waitReasonSyncRWMutexLock,
 * sync_runtime_SemacquireWaitGroup -> waitReasonSyncWaitGroupWait / waitReasonSynctestWaitGroupWait;
 * the rest waitReasonSemacquire), and the enclosing struct's layout gives the offset:
 *   sync.Mutex      sema - offsetof(sync.Mutex, sema)       (mu.sema from 1.24: sync.Mutex{_ noCopy;
 *                   mu internal/sync.Mutex{state, sema}}; 4 in every version)
 *   sync.RWMutex    readerSem - offsetof(readerSem) (RLock), writerSem - offsetof(writerSem) (Lock)
 *   sync.WaitGroup  sema - offsetof(WaitGroup, sema)        (state2 in 1.19; 8 in every version)
 * For "semacquire" — every sync wait in Go 1.19 (sync.runtime_SemacquireMutex had no reason of its
 * own), WaitGroup.Wait before 1.24 — the object is named from the goroutine's frames instead: the
 * first function, inlined ones included, above the semaphore code (gopark, goparkunlock,
 * semacquire1, the *_runtime_Semacquire* entry points): sync.(*Mutex).lockSlow or .Lock (also
 * internal/sync's), sync.(*RWMutex).RLock or .Lock, sync.(*WaitGroup).Wait. Any other acquirer
 * (internal/poll.(*fdMutex).rwlock, runtime.stopTheWorld...) leaves a bare semaphore, named by it.
 */
#ifndef GOPSY_RT_SYNCOBJ_H
#define GOPSY_RT_SYNCOBJ_H

#include <stdint.h>

#include "gobin/pccache.h"
#include "rt/goroutine.h"
#include "rt/waits.h"

struct gp_semobj {
	enum gp_wobj_kind kind;   /* MUTEX, RWMUTEX, WAITGROUP or SEMA */
	uint64_t addr;            /* the enclosing object (SEMA: the semaphore itself) */
	uint32_t dir;             /* RWMUTEX: 0 reader (readerSem), 1 writer (writerSem); else 0 */
	const char *acquirer;     /* from the frames (semacquire only), "" when not looked at or not
	                           * found; a name from the pclntab */
};

/* Name the object of semaphore sema that goroutine g waits on with wait reason waitreason. cache
 * may be NULL; g is only needed (its frames) for "semacquire", and may be NULL otherwise (with
 * "semacquire" and no g the result is a bare semaphore). */
void gp_semobj_name(const struct gp_rt *rt, struct gp_pccache *cache, const struct gp_g *g, uint32_t waitreason,
		    uint64_t sema, struct gp_semobj *out);

/* The semaphore words of an object: for RWMUTEX [0] readerSem and [1] writerSem, else [0] only. */
void gp_semobj_semas(const struct gp_rt *rt, enum gp_wobj_kind kind, uint64_t addr, uint64_t sema[2]);

#endif
