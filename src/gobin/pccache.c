/* pccache.c — memoized pclntab lookups (see pccache.h). */
#include "gobin/pccache.h"

#include <string.h>

struct gp_err *gp_pccache_init(struct gp_pccache *c, const struct gp_pclntab *t, unsigned bits, struct gp_arena *a)
{
	memset(c, 0, sizeof(*c));
	c->t = t;
	size_t n = (size_t)1 << bits;
	c->frames = GP_NEWN(a, struct gp_pcframe, n);
	c->syms = GP_NEWN(a, struct gp_pcsym, n);
	if (!c->frames || !c->syms)
		return &gp_err_nomem;
	c->mask = n - 1;
	return NULL;
}

static size_t slot(const struct gp_pccache *c, uint64_t pc)
{
	return (size_t)((pc * 0x9e3779b97f4a7c15ull) >> 40) & c->mask;
}

const struct gp_pcframe *gp_pccache_frame(struct gp_pccache *c, uint64_t pc)
{
	struct gp_pcframe *e = &c->frames[slot(c, pc)];
	if (e->pc != pc || pc == 0) {
		c->misses++;
		e->pc = pc;
		e->ok = gp_pclntab_findfunc(c->t, pc, &e->fn) == 0;
		e->spdelta = e->ok ? gp_pclntab_pcvalue(c->t, &e->fn, e->fn.pcsp, pc, NULL) : -1;
	} else {
		c->hits++;
	}
	return e->ok ? e : NULL;
}

const struct gp_pcsym *gp_pccache_sym(struct gp_pccache *c, const struct gp_func *f, uint64_t pc)
{
	struct gp_pcsym *e = &c->syms[slot(c, pc)];
	if (e->pc == pc && pc != 0) {
		c->hits++;
		return e->n <= GP_PCCACHE_INLINE ? e : NULL;
	}
	c->misses++;
	struct gp_inline_frame lf[GP_PCCACHE_INLINE + 1];
	size_t n = gp_pclntab_inline_frames(c->t, f, pc, lf, GP_PCCACHE_INLINE + 1);
	e->pc = pc;
	e->n = n;
	if (n > GP_PCCACHE_INLINE)
		return NULL;
	memcpy(e->lf, lf, n * sizeof(lf[0]));
	e->liveidx = gp_pclntab_pcdata(c->t, f, GP_PCDATA_ARGLIVEINDEX, pc);
	e->liveidx_outer = lf[n - 1].pc == pc ? e->liveidx : gp_pclntab_pcdata(c->t, f, GP_PCDATA_ARGLIVEINDEX, lf[n - 1].pc);
	return e;
}
