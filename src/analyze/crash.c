/* crash.c — the crash summary of a dump (see crash.h). */
#include "analyze/crash.h"

#include <string.h>

void gp_crash_init(struct gp_crash *c, struct gp_arena *a)
{
	memset(c, 0, sizeof(*c));
	c->a = a;
	c->sections = 1;
}

static const char *dup(struct gp_crash *c, struct gp_sv s, struct gp_err **err)
{
	const char *d = gp_arena_strndup(c->a, s.p, s.n);
	if (!d)
		*err = &gp_err_nomem;
	return d;
}

static struct gp_err *add_panic(struct gp_crash *c, struct gp_sv l)
{
	struct gp_err *err = NULL;
	struct gp_panic p = {0};
	p.nested = l.p[0] == '\t';
	l = gp_sv_sub(l, p.nested ? 8 : 7, l.n);
	if (gp_sv_ends(l, " [recovered, repanicked]")) {
		p.recovered = p.repanicked = 1;
		l.n -= 24;
	} else if (gp_sv_ends(l, " [recovered]")) {
		p.recovered = 1;
		l.n -= 12;
	}
	p.msg = dup(c, l, &err);
	if (err)
		return err;
	void *panics = c->panics;
	if (!gp_arena_grow(c->a, &panics, c->n_panics, &c->cap_panics, sizeof(*c->panics), 4))
		return &gp_err_nomem;
	c->panics = panics;
	c->panics[c->n_panics++] = p;
	return NULL;
}

struct gp_err *gp_crash_line(struct gp_crash *c, enum gp_dline_kind kind, struct gp_sv l)
{
	struct gp_err *err = NULL;
	switch (kind) {
	case GP_DL_PANIC:
		return add_panic(c, l);
	case GP_DL_FATAL:
		if (!c->fatal)
			c->fatal = dup(c, gp_sv_sub(l, l.p[0] == '\t' ? 14 : 13, l.n), &err);
		break;
	case GP_DL_SIGNAL:
		if (!c->signal)
			c->signal = dup(c, gp_sv_sub(l, 8, l.n - 1), &err);
		break;
	case GP_DL_SIGHDR:
		if (!c->sighdr)
			c->sighdr = dup(c, l, &err);
		break;
	case GP_DL_PCLINE:
		if (!c->pcline)
			c->pcline = dup(c, l, &err);
		break;
	case GP_DL_SEPARATOR:
		c->sections++;
		break;
	case GP_DL_RUNTIME:
		c->runtime_lines++;
		break;
	case GP_DL_TEXT:
		if (!c->first_text && c->have_first == 0)
			c->first_text = dup(c, l, &err);
		break;
	default:
		break;
	}
	return err;
}

struct gp_err *gp_crash_goroutine(struct gp_crash *c, const struct gp_mg *g)
{
	struct gp_err *err = NULL;
	if (c->have_first > 0 || c->sections > 1 || g->kind == GP_MG_PPROF)
		return NULL;
	if (g->kind != GP_MG_GOROUTINE) {
		/* an M stack first: its curg, if any, follows as "running" */
		if (c->have_first == 0)
			c->have_first = -1;
		return NULL;
	}
	if (c->have_first < 0 && !gp_sv_eqs(g->status, "running")) {
		c->have_first = 2; /* no goroutine crashed: an idle M took the signal */
		return NULL;
	}
	c->have_first = 1;
	c->first_goid = g->goid;
	c->first_status = dup(c, g->status, &err);
	return err;
}
