/* mg_text.c — model goroutines in the runtime's text format (see mg_text.h). */
#include "render/mg_text.h"

static void sv(struct gp_tout *o, struct gp_sv s)
{
	tout_mem(o, s.p, s.n);
}

/* "\tfile:line[ +0xoff][ fp=0x.. sp=0x.. pc=0x..]" */
static void fileline(struct gp_tout *o, const struct gp_mitem *it)
{
	tout_char(o, '\t');
	sv(o, it->file);
	tout_char(o, ':');
	tout_dec(o, it->line);
	if (it->has_off) {
		tout_str(o, " +");
		tout_hex(o, it->off);
	}
	if (it->has_fpsp) {
		tout_str(o, " fp=");
		tout_hex(o, it->fp);
		tout_str(o, " sp=");
		tout_hex(o, it->sp);
		tout_str(o, " pc=");
		tout_hex(o, it->pc);
	}
	tout_char(o, '\n');
}

/* runtime/pprof printStackRecord: "#\t0xpc\tfunc+0xoff\tfile:line" */
static void pprof_frame(struct gp_tout *o, const struct gp_mitem *it)
{
	tout_str(o, "#\t");
	tout_hex(o, it->pc);
	tout_char(o, '\t');
	sv(o, it->func);
	tout_char(o, '+');
	tout_hex(o, it->off);
	tout_char(o, '\t');
	sv(o, it->file);
	tout_char(o, ':');
	tout_dec(o, it->line);
	tout_char(o, '\n');
}

static void header(struct gp_tout *o, const struct gp_mg *g)
{
	switch (g->kind) {
	case GP_MG_RUNTIME_STACK:
		tout_str(o, "runtime stack:\n");
		return;
	case GP_MG_PPROF:
		tout_dec(o, (int64_t)g->count);
		tout_str(o, " @");
		sv(o, g->pcs);
		tout_char(o, '\n');
		if (g->pprof_labels.n) {
			sv(o, g->pprof_labels);
			tout_char(o, '\n');
		}
		return;
	default:
		tout_str(o, "goroutine ");
		tout_dec(o, (int64_t)g->goid);
		sv(o, g->mid);
		tout_str(o, " [");
		sv(o, g->status_raw);
		tout_char(o, ']');
		sv(o, g->after);
		tout_str(o, ":\n");
	}
}

void gp_mg_text(struct gp_tout *o, const struct gp_mg *g)
{
	header(o, g);
	for (size_t i = 0; i < g->n_items; i++) {
		const struct gp_mitem *it = &g->items[i];
		switch (it->kind) {
		case GP_MI_FRAME:
			if (g->kind == GP_MG_PPROF) {
				pprof_frame(o, it);
				break;
			}
			sv(o, it->func);
			tout_char(o, '(');
			sv(o, it->args);
			tout_str(o, ")\n");
			fileline(o, it);
			break;
		case GP_MI_ELIDED:
			if (it->n) {
				tout_str(o, "...");
				tout_dec(o, (int64_t)it->n);
				tout_str(o, " frames elided...\n");
			} else {
				tout_str(o, "...additional frames elided...\n");
			}
			break;
		case GP_MI_CREATED_BY:
			tout_str(o, "created by ");
			sv(o, it->func);
			if (it->n) {
				tout_str(o, " in goroutine ");
				tout_dec(o, (int64_t)it->n);
			}
			tout_char(o, '\n');
			fileline(o, it);
			break;
		case GP_MI_ANCESTOR:
			tout_str(o, "[originating from goroutine ");
			tout_dec(o, (int64_t)it->n);
			tout_str(o, "]:\n");
			break;
		default:
			sv(o, it->func);
			tout_char(o, '\n');
			break;
		}
	}
}
