/* prefetch.h — memory hints for walking allgs in order: while goroutine i is printed, the g
 * struct a few entries ahead and the stack top of a nearer one are requested from memory, so that
 * the cache misses of reading a g and the first words of its stack overlap with the printing of
 * earlier goroutines (about 5% of the time of `gopsy goroutines` on 100,000 goroutines). Hints
 * only: nothing outside the core is touched, and no result depends on them. */
#ifndef GOPSY_RT_PREFETCH_H
#define GOPSY_RT_PREFETCH_H

#include <stdint.h>

#include "rt/goroutine.h"

struct gp_prefetch {
	const struct gp_rt *rt;
	const uint64_t *allgs;   /* the allgs array in the mapped core, or NULL (then no hints) */
	uint64_t n;
	int32_t gsize, off_sp, off_syscallsp;
};

void gp_prefetch_init(struct gp_prefetch *pf, const struct gp_rt *rt);

/* Hints for the entries after allgs index i. */
void gp_prefetch_allg(const struct gp_prefetch *pf, uint64_t i);

#endif
