/* tb_text.c — the text sink of the traceback engine: frames in the Go runtime's own format
 * (runtime/traceback.go traceback2, printcreatedby1). */
#include "render/traceback.h"

static void text_frame(void *ctx, const struct gp_tb_frame *f)
{
	FILE *out = ctx;
	fprintf(out, "%s(%s)\n\t%s:%d", f->print_name, f->args, f->file, f->line);
	if (f->print_offset)
		fprintf(out, " +0x%llx", (unsigned long long)(f->pc - f->entry));
	if (f->print_fpsp)
		fprintf(out, " fp=0x%llx sp=0x%llx pc=0x%llx", (unsigned long long)f->fp, (unsigned long long)f->sp,
			(unsigned long long)f->pc);
	fputc('\n', out);
}

static void text_elided(void *ctx, int n)
{
	if (n < 0)
		fputs("...additional frames elided...\n", ctx);
	else
		fprintf(ctx, "...%d frames elided...\n", n);
}

static void text_created_by(void *ctx, const struct gp_tb_created *c)
{
	FILE *out = ctx;
	fprintf(out, "created by %s", c->print_name);
	if (c->goid)
		fprintf(out, " in goroutine %llu", (unsigned long long)c->goid);
	fprintf(out, "\n\t%s:%d", c->file, c->line);
	if (c->pc > c->entry)
		fprintf(out, " +0x%llx", (unsigned long long)(c->pc - c->entry));
	fputc('\n', out);
}

static void text_error(void *ctx, const char *line)
{
	fprintf(ctx, "%s\n", line);
}

void gp_tb_text_sink(struct gp_tb_sink *sink, FILE *out)
{
	sink->ctx = out;
	sink->frame = text_frame;
	sink->elided = text_elided;
	sink->created_by = text_created_by;
	sink->error = text_error;
}
