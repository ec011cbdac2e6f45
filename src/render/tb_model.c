/* tb_model.c — the model sink (see tb_model.h). */
#include "render/tb_model.h"

#include <string.h>

#include "render/header.h"
#include "rt/clock.h"
#include "rt/synctest.h"

static struct gp_sv copy(struct gp_tb_model *m, const char *s, size_t n)
{
	char *p = gp_arena_strndup(m->scratch, s, n);
	if (!p) {
		m->oom = 1;
		return gp_sv_make("", 0);
	}
	return gp_sv_make(p, n);
}

static struct gp_mitem *item(struct gp_tb_model *m, enum gp_mitem_kind kind)
{
	void *items = m->g.items;
	if (!gp_arena_grow(m->scratch, &items, m->g.n_items, &m->cap, sizeof(struct gp_mitem), 16)) {
		m->oom = 1;
		return NULL;
	}
	m->g.items = items;
	struct gp_mitem *it = &m->g.items[m->g.n_items++];
	memset(it, 0, sizeof(*it));
	it->kind = (uint8_t)kind;
	return it;
}

static void model_frame(void *ctx, const struct gp_tb_frame *f)
{
	struct gp_tb_model *m = ctx;
	struct gp_mitem *it = item(m, GP_MI_FRAME);
	if (!it)
		return;
	it->func = copy(m, f->print_name, f->print_name_len);
	it->args = copy(m, f->args, f->args_len);
	it->file = copy(m, f->file, f->file_len);
	it->line = f->line;
	it->has_off = (uint8_t)f->print_offset;
	it->off = f->pc - f->entry;
	it->has_fpsp = (uint8_t)f->print_fpsp;
	it->fp = f->fp;
	it->sp = f->sp;
	it->pc = f->pc;
}

static void model_elided(void *ctx, int n)
{
	struct gp_mitem *it = item(ctx, GP_MI_ELIDED);
	if (it)
		it->n = n > 0 ? (uint64_t)n : 0;
}

static void model_created_by(void *ctx, const struct gp_tb_created *c)
{
	struct gp_tb_model *m = ctx;
	struct gp_mitem *it = item(m, GP_MI_CREATED_BY);
	if (!it)
		return;
	it->func = copy(m, c->print_name, c->print_name_len);
	it->file = copy(m, c->file, c->file_len);
	it->line = c->line;
	it->has_off = c->pc > c->entry;
	it->off = c->pc - c->entry;
	it->pc = c->pc;
	it->n = c->goid;
}

static void model_error(void *ctx, const char *line)
{
	struct gp_tb_model *m = ctx;
	struct gp_mitem *it = item(m, GP_MI_RAW);
	if (it)
		it->func = copy(m, line, strlen(line));
}

static void model_ancestor(void *ctx, uint64_t goid)
{
	struct gp_mitem *it = item(ctx, GP_MI_ANCESTOR);
	if (it)
		it->n = goid;
}

void gp_tb_model_sink(struct gp_tb_sink *sink, struct gp_tb_model *m)
{
	sink->ctx = m;
	sink->frame = model_frame;
	sink->elided = model_elided;
	sink->created_by = model_created_by;
	sink->error = model_error;
	sink->ancestor = model_ancestor;
}

void gp_tb_model_begin(struct gp_tb_model *m, const struct gp_rt *rt, const struct gp_g *g, int64_t now_ns,
		       int running_elsewhere)
{
	memset(&m->g, 0, sizeof(m->g));
	m->cap = 0;
	m->in_ancestor = 0;
	const struct gp_layout *l = rt->l;
	struct gp_mg *mg = &m->g;
	mg->kind = g->goid ? GP_MG_GOROUTINE : GP_MG_G0;
	mg->goid = g->goid;
	mg->count = 1;
	const char *status = gp_goroutine_status_text(rt, g);
	mg->status = mg->status_raw = gp_sv_make(status, strlen(status));
	mg->minutes = gp_g_wait_minutes(rt, g, now_ns);
	if (mg->minutes < 1)
		mg->minutes = -1;
	mg->locked = g->lockedm != 0;
	int64_t scan = gp_layout_const(l, GP_K_GSTATUS_SCAN), leaked = gp_layout_const(l, GP_K_GSTATUS_LEAKED);
	mg->scan = scan != GP_K_ABSENT && (g->status & (uint32_t)scan);
	mg->leaked = leaked != GP_K_ABSENT && gp_g_status(rt, g) == (uint32_t)leaked;
	mg->durable = (uint8_t)gp_g_durable(rt, g, status);
	/* Go 1.25+ synctest wait reasons end in " (durable)": a flag, as the dump parser reads it */
	size_t n = strlen(status), k = strlen(" (durable)");
	if (n > k && !strcmp(status + n - k, " (durable)")) {
		mg->status.n = n - k;
		mg->durable = 1;
	}
	mg->running_elsewhere = (uint8_t)running_elsewhere;
	if (running_elsewhere) {
		struct gp_mitem *it = item(m, GP_MI_RAW);
		if (it)
			it->func = gp_sv_make("\tgoroutine running on other thread; stack unavailable", 53);
	}
}
