/* test_dump.c — unit tests of the dump parser on crafted lines and streams: the strict line grammar
 * (what is accepted is what the runtime prints, so that re-printing is exact), log prefixes, the
 * line reader's limits and kept bytes, dump boundaries, and the arena reset it relies on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/arena.h"
#include "dump/grammar.h"
#include "dump/logprefix.h"
#include "dump/parser.h"
#include "dump/reader.h"
#include "render/mg_text.h"

static struct gp_sv S(const char *s)
{
	return gp_sv_make(s, strlen(s));
}

static int sveq(struct gp_sv a, const char *s)
{
	return gp_sv_eqs(a, s);
}

static void hex_and_dec_are_canonical(void **state)
{
	(void)state;
	uint64_t v;
	assert_true(gp_dg_hex(S("0x0"), &v) && v == 0);
	assert_true(gp_dg_hex(S("0xc000123abc"), &v) && v == 0xc000123abcull);
	assert_true(gp_dg_hex(S("0xffffffffffffffff"), &v) && v == UINT64_MAX);
	assert_false(gp_dg_hex(S("0x01"), &v));                /* leading zero: not printed so */
	assert_false(gp_dg_hex(S("0xABC"), &v));               /* upper case */
	assert_false(gp_dg_hex(S("0x"), &v));
	assert_false(gp_dg_hex(S("0x1ffffffffffffffff"), &v)); /* 17 digits */
	assert_true(gp_dg_dec(S("0"), &v) && v == 0);
	assert_false(gp_dg_dec(S("007"), &v));
	assert_false(gp_dg_dec(S("9223372036854775808"), &v)); /* > INT64_MAX: printed back as int64 */
}

static void headers(void **state)
{
	(void)state;
	struct gp_mg g;
	assert_true(gp_dg_header(S("goroutine 1 [running]:"), &g));
	assert_int_equal(g.kind, GP_MG_GOROUTINE);
	assert_int_equal(g.goid, 1);
	assert_true(sveq(g.status, "running") && g.minutes == -1 && !g.locked && g.mid.n == 0);

	assert_true(gp_dg_header(S("goroutine 0 gp=0x5b3a80 m=0 mp=0x5b4840 [idle]:"), &g));
	assert_int_equal(g.kind, GP_MG_G0);
	assert_true(sveq(g.mid, " gp=0x5b3a80 m=0 mp=0x5b4840"));

	assert_true(gp_dg_header(S("goroutine 7 [chan receive (scan), 12 minutes, locked to thread]:"), &g));
	assert_true(sveq(g.status, "chan receive") && g.scan && g.minutes == 12 && g.locked);

	assert_true(gp_dg_header(S("goroutine 9 [sleep (durable), synctest bubble 3]:"), &g));
	assert_true(sveq(g.status, "sleep") && g.durable && g.minutes == -1);

	/* Go 1.26 labels inside the brackets, 1.27 after them */
	assert_true(gp_dg_header(S("goroutine 5 [select labels:{\"k\":\"v]\"}]:"), &g));
	assert_true(sveq(g.status, "select") && sveq(g.labels, "labels:{\"k\":\"v]\"}"));
	assert_true(gp_dg_header(S("goroutine 5 [select] {k: v}:"), &g));
	assert_true(sveq(g.status, "select") && sveq(g.after, " {k: v}") && sveq(g.labels, "{k: v}"));

	assert_false(gp_dg_header(S("goroutine 01 [running]:"), &g));
	assert_false(gp_dg_header(S("goroutine 1 [running]"), &g));
	assert_false(gp_dg_header(S("goroutine 1 running:"), &g));
	assert_false(gp_dg_header(S("goroutine 1 xx [running]:"), &g));
}

