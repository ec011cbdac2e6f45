/* test_gobin.c — opening a whole Go executable (gobin.h) on a crafted stripped binary: build info by
 * magic in the data segment, pclntab by magic, moduledata by scanning; and the errors for files that
 * are not Go programs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/arena.h"
#include "gobin/gobin.h"
#include "pcln_craft.h"

static char path[64];

static void write_img(const unsigned char *img, size_t n)
{
	snprintf(path, sizeof(path), "/tmp/gopsy-test-gobin-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, img, n), (ssize_t)n);
	close(fd);
}

static void stripped_binary_found_by_search(void **state)
{
	(void)state;
	struct pcln_craft *c = malloc(sizeof(*c));
	pcln_craft(c);
	size_t n;
	unsigned char *img = pcln_craft_elf(c, &n);
	write_img(img, n);
	struct gp_arena a;
	gp_arena_init(&a);
	struct gp_gobin *b;
	struct gp_err *err = gp_gobin_open(path, &a, &b);
	assert_null(err);
	assert_string_equal(b->bi.version, CRAFT_GO_VERSION);
	assert_int_equal(b->bi.v.minor, 22);
	assert_int_equal(b->bi.v.patch, 12);
	assert_false(b->bi.found_by_section);
	assert_string_equal(b->bi.path, "crafted");
	assert_string_equal(b->bi.modinfo, "path\tcrafted\nbuild\tCGO_ENABLED=0\n");
	assert_string_equal(gp_buildinfo_setting(&b->bi, "CGO_ENABLED"), "0");
	assert_true(b->supported);
	assert_false(b->has_symtab);
	assert_string_equal(b->pcln.where, "magic search");
	assert_true(b->have_md);
	assert_int_equal(b->md.addr, PCLN_ADDR + 0x8000);
	assert_int_equal(b->md.gofunc, GOFUNC_ADDR);
	struct gp_func f;
	struct gp_inline_frame fr[4];
	assert_int_equal(gp_pclntab_findfunc(&b->pcln, PC_TEXT + 0x50, &f), 0);
	assert_int_equal(gp_pclntab_inline_frames(&b->pcln, &f, PC_TEXT + 0x50, fr, 4), 2);
	assert_string_equal(fr[0].name, "main.inlined");
	gp_gobin_close(b);

	/* Go 1.27 keeps gofunc elsewhere: with this (1.22-shaped) moduledata the scan must not accept it.
	 * Without a text start from anywhere else, opening fails and says why, rather than inventing a
	 * text start or silently dropping inline frames. */
	unsigned char *bi = img + 0x2000 + 0x9000 + 33;
	memcpy(bi, "go1.27.3", 8);
	write_img(img, n);
	err = gp_gobin_open(path, &a, &b);
	assert_non_null(err);
	assert_non_null(strstr(gp_err_msg(err), "does not have the Go 1.27 layout"));
	gp_err_free(err);
	unlink(path);
	gp_arena_deinit(&a);
	free(img);
	free(c);
}

static void not_go_programs(void **state)
{
	(void)state;
	struct gp_arena a;
	gp_arena_init(&a);
	struct gp_gobin *b;
	struct gp_err *err = gp_gobin_open("/bin/sh", &a, &b);
	assert_non_null(err);
	assert_int_equal(gp_err_code(err), GP_ERR_NOT_FOUND);
	assert_non_null(strstr(gp_err_msg(err), "not a Go program"));
	gp_err_free(err);
	err = gp_gobin_open("/etc/hostname", &a, &b);
	assert_int_equal(gp_err_code(err), GP_ERR_FORMAT);
	gp_err_free(err);
	gp_arena_deinit(&a);
}

static void version_strings(void **state)
{
	(void)state;
	struct gp_arena a;
	gp_arena_init(&a);
	struct gp_goversion v;
	assert_null(gp_goversion_parse("go1.26.11", &a, &v));
	assert_int_equal(v.minor, 26);
	assert_int_equal(v.patch, 11);
	assert_null(v.experiments);
	assert_null(gp_goversion_parse("devel go1.27-abcdef Tue Jan 1", &a, &v));
	assert_true(v.devel);
	assert_int_equal(v.minor, 27);
	assert_int_equal(v.patch, -1);
	assert_null(gp_goversion_parse("go1.22.1 X:loopvar", &a, &v));
	assert_string_equal(v.experiments, "loopvar");
	assert_null(gp_goversion_parse("go1.26.0-X:nodwarf5", &a, &v));
	assert_string_equal(v.experiments, "nodwarf5");
	assert_null(gp_goversion_parse("go1.21rc2", &a, &v));
	assert_int_equal(v.minor, 21);
	struct gp_err *err = gp_goversion_parse("gccgo", &a, &v);
	assert_int_equal(gp_err_code(err), GP_ERR_FORMAT);
	gp_err_free(err);
	assert_false(gp_go_minor_supported(20));
	assert_false(gp_go_minor_supported(28));
	assert_true(gp_go_minor_supported(19));
	gp_arena_deinit(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stripped_binary_found_by_search),
		cmocka_unit_test(not_go_programs),
		cmocka_unit_test(version_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
