/* stackuse.c — goroutine stack use (see stackuse.h). */
#include "analyze/stackuse.h"

#include <string.h>

#include "rt/stacklimit.h"
#include "unwind/gstart.h"

void gp_stackuse_init(struct gp_stackuse *u, const struct gp_rt *rt)
{
	memset(u, 0, sizeof(*u));
	uint64_t size, ceiling;
	if (gp_stacklimit_read(rt, &size, &ceiling, &u->limit_how) == 0)
		u->limit = size < ceiling ? size : ceiling;
}

/* Keep e in the top list (sorted by key, largest first, at most GP_STACKUSE_TOP). */
static void keep(struct gp_stackuse_g *list, size_t *n, const struct gp_stackuse_g *e, int by_size)
{
	uint64_t key = by_size ? e->size : e->used;
	size_t i = *n;
	if (i == GP_STACKUSE_TOP && key <= (by_size ? list[i - 1].size : list[i - 1].used))
		return;
	if (i == GP_STACKUSE_TOP)
		i--;
	while (i > 0 && key > (by_size ? list[i - 1].size : list[i - 1].used)) {
		list[i] = list[i - 1];
		i--;
	}
	list[i] = *e;
	if (*n < GP_STACKUSE_TOP)
		(*n)++;
}

void gp_stackuse_add(struct gp_stackuse *u, const struct gp_rt *rt, const struct gp_g *g, const char *status)
{
	if (g->stack_hi <= g->stack_lo)
		return;
	struct gp_stackuse_g e = {g->goid, g->stack_hi - g->stack_lo, 0, status};
	struct gp_ustart at;
	if (gp_g_unwind_start(rt, g, &at) && at.sp > g->stack_lo && at.sp <= g->stack_hi)
		e.used = g->stack_hi - at.sp;
	u->goroutines++;
	u->total_size += e.size;
	u->total_used += e.used;
	int k = 63 - __builtin_clzll(e.size | 1) - 10;
	u->size_hist[k < 0 ? 0 : k > 23 ? 23 : k]++;
	keep(u->top, &u->ntop, &e, 0);
	if (u->limit && e.size * 2 > u->limit) {
		u->near_count++;
		keep(u->near, &u->nnear, &e, 1);
	}
}
