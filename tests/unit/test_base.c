/* test_base.c — unit tests of the base layer: the arena allocator and the error convention. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/addrmap.h"
#include "base/arena.h"
#include "base/err.h"

static void arena_alignment_and_growth(void **state)
{
	(void)state;
	struct gp_arena a;
	gp_arena_init(&a);
	for (size_t i = 1; i < 5000; i++) {
		size_t align = (size_t)1 << (i % 7);
		unsigned char *p = gp_arena_alloc(&a, i % 300, align);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % align, 0);
		memset(p, 0xab, i % 300);
	}
	/* An oversized request gets its own chunk and does not waste the current one. */
	char *small1 = gp_arena_alloc(&a, 8, 8);
	char *big = gp_arena_alloc(&a, 64 << 20, 16);
	char *small2 = gp_arena_alloc(&a, 8, 8);
	assert_non_null(big);
	assert_ptr_equal(small2, small1 + 8);
	big[(64 << 20) - 1] = 1;
	gp_arena_deinit(&a);
	assert_null(a.head);
}

/* A growable array larger than the chunk size grows without leaving its old copies in the arena
 * (a chunk of its own, remapped or copied then released), keeps its contents, and stays zeroed
 * where calloc'd; a large hash table's old tables are given back the same way. */
static void arena_large_blocks_grow_and_release(void **state)
{
	(void)state;
	struct gp_arena a;
	gp_arena_init(&a);
	char *small = gp_arena_alloc(&a, 100, 8);
	uint64_t *v = NULL;
	size_t n = 0, cap = 0;
	for (uint64_t i = 0; i < (4u << 20); i++) {
		assert_true(gp_arena_grow(&a, (void **)&v, n, &cap, sizeof(*v), 256));
		v[n++] = i * 0x9e3779b97f4a7c15ull;
	}
	for (uint64_t i = 0; i < n; i++)
		if (v[i] != i * 0x9e3779b97f4a7c15ull)
			fail_msg("element %llu lost in a grow", (unsigned long long)i);
	/* 32 MiB in use; doubling with copies left behind would hold 64 MiB. */
	assert_true(a.total < (40u << 20));
	size_t before = a.total;
	gp_arena_release(&a, v);
	assert_true(a.total <= before - (32u << 20));
	gp_arena_release(&a, small); /* shares a chunk: stays */
	memset(small, 1, 100);
	uint32_t *z = GP_NEWN(&a, uint32_t, 3u << 20);
	assert_non_null(z);
	for (size_t i = 0; i < (3u << 20); i += 4093)
		assert_int_equal(z[i], 0);
	assert_int_equal(z[(3u << 20) - 1], 0);

	struct gp_addrmap m;
	gp_addrmap_init(&m);
	size_t before_map = a.total;
	for (uint64_t k = 1; k <= (1u << 20); k++)
		assert_int_equal(gp_addrmap_put(&m, &a, k << 4, (uint32_t)k), 1);
	for (uint64_t k = 1; k <= (1u << 20); k++)
		if (gp_addrmap_get(&m, k << 4) != (int64_t)k)
			fail_msg("key %llu lost in a rehash", (unsigned long long)k);
	assert_int_equal(gp_addrmap_get(&m, 8), -1);
	/* The final table is 24 MiB (2M slots of 12 bytes); the old ones below the chunk size stay
	 * (at most 12 MiB), the larger ones are gone: keeping them all would hold 48 MiB. */
	assert_true(a.total - before_map < (40u << 20));
	gp_arena_deinit(&a);
}

static void arena_calloc_overflow_and_strdup(void **state)
{
	(void)state;
	struct gp_arena a;
	gp_arena_init(&a);
	assert_null(gp_arena_calloc(&a, SIZE_MAX / 2, 4));
	int *z = GP_NEWN(&a, int, 100);
	for (int i = 0; i < 100; i++)
		assert_int_equal(z[i], 0);
	assert_string_equal(gp_arena_strndup(&a, "goroutine 1", 9), "goroutine");
	assert_string_equal(gp_arena_strdup(&a, ""), "");
	assert_non_null(gp_arena_alloc(&a, 0, 1));
	gp_arena_deinit(&a);
}

static void err_format_and_wrap(void **state)
{
	(void)state;
	struct gp_err *e = gp_errorf(GP_ERR_TRUNCATED, "address 0x%x missing", 0x1000);
	assert_int_equal(gp_err_code(e), GP_ERR_TRUNCATED);
	e = gp_err_wrap(e, "reading g %d", 7);
	assert_string_equal(gp_err_msg(e), "reading g 7: address 0x1000 missing");
	gp_err_free(e);
	assert_null(gp_err_wrap(NULL, "x"));
	/* The static out-of-memory error survives wrap and free. */
	assert_ptr_equal(gp_err_wrap(&gp_err_nomem, "x"), &gp_err_nomem);
	gp_err_free(&gp_err_nomem);
	assert_string_equal(gp_err_msg(&gp_err_nomem), "out of memory");
	assert_string_equal(gp_errcode_name(GP_ERR_MISMATCH), "mismatch");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(arena_alignment_and_growth),
		cmocka_unit_test(arena_large_blocks_grow_and_release),
		cmocka_unit_test(arena_calloc_overflow_and_strdup),
		cmocka_unit_test(err_format_and_wrap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
