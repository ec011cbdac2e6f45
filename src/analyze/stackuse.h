/* stackuse.h — how much stack the goroutines use: each goroutine's stack size (g.stack.hi - lo,
 * which the runtime doubles on overflow up to maxstacksize) and the bytes in use at the point it
 * stopped (hi - its saved sp: g.sched.sp, or syscallsp in a system call; unknown for a running
 * goroutine), totals, the largest users, and the goroutines that are close to the limit (their
 * next doubling would exceed maxstacksize).
 */
#ifndef GOPSY_ANALYZE_STACKUSE_H
#define GOPSY_ANALYZE_STACKUSE_H

#include <stdint.h>

#include "rt/goroutine.h"

enum { GP_STACKUSE_TOP = 10 };

struct gp_stackuse_g {
	uint64_t goid, size, used; /* used 0: unknown (running) */
	const char *status;
};

struct gp_stackuse {
	uint64_t goroutines, total_size, total_used;
	uint64_t limit;                  /* maxstacksize (0: not found) */
	const char *limit_how;
	struct gp_stackuse_g top[GP_STACKUSE_TOP]; /* by bytes in use, largest first */
	size_t ntop;
	struct gp_stackuse_g near[GP_STACKUSE_TOP]; /* size * 2 > limit, largest first */
	size_t nnear;
	uint64_t near_count;
	uint64_t size_hist[24];          /* goroutines by stack size: bucket k = 2^(k+10) bytes (k=1: 2 KiB) */
};

void gp_stackuse_init(struct gp_stackuse *u, const struct gp_rt *rt);
void gp_stackuse_add(struct gp_stackuse *u, const struct gp_rt *rt, const struct gp_g *g, const char *status);

#endif
