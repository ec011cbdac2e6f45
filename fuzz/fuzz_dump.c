/* fuzz_dump.c — libFuzzer target for the dump parser (src/dump/) and everything downstream of it: the
 * input is read as a text stream; every dump found is re-emitted in the runtime's format, bucketed,
 * summarised and rendered as text and JSON. Nothing may read outside the input or crash. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "analyze/buckets.h"
#include "analyze/crash.h"
#include "analyze/summary.h"
#include "dump/parser.h"
#include "fuzz_file.h"
#include "render/json.h"
#include "render/mg_text.h"
#include "render/parse_report.h"
#include "render/textout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fctx {
	struct gp_tout *out;
	FILE *null;
	struct gp_arena a;
	struct gp_buckets bs;
	struct gp_crash crash;
	int ok;
};

static void on_begin(void *ctx, const struct gp_dump_info *d)
{
	(void)d;
	struct fctx *c = ctx;
	gp_arena_init(&c->a);
	c->ok = gp_buckets_init(&c->bs, &c->a) == NULL;
	gp_crash_init(&c->crash, &c->a);
}

static void on_line(void *ctx, enum gp_dline_kind kind, struct gp_sv text, uint64_t lineno)
{
	(void)lineno;
	struct fctx *c = ctx;
	tout_mem(c->out, text.p, text.n);
	tout_char(c->out, '\n');
	if (c->ok)
		c->ok = gp_crash_line(&c->crash, kind, text) == NULL;
}

static void on_goroutine(void *ctx, const struct gp_mg *g)
{
	struct fctx *c = ctx;
	gp_mg_text(c->out, g);
	if (c->ok)
		c->ok = gp_buckets_add(&c->bs, g) == NULL && gp_crash_goroutine(&c->crash, g) == NULL;
}

static void on_end(void *ctx, const struct gp_dump_info *d)
{
	struct fctx *c = ctx;
	struct gp_summary sum;
	if (c->ok) {
		gp_buckets_sort(&c->bs);
		if (!gp_summarize(&c->bs, &c->a, &sum)) {
			struct gp_dump_report r = {d, &c->crash, &c->bs, &sum, 3, 3};
			struct gp_json j;
			gp_json_init(&j, c->null, 0);
			gp_report_json(&j, &r);
			gp_report_text(c->null, &r);
		}
	}
	gp_arena_deinit(&c->a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gp_tout *out;
	static FILE *null;
	if (!out) {
		out = malloc(sizeof(*out));
		gp_tout_init(out, open("/dev/null", O_WRONLY));
		null = fopen("/dev/null", "w");
	}
	char path[64];
	int fd = fuzz_file(data, size, path, sizeof(path));
	if (fd < 0)
		return 0;
	lseek(fd, 0, SEEK_SET);
	struct fctx c = {.out = out, .null = null};
	struct gp_dump_sink sink = {&c, on_begin, on_line, on_goroutine, on_end};
	struct gp_dump_stats st;
	gp_err_free(gp_dump_parse_fd(fd, "fuzz input", &sink, &st));
	gp_tout_flush(out);
	close(fd);
	return 0;
}
