/* sudog.h — the runtime's sudog (runtime/runtime2.go): a goroutine's place in a wait list. One
 * sudog per (goroutine, object) pair: a channel's recvq/sendq (waitq.first, then sudog.next), a
 * select's cases (g.waiting, then sudog.waitlink), a semaphore's treap in runtime.semtable (children
 * prev/next, same-address waiters waitlink, the last of them waittail) and a sync.Cond's notifyList
 * (head, then next).
 *
 * From Go 1.26 elem and c are maybeTraceablePtr{vp, vu}: vu (uintptr) is the source of truth, vp
 * only keeps the target alive for the GC and is nil while untracked; the layout's SUDOG_ELEM and
 * SUDOG_C name vu (tools/layoutgen/spec.txt). The walk (gp_sudog_walk) is bounded and detects
 * cycles (Brent) in constant memory, so a corrupt list costs at most its bound.
 */
#ifndef GOPSY_RT_SUDOG_H
#define GOPSY_RT_SUDOG_H

#include <stddef.h>
#include <stdint.h>

#include "rt/goroutine.h"

struct gp_sudog {
	uint64_t addr;
	uint64_t g;         /* *g */
	uint64_t next, prev, parent, waitlink, waittail;
	uint64_t elem;      /* channels: the data element; semaphores: the semaphore's address;
	                     * notifyList (1.26+): the list's address */
	uint64_t c;         /* *hchan (channel operations only) */
	uint32_t ticket;
	int is_select;
};

/* Read the sudog at addr; 0, or -1 when it is not all in the target. */
int gp_sudog_read(const struct gp_rt *rt, uint64_t addr, struct gp_sudog *out);

enum gp_sudog_link { GP_SUDOG_LINK_NEXT, GP_SUDOG_LINK_WAITLINK };

/* Called with each sudog of a list, in order; a non-zero return stops the walk. */
typedef int gp_sudog_fn(void *ctx, const struct gp_sudog *s);

/* Walk the list that starts at first (0: empty) through link, calling fn (may be NULL) for each of
 * at most max sudogs. Returns how many were visited; *problem is NULL when the list ended (nil link)
 * or fn stopped it, else why it was cut: a sudog not in the core, a loop, more than max. */
size_t gp_sudog_walk(const struct gp_rt *rt, uint64_t first, enum gp_sudog_link link, size_t max,
		     gp_sudog_fn *fn, void *ctx, const char **problem);

#endif
