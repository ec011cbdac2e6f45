/* tb_text.c — the text sink of the traceback engine: frames in the Go runtime's own format
 * (runtime/traceback.go traceback2, printcreatedby1). */
#include "render/traceback.h"

#include "render/textout.h"

static void text_frame(void *ctx, const struct gp_tb_frame *f)
{
	struct gp_tout *out = ctx;
	tout_str(out, f->print_name);
	tout_char(out, '(');
	tout_str(out, f->args);
	tout_str(out, ")\n\t");
	tout_str(out, f->file);
	tout_char(out, ':');
	tout_dec(out, f->line);
	if (f->print_offset) {
		tout_str(out, " +");
		tout_hex(out, f->pc - f->entry);
	}
	if (f->print_fpsp) {
		tout_str(out, " fp=");
		tout_hex(out, f->fp);
		tout_str(out, " sp=");
		tout_hex(out, f->sp);
		tout_str(out, " pc=");
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
	tout_str(out, "created by ");
	tout_str(out, c->print_name);
	if (c->goid) {
		tout_str(out, " in goroutine ");
		tout_dec(out, (int64_t)c->goid);
	}
	tout_str(out, "\n\t");
	tout_str(out, c->file);
	tout_char(out, ':');
	tout_dec(out, c->line);
	if (c->pc > c->entry) {
		tout_str(out, " +");
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