static void frames(void **state)
{
	(void)state;
	struct gp_mitem it;
	memset(&it, 0, sizeof(it));
	assert_true(gp_dg_funcline(S("main.(*T).M[...](0x1, {0xc0000a0000?, 0x3})"), &it));
	assert_true(sveq(it.func, "main.(*T).M[...]") && sveq(it.args, "0x1, {0xc0000a0000?, 0x3}"));
	assert_false(gp_dg_funcline(S("\tmain.f()"), &it));
	assert_false(gp_dg_funcline(S("f(a)b)"), &it));

	assert_true(gp_dg_fileline(S("\t/a b/c:d.go:12 +0x1d fp=0xc000 sp=0xbff8 pc=0x480bfd"), &it));
	assert_true(sveq(it.file, "/a b/c:d.go") && it.line == 12 && it.has_off && it.off == 0x1d);
	assert_true(it.has_fpsp && it.fp == 0xc000 && it.sp == 0xbff8 && it.pc == 0x480bfd);
	assert_true(gp_dg_fileline(S("\t/src/main.go:20"), &it));
	assert_true(sveq(it.file, "/src/main.go") && it.line == 20 && !it.has_off && !it.has_fpsp);
	assert_false(gp_dg_fileline(S("\t/src/main.go:20 +0x0"), &it)); /* the runtime prints no +0x0 */
	assert_false(gp_dg_fileline(S("\t/src/main.go:020"), &it));
	assert_false(gp_dg_fileline(S("\t:20"), &it));
	assert_false(gp_dg_fileline(S("\t/src/main.go:99999999999"), &it)); /* not an int32 */

	assert_true(gp_dg_createdby(S("created by main.main in goroutine 1"), &it) && it.n == 1 &&
		    sveq(it.func, "main.main"));
	assert_true(gp_dg_createdby(S("created by main.main"), &it) && it.n == 0);
	assert_true(gp_dg_elided(S("...7 frames elided..."), &it) && it.n == 7);
	assert_true(gp_dg_elided(S("...additional frames elided..."), &it) && it.n == 0);
	assert_true(gp_dg_ancestor(S("[originating from goroutine 42]:"), &it) && it.n == 42);

	assert_true(gp_dg_pprof_frame(S("#\t0x4df47b\tmain.recvWorker+0x1b\t/x/main.go:29"), &it));
	assert_true(it.pc == 0x4df47b && sveq(it.func, "main.recvWorker") && it.off == 0x1b && it.line == 29);
	struct gp_mg g;
	assert_true(gp_dg_pprof_record(S("20 @ 0x47f3ae 0x4158ee"), &g) && g.count == 20);
	assert_false(gp_dg_pprof_record(S("20 @ 0x47f3ae  0x4158ee"), &g));
}

static void classify(void **state)
{
	(void)state;
	assert_int_equal(gp_dg_classify(S("panic: boom [recovered]")), GP_DL_PANIC);
	assert_int_equal(gp_dg_classify(S("\tpanic: again")), GP_DL_PANIC);
	assert_int_equal(gp_dg_classify(S("fatal error: all goroutines are asleep - deadlock!")), GP_DL_FATAL);
	assert_int_equal(gp_dg_classify(S("[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x1]")),
			 GP_DL_SIGNAL);
	assert_int_equal(gp_dg_classify(S("SIGQUIT: quit")), GP_DL_SIGHDR);
	assert_int_equal(gp_dg_classify(S("PC=0x483561 m=0 sigcode=0")), GP_DL_PCLINE);
	assert_int_equal(gp_dg_classify(S("rflags 0x246")), GP_DL_REG);
	assert_int_equal(gp_dg_classify(S("-----")), GP_DL_SEPARATOR);
	assert_int_equal(gp_dg_classify(S("0x000000c000040f00:  0x0000000000000000")), GP_DL_RUNTIME);
	assert_int_equal(gp_dg_classify(S("{\"level\":\"info\"}")), GP_DL_TEXT);
}

static void log_prefixes(void **state)
{
	(void)state;
	struct gp_logprefix lp;
	const char *p = "2026-11-22T03:04:05.123Z stderr F goroutine 1 [running]:";
	assert_true(gp_logprefix_learn(&lp, p, strlen("2026-11-22T03:04:05.123Z stderr F ")));
	assert_int_equal(gp_logprefix_match(&lp, S("2026-11-22T03:04:59.98765Z stderr F main.f()")), 36);
	assert_int_equal(gp_logprefix_match(&lp, S("2026-11-22T03:04:59.98765Z stdout F main.f()")), 0);
	assert_int_equal(gp_logprefix_match(&lp, S("main.f()")), 0);
	char big[GP_LOGPREFIX_MAX + 2];
	memset(big, 'x', sizeof(big));
	assert_false(gp_logprefix_learn(&lp, big, sizeof(big)));
	assert_int_equal(lp.n, 0);
}

