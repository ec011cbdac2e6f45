/* test_pclntab.c — the pclntab decoder on crafted tables (tests/unit/pcln_craft.h): findfunc edges,
 * pc-value decoding (zig-zag deltas, multi-byte varints, -1 values, end of table, truncation),
 * file/line with unknown values, funcdata absence, inline expansion, and rejected headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gobin/pclntab.h"
#include "pcln_craft.h"

static struct pcln_craft *craft;

static int setup(void **state)
{
	(void)state;
	craft = malloc(sizeof(*craft));
	pcln_craft(craft);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(craft);
	return 0;
}

static void open_crafted(struct gp_pclntab *t)
{
	assert_null(gp_pclntab_parse(&craft->exe, craft->tab.p, craft->tab.n, PCLN_ADDR, t));
	assert_null(gp_pclntab_set_module(t, PC_TEXT, GOFUNC_ADDR));
}

static void findfunc_edges(void **state)
{
	(void)state;
	struct gp_pclntab t;
	struct gp_func f;
	open_crafted(&t);
	assert_int_equal(t.nfunc, 2);
	assert_int_equal(t.func_size, 44);
	assert_int_equal(gp_pclntab_minpc(&t), PC_TEXT);
	assert_int_equal(gp_pclntab_maxpc(&t), PC_TEXT + 0x180);
	assert_int_equal(gp_pclntab_findfunc(&t, PC_TEXT - 1, &f), -1);
	assert_int_equal(gp_pclntab_findfunc(&t, PC_TEXT + 0x180, &f), -1);
	assert_int_equal(gp_pclntab_findfunc(&t, 0, &f), -1);
	assert_int_equal(gp_pclntab_findfunc(&t, PC_TEXT, &f), 0);
	assert_string_equal(gp_pclntab_funcname(&t, &f), "main.outer");
	assert_int_equal(gp_pclntab_findfunc(&t, PC_TEXT + 0xff, &f), 0);
	assert_string_equal(gp_pclntab_funcname(&t, &f), "main.outer");
	assert_int_equal(gp_pclntab_findfunc(&t, PC_TEXT + 0x100, &f), 0);
	assert_string_equal(gp_pclntab_funcname(&t, &f), "main.leaf");
	assert_int_equal(f.entry, PC_TEXT + 0x100);
	assert_int_equal(gp_pclntab_findfunc(&t, PC_TEXT + 0x17f, &f), 0);
	assert_string_equal(gp_pclntab_funcname(&t, &f), "main.leaf");
	assert_string_equal(gp_pclntab_name_at(&t, 0), "go:buildid");
	assert_string_equal(gp_pclntab_name_at(&t, -5), "");
	assert_string_equal(gp_pclntab_name_at(&t, 1 << 30), "");
}

static void pcvalue_and_lines(void **state)
{
	(void)state;
	struct gp_pclntab t;
	struct gp_func f;
	open_crafted(&t);
	assert_int_equal(gp_pclntab_findfunc(&t, PC_TEXT, &f), 0);
	uint64_t next;
	assert_int_equal(gp_pclntab_pcvalue(&t, &f, f.pcsp, PC_TEXT, &next), 0);
	assert_int_equal(next, PC_TEXT + 4);
	assert_int_equal(gp_pclntab_pcvalue(&t, &f, f.pcsp, PC_TEXT + 4, NULL), 0x28);
	assert_int_equal(gp_pclntab_pcvalue(&t, &f, f.pcsp, PC_TEXT + 0xff, NULL), 0x28);
	/* Past the end of the table: -1. No table (offset 0): -1. Offset out of range: -1. */
	assert_int_equal(gp_pclntab_pcvalue(&t, &f, f.pcsp, PC_TEXT + 0x100, NULL), -1);
	assert_int_equal(gp_pclntab_pcvalue(&t, &f, 0, PC_TEXT, NULL), -1);
	assert_int_equal(gp_pclntab_pcvalue(&t, &f, 0x7fffffff, PC_TEXT, NULL), -1);
	const char *file;
	int32_t line;
	gp_pclntab_funcline(&t, &f, PC_TEXT + 0x3f, &file, &line);
	assert_string_equal(file, "/src/a.go");
	assert_int_equal(line, 10);
	gp_pclntab_funcline(&t, &f, PC_TEXT + 0x40, &file, &line);
	assert_string_equal(file, "/src/b.go");
	assert_int_equal(line, 20);
	gp_pclntab_funcline(&t, &f, PC_TEXT + 0x60, &file, &line);
	assert_string_equal(file, "/src/a.go");
	assert_int_equal(line, 11);
	assert_string_equal(gp_pclntab_file(&t, &f, 2), "?"); /* cutab entry 0xffffffff */
	assert_string_equal(gp_pclntab_file(&t, &f, 99), "?");
	assert_string_equal(gp_pclntab_file(&t, &f, -1), "?");
	/* main.leaf: a -1 line value gives "?", 0 like runtime.funcline. */
	assert_int_equal(gp_pclntab_findfunc(&t, PC_TEXT + 0x100, &f), 0);
	gp_pclntab_funcline(&t, &f, PC_TEXT + 0x100, &file, &line);
	assert_string_equal(file, "?");
	assert_int_equal(line, 0);
	gp_pclntab_funcline(&t, &f, PC_TEXT + 0x110, &file, &line);
	assert_string_equal(file, "/src/a.go");
	assert_int_equal(line, 12);
	assert_int_equal(gp_pclntab_funcdata(&t, &f, GP_FUNCDATA_INLTREE), 0);
	assert_int_equal(gp_pclntab_pcdata(&t, &f, GP_PCDATA_INLTREEINDEX, PC_TEXT + 0x110), -1);
}

