/* test_core.c — the ELF core reader on synthetic cores: notes, memory reads, and what happens with
 * truncated, foreign and garbage files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/arena.h"
#include "target/core.h"
#include "core_craft.h"

static char *write_tmp(const unsigned char *d, size_t n)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/gopsy-test-core-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, d, n), (ssize_t)n);
	close(fd);
	return path;
}

static struct gp_err *open_bytes(const unsigned char *d, size_t n, struct gp_arena *a, struct gp_core **c)
{
	char *path = write_tmp(d, n);
	struct gp_err *err = gp_core_open(path, a, c);
	unlink(path);
	return err;
}

static void reads_notes_and_memory(void **state)
{
	(void)state;
	size_t n;
	unsigned char *img = craft_core(&n);
	struct gp_arena a;
	gp_arena_init(&a);
	struct gp_core *c;
	assert_null(open_bytes(img, n, &a, &c));
	assert_int_equal(c->img.nthreads, 1);
	assert_int_equal(c->img.threads[0].tid, CRAFT_TID);
	assert_int_equal(c->img.threads[0].cursig, CRAFT_SIGNO);
	assert_int_equal(c->img.threads[0].regs[GP_X86_RIP], CRAFT_RIP);
	assert_true(c->img.siginfo.present);
	assert_int_equal(c->img.siginfo.signo, CRAFT_SIGNO);
	assert_int_equal(c->img.siginfo.addr, CRAFT_SIGADDR);
	assert_string_equal(c->img.comm, "service");
	assert_string_equal(gp_image_exe_path(&c->img), CRAFT_EXE);
	assert_int_equal(c->img.truncated_bytes, 0);

	unsigned char buf[16];
	assert_null(gp_core_read(c, CRAFT_LOAD_VADDR + 0x10, buf, sizeof(buf)));
	for (int i = 0; i < 16; i++)
		assert_int_equal(buf[i], 0x10 + i);
	const unsigned char *p = gp_core_ptr(c, CRAFT_LOAD_VADDR + 0xf0, 16);
	assert_non_null(p);
	assert_int_equal(p[0], 0xf0);
	assert_null(gp_core_ptr(c, CRAFT_LOAD_VADDR + 0xf8, 16)); /* runs past the dumped bytes */

	/* Mapped but not dumped (memsz > filesz) vs not mapped at all. */
	struct gp_err *err = gp_core_read(c, CRAFT_LOAD_VADDR + 0x180, buf, 8);
	assert_int_equal(gp_err_code(err), GP_ERR_TRUNCATED);
	assert_non_null(strstr(gp_err_msg(err), "0x10180 was not dumped"));
	gp_err_free(err);
	err = gp_core_read(c, 0x9999000, buf, 8);
	assert_int_equal(gp_err_code(err), GP_ERR_NOT_FOUND);
	gp_err_free(err);
	gp_core_close(c);
	gp_arena_deinit(&a);
	free(img);
}

static void truncated_core_is_partial(void **state)
{
	(void)state;
	size_t n;
	unsigned char *img = craft_core(&n);
	struct gp_arena a;
	gp_arena_init(&a);
	struct gp_core *c;
	/* Cut 0x40 bytes into the load segment: the notes survive, memory past the cut is reported. */
	assert_null(open_bytes(img, n - CRAFT_LOAD_FILESZ + 0x40, &a, &c));
	assert_int_equal(c->img.truncated_bytes, CRAFT_LOAD_FILESZ - 0x40);
	unsigned char buf[8];
	assert_null(gp_core_read(c, CRAFT_LOAD_VADDR + 0x38, buf, 8));
	struct gp_err *err = gp_core_read(c, CRAFT_LOAD_VADDR + 0x3c, buf, 8);
	assert_int_equal(gp_err_code(err), GP_ERR_TRUNCATED);
	assert_non_null(strstr(gp_err_msg(err), "past the end of truncated core"));
	gp_err_free(err);
	gp_core_close(c);

	/* Cut inside the notes: a precise error, not a crash. */
	err = open_bytes(img, 200, &a, &c);
	assert_non_null(err);
	assert_int_equal(gp_err_code(err), GP_ERR_TRUNCATED);
	gp_err_free(err);
	gp_arena_deinit(&a);
	free(img);
}

static void rejects_non_cores(void **state)
{
	(void)state;
	struct gp_arena a;
	gp_arena_init(&a);
	struct gp_core *c;
	size_t n;
	unsigned char *img = craft_core(&n);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;

	eh->e_type = ET_EXEC;
	struct gp_err *err = open_bytes(img, n, &a, &c);
	assert_int_equal(gp_err_code(err), GP_ERR_FORMAT);
	assert_non_null(strstr(gp_err_msg(err), "not a core dump"));
	gp_err_free(err);

	eh->e_type = ET_CORE;
	eh->e_machine = EM_AARCH64;
	err = open_bytes(img, n, &a, &c);
	assert_int_equal(gp_err_code(err), GP_ERR_UNSUPPORTED);
	gp_err_free(err);

	err = open_bytes((const unsigned char *)"goroutine 1 [running]:\n", 23, &a, &c);
	assert_int_equal(gp_err_code(err), GP_ERR_FORMAT);
	gp_err_free(err);

	err = gp_core_open("/nonexistent/core", &a, &c);
	assert_int_equal(gp_err_code(err), GP_ERR_IO);
	gp_err_free(err);
	gp_arena_deinit(&a);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_notes_and_memory),
		cmocka_unit_test(truncated_core_is_partial),
		cmocka_unit_test(rejects_non_cores),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