/* A memfd with the given bytes, at offset 0. */
static int memfd(const char *data, size_t n)
{
	int fd = memfd_create("t", 0);
	assert_true(fd >= 0);
	for (size_t off = 0; off < n;) {
		ssize_t w = write(fd, data + off, n - off);
		assert_true(w > 0);
		off += (size_t)w;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* map: through a mapping of the (regular) file, else through the buffer */
static void reader_limits_mode(int map)
{
	/* one line longer than the limit, then a final line without newline */
	size_t n = GP_LR_MAX_LINE + 100 + 1 + 3;
	char *data = malloc(n);
	memset(data, 'a', GP_LR_MAX_LINE + 100);
	data[GP_LR_MAX_LINE + 100] = '\n';
	memcpy(data + GP_LR_MAX_LINE + 101, "end", 3);
	int fd = memfd(data, n);
	struct gp_lreader r;
	assert_null(gp_lr_init(&r, fd, "t", map));
	assert_true(map ? r.map != NULL : r.map == NULL);
	struct gp_sv l;
	int more;
	ptrdiff_t moved;
	assert_null(gp_lr_next(&r, &l, &more, &moved));
	assert_true(more && l.n == GP_LR_MAX_LINE);
	gp_lr_keep(&r, l.p); /* keep it: the next refill must move it and say by how much */
	char first = l.p[0];
	assert_null(gp_lr_next(&r, &l, &more, &moved));
	assert_true(more && l.n == 100);
	assert_int_equal(r.long_lines, 1);
	assert_int_equal(gp_lr_kept(&r), GP_LR_MAX_LINE + 101);
	assert_int_equal(first, 'a');
	gp_lr_keep(&r, NULL);
	assert_null(gp_lr_next(&r, &l, &more, &moved));
	assert_true(more && sveq(l, "end"));
	assert_null(gp_lr_next(&r, &l, &more, &moved));
	assert_false(more);
	gp_lr_deinit(&r);
	close(fd);
	free(data);
}

static void reader_limits(void **state)
{
	(void)state;
	reader_limits_mode(0);
	reader_limits_mode(1);
}

/* A sink that counts and re-emits. */
struct collect {
	int begins, ends, goroutines, raw, cut;
	uint64_t goids[16];
	struct gp_tout *out;
};
static void c_begin(void *ctx, const struct gp_dump_info *d)
{
	(void)d;
	((struct collect *)ctx)->begins++;
}
static void c_end(void *ctx, const struct gp_dump_info *d)
{
	struct collect *c = ctx;
	c->ends++;
	c->raw += (int)d->raw_lines;
	c->cut += (int)d->cut_blocks;
}
static void c_goroutine(void *ctx, const struct gp_mg *g)
{
	struct collect *c = ctx;
	if (c->goroutines < 16)
		c->goids[c->goroutines] = g->goid;
	c->goroutines++;
}

static void c_emit(void *ctx, const struct gp_mg *g)
{
	gp_mg_text(((struct collect *)ctx)->out, g);
}

static struct collect parse(const char *text)
{
	struct collect c;
	memset(&c, 0, sizeof(c));
	int fd = memfd(text, strlen(text));
	struct gp_dump_sink sink = {&c, c_begin, NULL, c_goroutine, c_end};
	struct gp_dump_stats st;
	assert_null(gp_dump_parse_fd(fd, "t", &sink, &st));
	close(fd);
	return c;
}

static void dump_boundaries(void **state)
{
	(void)state;
	/* garbage only */
	struct collect c = parse("hello\nworld\n\x01\x02\n");
	assert_int_equal(c.begins, 0);
	/* a dump after log lines, and a log line right after its last block ends it */
	c = parse("INFO start\npanic: x\n\ngoroutine 1 [running]:\nmain.main()\n\t/m.go:3 +0x1\n"
		  "{\"level\":\"info\"}\nINFO again\n");
	assert_int_equal(c.begins, 1);
	assert_int_equal(c.goroutines, 1);
	assert_int_equal(c.raw, 0);
	/* an unknown line followed by a frame stays in the block, as a raw line */
	c = parse("goroutine 1 [running]:\nsomething odd\nmain.main()\n\t/m.go:3 +0x1\n");
	assert_int_equal(c.raw, 1);
	assert_int_equal(c.goroutines, 1);
	/* two reports in one file: a new panic without "-----" starts a new dump */
	c = parse("panic: a\n\ngoroutine 1 [running]:\nmain.main()\n\t/m.go:3 +0x1\n\n"
		  "panic: b\n\ngoroutine 1 [running]:\nmain.main()\n\t/m.go:3 +0x1\n");
	assert_int_equal(c.begins, 2);
	assert_int_equal(c.goroutines, 2);
	/* the other Ms' sections of a crash dump belong to it */
	c = parse("SIGQUIT: quit\nPC=0x1 m=0 sigcode=0\n\ngoroutine 2 [select]:\nmain.f()\n\t/m.go:3 +0x1\n\n"
		  "rax    0x0\n\n-----\n\nSIGQUIT: quit\nPC=0x2 m=1 sigcode=0\n\ngoroutine 0 [idle]:\nruntime.futex()\n"
		  "\t/r.s:1 +0x1\n");
	assert_int_equal(c.begins, 1);
	assert_int_equal(c.goroutines, 2);
	assert_int_equal(c.goids[1], 0);
	/* timestamps in front of every line */
	c = parse("2026-01-01T00:00:01Z panic: x\n2026-01-01T00:00:01Z \n2026-01-01T00:00:02Z goroutine 3 [running]:\n"
		  "2026-01-01T00:00:02Z main.main()\n2026-01-01T00:00:10Z \t/m.go:3 +0x1\n");
	assert_int_equal(c.begins, 1);
	assert_int_equal(c.goids[0], 3);
	assert_int_equal(c.raw, 0);
}

/* pre + block parsed: the goroutine of block, re-printed, is block. */
static void roundtrip_one(const char *pre, const char *block)
{
	char text[4096];
	snprintf(text, sizeof(text), "%s%s", pre, block);
	int fd = memfd(text, strlen(text));
	struct gp_tout *out = malloc(sizeof(*out));
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	gp_tout_init(out, pfd[1]);
	struct collect c;
	memset(&c, 0, sizeof(c));
	c.out = out;
	struct gp_dump_sink sink = {&c, c_begin, NULL, c_emit, c_end};
	struct gp_dump_stats st;
	assert_null(gp_dump_parse_fd(fd, "t", &sink, &st));
	gp_tout_flush(out);
	close(pfd[1]);
	char buf[4096];
	ssize_t n = read(pfd[0], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, block);
	close(pfd[0]);
	close(fd);
	free(out);
}

static void last_block_survives_the_final_refill(void **state)
{
	(void)state;
	/* the block is kept while the reader refills at the end of input: its views must move with it */
	roundtrip_one("panic: x\n\n", "goroutine 1 [running]:\nmain.main()\n\t/m.go:3 +0x1\n");
	roundtrip_one("SIGQUIT: quit\nPC=0x1 m=0 sigcode=0\n\n", "goroutine 123456 gp=0xc000006000 m=0 mp=0x5b4840 [chan receive, 3 minutes]:\n"
		      "main.(*T).f(...)\n\t/a/b.go:7\nmain.main()\n\t/a/b.go:9 +0x2a fp=0x10 sp=0x8 pc=0x40\n"
		      "...2 frames elided...\ncreated by main.g in goroutine 1\n\t/a/b.go:1 +0x5\n");
}

static void huge_block_is_cut(void **state)
{
	(void)state;
	/* a block of more than 8 MiB: delivered cut, the rest dropped, memory bounded */
	size_t frames = 400000;
	const char *fr = "main.f()\n\t/m.go:3 +0x1\n";
	size_t n = 64 + frames * strlen(fr) + 64;
	char *text = malloc(n);
	size_t k = (size_t)sprintf(text, "goroutine 1 [running]:\n");
	for (size_t i = 0; i < frames; i++)
		k += (size_t)sprintf(text + k, "%s", fr);
	k += (size_t)sprintf(text + k, "\ngoroutine 2 [select]:\nmain.g()\n\t/m.go:4 +0x1\n");
	struct collect c = parse(text);
	assert_int_equal(c.goroutines, 2);
	assert_int_equal(c.goids[1], 2);
	assert_int_equal(c.cut, 1);
	free(text);
}

static void arena_reset_keeps_one_chunk(void **state)
{
	(void)state;
	struct gp_arena a;
	gp_arena_init(&a);
	for (int i = 0; i < 100; i++)
		assert_non_null(gp_arena_alloc(&a, 100000, 8));
	size_t total = a.total;
	gp_arena_reset(&a);
	size_t kept = a.total; /* the newest (largest) chunk only */
	assert_true(kept > 0 && kept < total);
	char *p = gp_arena_alloc(&a, 16, 8);
	assert_ptr_equal(p + 16, a.cur); /* from the kept chunk: nothing new obtained */
	assert_int_equal(a.total, kept);
	gp_arena_deinit(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hex_and_dec_are_canonical),
		cmocka_unit_test(headers),
		cmocka_unit_test(frames),
		cmocka_unit_test(classify),
		cmocka_unit_test(log_prefixes),
		cmocka_unit_test(reader_limits),
		cmocka_unit_test(dump_boundaries),
		cmocka_unit_test(last_block_survives_the_final_refill),
		cmocka_unit_test(huge_block_is_cut),
		cmocka_unit_test(arena_reset_keeps_one_chunk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