/* pcvalue on hand-encoded tables: multi-byte varints, large negative deltas, truncation. */
static void pcvalue_encodings(void **state)
{
	(void)state;
	struct gp_pclntab t;
	struct gp_func f;
	open_crafted(&t);
	assert_int_equal(gp_pclntab_findfunc(&t, PC_TEXT, &f), 0);
	/* Rewrite the pctab area of a private copy of the table. */
	unsigned char *copy = malloc(craft->tab.n);
	memcpy(copy, craft->tab.p, craft->tab.n);
	t.base = copy;
	unsigned char *pc = copy + t.pctab_off + 1;
	struct pcln_buf b = {0};
	pb_step(&b, 300000, 0x200);   /* 3-byte varints both ways: value 299999 */
	pb_step(&b, -300000 - 5, 1);  /* back to -6 */
	pb_step(&b, INT32_MIN + 6, 1); /* wraps like Go's int32 arithmetic */
	b.p[b.n++] = 0;
	assert_true(b.n < t.pcln_off - t.pctab_off - 1);
	memcpy(pc, b.p, b.n);
	assert_int_equal(gp_pclntab_pcvalue(&t, &f, 1, PC_TEXT + 0x1ff, NULL), 299999);
	assert_int_equal(gp_pclntab_pcvalue(&t, &f, 1, PC_TEXT + 0x200, NULL), -6);
	assert_int_equal(gp_pclntab_pcvalue(&t, &f, 1, PC_TEXT + 0x201, NULL), INT32_MIN);
	assert_int_equal(gp_pclntab_pcvalue(&t, &f, 1, PC_TEXT + 0x202, NULL), -1);
	/* A varint cut by the end of the table: -1, no read past it. */
	t.pcln_off = t.pctab_off + 2;
	pc[0] = 0x80;
	assert_int_equal(gp_pclntab_pcvalue(&t, &f, 1, PC_TEXT, NULL), -1);
	free(copy);
}

