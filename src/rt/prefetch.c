/* prefetch.c — prefetching goroutines ahead of an allgs walk (see prefetch.h). */
#include "rt/prefetch.h"

#include <string.h>

enum { G_AHEAD = 8, STACK_AHEAD = 4 };

void gp_prefetch_init(struct gp_prefetch *pf, const struct gp_rt *rt)
{
	memset(pf, 0, sizeof(*pf));
	pf->rt = rt;
	pf->n = rt->allgs.s.len;
	pf->gsize = gp_lsize(rt->l, GP_L_SIZEOF_G);
	pf->off_sp = gp_loff(rt->l, GP_L_G_SCHED_SP);
	pf->off_syscallsp = gp_loff(rt->l, GP_L_G_SYSCALLSP);
	/* Prefetching warms a mapped core's pages; on a backend that copies, it would only pin copies. */
	if (rt->t->zero_copy && pf->n && pf->n < (1ull << 40) && pf->gsize > 0 && pf->off_sp >= 0 && pf->off_syscallsp >= 0)
		pf->allgs = gp_target_ptr(rt->t, rt->allgs.s.ptr, pf->n * 8);
}

void gp_prefetch_allg(const struct gp_prefetch *pf, uint64_t i)
{
	if (!pf->allgs)
		return;
	if (i + G_AHEAD < pf->n) {
		const char *g = gp_target_ptr(pf->rt->t, pf->allgs[i + G_AHEAD], (size_t)pf->gsize);
		for (int32_t off = 0; g && off < pf->gsize; off += 64)
			__builtin_prefetch(g + off);
	}
	if (i + STACK_AHEAD < pf->n) {
		/* Its g was prefetched G_AHEAD - STACK_AHEAD entries ago. */
		const unsigned char *g = gp_target_ptr(pf->rt->t, pf->allgs[i + STACK_AHEAD], (size_t)pf->gsize);
		if (!g)
			return;
		uint64_t sp, syscallsp;
		memcpy(&sp, g + pf->off_sp, 8);
		memcpy(&syscallsp, g + pf->off_syscallsp, 8);
		const char *s = syscallsp ? gp_target_ptr(pf->rt->t, syscallsp, 128)
					  : sp ? gp_target_ptr(pf->rt->t, sp, 128) : NULL;
		if (s) {
			__builtin_prefetch(s);
			__builtin_prefetch(s + 64);
		}
	}
}
