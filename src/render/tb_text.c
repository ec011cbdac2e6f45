/* tb_text.c — the text sink of the traceback engine: frames in the Go runtime's own format
 * (runtime/traceback.go traceback2, printcreatedby1). */
#include "render/traceback.h"

#include "render/textout.h"

static void text_frame(void *ctx, const struct gp_tb_frame *f)
{
	struct gp_tout *out = ctx;
	tout_mem(out, f->print_name, f->print_name_len);
	tout_char(out, '(');
	tout_mem(out, f->args, f->args_len);
	tout_lit(out, ")\n\t");
	tout_mem(out, f->file, f->file_len);
	tout_char(out, ':');
	tout_dec(out, f->line);
	if (f->print_offset) {
		tout_lit(out, " +");
		tout_hex(out, f->pc - f->entry);
	}
	if (f->print_fpsp) {
		tout_lit(out, " fp=");
		tout_hex(out, f->fp);
		tout_lit(out, " sp=");
		tout_hex(out, f->sp);
		tout_lit(out, " pc=");
		tout_hex(out, f->pc);
	}
	tout_char(out, '\n');
}

static void text_elided(void *ctx, int n)
{
	if (n < 0) {
		tout_str(ctx, "...additional frames elided...\n");
	} else {
		tout_str(ctx, "...");
		tout_dec(ctx, n);
		tout_str(ctx, " frames elided...\n");
	}
}

static void text_created_by(void *ctx, const struct gp_tb_created *c)
{
	struct gp_tout *out = ctx;
	tout_lit(out, "created by ");
	tout_mem(out, c->print_name, c->print_name_len);
	if (c->goid) {
		tout_lit(out, " in goroutine ");
		tout_dec(out, (int64_t)c->goid);
	}
	tout_lit(out, "\n\t");
	tout_mem(out, c->file, c->file_len);
	tout_char(out, ':');
	tout_dec(out, c->line);
	if (c->pc > c->entry) {
		tout_lit(out, " +");
		tout_hex(out, c->pc - c->entry);
	}
	tout_char(out, '\n');
}

static void text_error(void *ctx, const char *line)
{
	tout_str(ctx, line);
	tout_char(ctx, '\n');
}

static void text_ancestor(void *ctx, uint64_t goid)
{
	tout_str(ctx, "[originating from goroutine ");
	tout_dec(ctx, (int64_t)goid);
	tout_str(ctx, "]:\n");
}

void gp_tb_text_sink(struct gp_tb_sink *sink, struct gp_tout *out)
{
	sink->ctx = out;
	sink->frame = text_frame;
	sink->elided = text_elided;
	sink->created_by = text_created_by;
	sink->error = text_error;
	sink->ancestor = text_ancestor;
}