static void inline_expansion(void **state)
{
	(void)state;
	struct gp_pclntab t;
	struct gp_func f;
	struct gp_inline_frame fr[8];
	open_crafted(&t);
	assert_int_equal(gp_pclntab_findfunc(&t, PC_TEXT + 0x50, &f), 0);
	size_t n = gp_pclntab_inline_frames(&t, &f, PC_TEXT + 0x50, fr, 8);
	assert_int_equal(n, 2);
	assert_string_equal(fr[0].name, "main.inlined");
	assert_true(fr[0].inlined);
	assert_string_equal(fr[0].file, "/src/b.go");
	assert_int_equal(fr[0].line, 20);
	assert_string_equal(fr[1].name, "main.outer");
	assert_false(fr[1].inlined);
	assert_int_equal(fr[1].line, 10); /* the position of parentPc (+0x30) */
	assert_int_equal(fr[0].pc, PC_TEXT + 0x50);
	assert_int_equal(fr[1].pc, PC_TEXT + 0x30); /* where Go 1.19 also reads argument liveness */
	assert_int_equal(gp_pclntab_inline_frames(&t, &f, PC_TEXT + 0x60, fr, 8), 1);
	/* Capacity 1: only the physical frame. Unknown gofunc: no expansion. */
	assert_int_equal(gp_pclntab_inline_frames(&t, &f, PC_TEXT + 0x50, fr, 1), 1);
	assert_string_equal(fr[0].name, "main.outer");
	assert_null(gp_pclntab_set_module(&t, PC_TEXT, 0));
	assert_int_equal(gp_pclntab_inline_frames(&t, &f, PC_TEXT + 0x50, fr, 8), 1);
}

static void rejects_bad_headers(void **state)
{
	(void)state;
	struct gp_pclntab t;
	unsigned char *copy = malloc(craft->tab.n);
	struct gp_err *err;
#define TRY(mutate, code)                                                                  \
	do {                                                                               \
		memcpy(copy, craft->tab.p, craft->tab.n);                                  \
		mutate;                                                                    \
		err = gp_pclntab_parse(&craft->exe, copy, craft->tab.n, PCLN_ADDR, &t);    \
		assert_non_null(err);                                                      \
		assert_int_equal(gp_err_code(err), code);                                  \
		gp_err_free(err);                                                          \
	} while (0)
	TRY(copy[0] = 0xfa, GP_ERR_UNSUPPORTED);          /* Go 1.16 magic */
	TRY(copy[0] = 0x12, GP_ERR_FORMAT);               /* not a magic */
	TRY(copy[7] = 4, GP_ERR_UNSUPPORTED);             /* 32-bit */
	TRY(memset(copy + 8, 0xff, 8), GP_ERR_FORMAT);    /* absurd nfunc */
	TRY(memset(copy + 32, 0x7f, 8), GP_ERR_FORMAT);   /* table offsets out of order */
	TRY(memset(copy + 64, 0x7f, 4), GP_ERR_FORMAT);   /* functab past the end */
	uint64_t ftab; /* unsorted functab: entry 1 past entry 2 */
	memcpy(&ftab, craft->tab.p + 64, 8);
	TRY(copy[ftab + 8 + 1] = 0x02, GP_ERR_FORMAT);
	err = gp_pclntab_parse(&craft->exe, craft->tab.p, 40, PCLN_ADDR, &t);
	assert_int_equal(gp_err_code(err), GP_ERR_TRUNCATED);
	gp_err_free(err);
	/* A text start that puts the functions outside the executable segment. */
	assert_null(gp_pclntab_parse(&craft->exe, craft->tab.p, craft->tab.n, PCLN_ADDR, &t));
	err = gp_pclntab_set_module(&t, 0x900000, GOFUNC_ADDR);
	assert_int_equal(gp_err_code(err), GP_ERR_FORMAT);
	gp_err_free(err);
	free(copy);
#undef TRY
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(findfunc_edges),
		cmocka_unit_test(pcvalue_and_lines),
		cmocka_unit_test(pcvalue_encodings),
		cmocka_unit_test(inline_expansion),
		cmocka_unit_test(rejects_bad_headers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
