/* mg_text.c — model goroutines in the runtime's text format (see mg_text.h). */
#include "render/mg_text.h"

#include <string.h>

#include "render/traceback.h"

static void sv(struct gp_tout *o, struct gp_sv s)
{
	tout_mem(o, s.p, s.n);
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

/* A traceback frame of the model as the traceback engine's sink takes it. */
static void tb_frame(const struct gp_mitem *it, struct gp_tb_frame *f)
{
	memset(f, 0, sizeof(*f));
	f->name = f->print_name = it->func.p;
	f->print_name_len = it->func.n;
	f->args = it->args.p;
	f->args_len = it->args.n;
	f->file = it->file.p;
	f->file_len = it->file.n;
	f->line = (int32_t)it->line;
	f->print_offset = it->has_off;
	f->print_fpsp = it->has_fpsp;
	f->fp = it->fp;
	f->sp = it->sp;
	f->pc = it->has_fpsp ? it->pc : it->off; /* the engine prints pc - entry as the offset */
	f->entry = f->pc - (it->has_off ? it->off : 0);
}

void gp_mg_text(struct gp_tout *o, const struct gp_mg *g)
{
	struct gp_tb_sink sink;
	gp_tb_text_sink(&sink, o);
	header(o, g);
	for (size_t i = 0; i < g->n_items; i++) {
		const struct gp_mitem *it = &g->items[i];
		switch (it->kind) {
		case GP_MI_FRAME:
			if (g->kind == GP_MG_PPROF) {
				pprof_frame(o, it);
			} else {
				struct gp_tb_frame f;
				tb_frame(it, &f);
				sink.frame(sink.ctx, &f);
			}
			break;
		case GP_MI_ELIDED:
			sink.elided(sink.ctx, it->n ? (int)it->n : -1);
			break;
		case GP_MI_CREATED_BY: {
			struct gp_tb_created c;
			memset(&c, 0, sizeof(c));
			c.name = c.print_name = it->func.p;
			c.print_name_len = it->func.n;
			c.file = it->file.p;
			c.file_len = it->file.n;
			c.line = (int32_t)it->line;
			c.pc = it->has_off ? it->off : 0;
			c.goid = it->n;
			sink.created_by(sink.ctx, &c);
			break;
		}
		case GP_MI_ANCESTOR:
			sink.ancestor(sink.ctx, it->n);
			break;
		default:
			sv(o, it->func);
			tout_char(o, '\n');
			break;
		}
	}
}
