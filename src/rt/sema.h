/* sema.h — the runtime's semaphore wait queues (runtime/sema.go): runtime.semtable is
 * [semTabSize]struct{root semaRoot; pad [cpu.CacheLinePadSize - sizeof(semaRoot)]byte}, 251 roots of
 * 64 bytes; the semaphore at address a waits in root (a >> 3) % 251 (semTable.rootFor). A root's
 * treap holds one sudog per distinct semaphore address (sudog.elem = the address; children
 * sudog.prev/next, ordered by address; heap-ordered on sudog.ticket); further waiters for the same
 * address hang off that node through sudog.waitlink, in queue order, the last in the node's
 * waittail (semaRoot.queue; lifo waiters take the node's place). semrelease1 wakes the node first,
 * then its waitlink successor. Every sync.Mutex, RWMutex, WaitGroup and runtime semacquire waiter is
 * in this table (sync.Cond is not: notifyList).
 *
 * runtime.semtable is located from .symtab, or in a stripped binary from the code that uses it:
 * the RIP-relative operands common to runtime.semacquire1 and runtime.semrelease1 (both inline
 * semtable.rootFor), each candidate validated against the core: every entry readable, every treap
 * node's parent link consistent, its elem in the bucket of its root, its g a goroutine of allgs.
 *
 * Walks are bounded (a node count limit) and loop-safe: a tree child is followed only when its
 * parent field names the node it was reached from, so no node is visited twice through the tree;
 * waitlink chains use gp_sudog_walk's cycle detection.
 */
#ifndef GOPSY_RT_SEMA_H
#define GOPSY_RT_SEMA_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "rt/goroutine.h"
#include "rt/sudog.h"

struct gp_semtable {
	uint64_t addr;     /* run-time address of runtime.semtable; 0 when not found */
	const char *how;   /* "symbol runtime.semtable" or "code of runtime.semacquire1 and runtime.semrelease1" */
	uint32_t nroots;   /* semTabSize */
	uint32_t stride;   /* bytes per root (cpu.CacheLinePadSize) */
};

/* Whether g is a goroutine (an entry of allgs): the validation of treap nodes. */
typedef int gp_is_g_fn(void *ctx, uint64_t g);

/* Locate runtime.semtable. *problem is NULL when found (out->addr != 0), else why not. Nothing here
 * is an error: a missing table is a reason, not a failure. */
void gp_semtable_find(const struct gp_rt *rt, gp_is_g_fn *is_g, void *gctx, struct gp_arena *a,
		      struct gp_semtable *out, const char **problem);

/* One waiter: its sudog (s->elem the semaphore's address, s->g the goroutine), its root's index and
 * its place among the waiters for that address (0: the treap node, woken first). Non-zero stops. */
typedef int gp_sema_fn(void *ctx, const struct gp_sudog *s, uint32_t root, uint32_t pos);

/* Every waiter of the table, root by root, at most max sudogs. Returns how many were visited;
 * *problem is NULL or why some may be missing (an invalid node and what hangs off it is skipped).
 * Only out-of-memory fails (-1 as the count is never returned: *oom is set instead). */
size_t gp_semtable_walk(const struct gp_rt *rt, const struct gp_semtable *st, size_t max, gp_is_g_fn *is_g,
			void *gctx, gp_sema_fn *fn, void *ctx, struct gp_arena *a, const char **problem, int *oom);

#endif
