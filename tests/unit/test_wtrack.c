/* test_wtrack.c — write tracking (target/wtrack.h) on this test's own memory: the pages it reports
 * changed must be exactly the ones written, dropped (MADV_DONTNEED) or mapped since arming, as the
 * test did them; arming a sparse reservation must cost neither time nor page tables; arming every
 * writable mapping of the test — under ASan that includes the sanitizer's terabytes of shadow —
 * must finish promptly and leave no registration behind. The oracle is what the test itself did to
 * its pages; the kernel's answers are what is checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/arena.h"
#include "target/wtrack.h"

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

enum { PG = 4096 };

static void open_tracker(struct gp_wtrack *w, struct gp_arena *a)
{
	int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0 && errno == EPERM)
		uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	if (uffd < 0)
		fail_msg("userfaultfd: %s", strerror(errno));
	int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	assert_true(pm >= 0);
	struct gp_err *err = gp_wtrack_init(w, uffd, pm, a);
	if (err)
		fail_msg("%s", gp_err_msg(err)); /* this machine's kernel (6.7+) has it: not a skip */
}

struct collect {
	struct gp_range r[64];
	size_t n;
	uint64_t bytes;
};

static int collect(void *ctx, uint64_t lo, uint64_t hi)
{
	struct collect *c = ctx;
	assert_true(lo < hi);
	assert_true(!c->n || c->r[c->n - 1].hi < lo); /* in order, merged */
	if (c->n < 64)
		c->r[c->n++] = (struct gp_range){lo, hi};
	c->bytes += hi - lo;
	return 0;
}

static struct collect changed(const struct gp_wtrack *w, const void *p, size_t len)
{
	struct collect c = {0};
	assert_int_equal(gp_wtrack_changed(w, (uintptr_t)p, (uintptr_t)p + len, collect, &c), 0);
	return c;
}

static void expect_pages(const struct collect *c, const char *base, const size_t *pages, size_t n)
{
	assert_int_equal(c->n, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(c->r[i].lo, (uintptr_t)base + pages[i] * PG);
		assert_int_equal(c->r[i].hi, (uintptr_t)base + (pages[i] + 1) * PG);
	}
}

static long status_kib(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = strtol(line + strlen(key), NULL, 10);
	if (f)
		fclose(f);
	return v;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void tracks_every_change(void **state)
{
	(void)state;
	struct gp_arena a;
	gp_arena_init(&a);
	struct gp_wtrack w;
	open_tracker(&w, &a);
	size_t npages = 8192; /* 32 MiB */
	char *p = mmap(NULL, npages * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	madvise(p, npages * PG, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < npages; i++)
		p[i * PG] = 1;
	assert_null(gp_wtrack_arm(&w, (uintptr_t)p, (uintptr_t)p + npages * PG));
	assert_int_equal(changed(&w, p, npages * PG).n, 0); /* nothing since arming */

	p[3 * PG + 17] = 2;
	p[100 * PG] = 2;
	p[5000 * PG + PG - 1] = 2;
	assert_int_equal(madvise(p + 200 * PG, PG, MADV_DONTNEED), 0); /* zeros, with no write */
	volatile char r = p[300 * PG]; /* a read changes nothing */
	(void)r;
	struct collect c = changed(&w, p, npages * PG);
	expect_pages(&c, p, (size_t[]){3, 100, 200, 5000}, 4);

	/* Protected again: only what happens from now on counts (page 200, a hole now, is protected
	 * as one: its zeros are what it holds until it is written). */
	assert_null(gp_wtrack_rearm(&w));
	assert_int_equal(changed(&w, p, npages * PG).n, 0);
	p[7 * PG] = 3;
	p[200 * PG] = 3;
	assert_int_equal(madvise(p + 9 * PG, PG, MADV_DONTNEED), 0);
	c = changed(&w, p, npages * PG);
	expect_pages(&c, p, (size_t[]){7, 9, 200}, 3);
	/* A subrange asked for alone. */
	c = changed(&w, p + 6 * PG, 3 * PG);
	expect_pages(&c, p, (size_t[]){7}, 1);

	/* Memory mapped after arming is not registered: all of it counts as changed. */
	char *q = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(q != MAP_FAILED);
	q[0] = 1;
	c = changed(&w, q, 16 * PG);
	assert_int_equal(c.bytes, 16 * PG);

	gp_wtrack_fini(&w);
	munmap(p, npages * PG);
	munmap(q, 16 * PG);
	gp_arena_deinit(&a);
}

static void sparse_reservations_cost_nothing(void **state)
{
	(void)state;
	struct gp_arena a;
	gp_arena_init(&a);
	struct gp_wtrack w;
	open_tracker(&w, &a);
	/* 32 GiB reserved (under the limit: registered), three pages of it touched far apart; and
	 * 1 TiB (over it: left untracked). */
	uint64_t big = 32ull << 30, huge = 1ull << 40;
	char *s = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *t = mmap(NULL, huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(s != MAP_FAILED && t != MAP_FAILED);
	madvise(s, big, MADV_NOHUGEPAGE);
	s[0] = s[big / 2] = s[big - 1] = 1;
	t[PG] = 1;
	long pte0 = status_kib("VmPTE:");
	double t0 = now_s();
	assert_null(gp_wtrack_arm(&w, (uintptr_t)s, (uintptr_t)s + big));
	assert_null(gp_wtrack_arm(&w, (uintptr_t)t, (uintptr_t)t + huge));
	assert_null(gp_wtrack_rearm(&w));
	struct collect c = changed(&w, s, big);
	double took = now_s() - t0;
	long pte1 = status_kib("VmPTE:");
	assert_int_equal(w.protected_bytes, 3 * GP_WTRACK_HULL);
	assert_int_equal(w.skipped_bytes, huge);
	assert_true(took < 1.0);
	assert_true(pte1 - pte0 < 64); /* KiB: no page table beyond the touched ones */
	/* Not protected: everything but the three stretches counts as changed. */
	assert_int_equal(c.bytes, big - 3 * GP_WTRACK_HULL);
	s[big / 2 + 5 * PG] = 2; /* inside the middle stretch: now changed */
	c = changed(&w, s + big / 2, GP_WTRACK_HULL);
	expect_pages(&c, s + big / 2, (size_t[]){5}, 1);
	gp_wtrack_fini(&w);
	munmap(s, big);
	munmap(t, huge);
	gp_arena_deinit(&a);
}

/* 1 when any mapping of this process is still registered with a userfaultfd (smaps VmFlags:
 * uw/um/ui — not "uf"). */
static int any_registered(void)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int found = 0;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmFlags:", 8) && (strstr(line, " uw") || strstr(line, " um") || strstr(line, " ui")))
			found = 1;
	if (f)
		fclose(f);
	return found;
}

static void whole_process_promptly(void **state)
{
	(void)state;
	struct gp_arena a;
	gp_arena_init(&a);
	struct gp_wtrack w;
	open_tracker(&w, &a);
	struct gp_range m[512];
	size_t n = 0;
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	while (f && n < 512 && fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi;
		char perms[8];
		if (sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) == 3 && perms[0] == 'r' && perms[1] == 'w' &&
		    perms[3] == 'p')
			m[n++] = (struct gp_range){lo, hi};
	}
	if (f)
		fclose(f);
	long pte0 = status_kib("VmPTE:");
	alarm(30); /* a hang fails the test (SIGALRM) instead of the run */
	double t0 = now_s();
	for (size_t i = 0; i < n; i++)
		assert_null(gp_wtrack_arm(&w, m[i].lo, m[i].hi));
	assert_null(gp_wtrack_rearm(&w));
	struct collect c = {0};
	for (size_t i = 0; i < n; i++)
		assert_int_equal(gp_wtrack_changed(&w, m[i].lo, m[i].hi, collect, &c), 0);
	double took = now_s() - t0;
	alarm(0);
	long pte1 = status_kib("VmPTE:");
	print_message("armed %zu mappings (%zu registered): %.1f MiB protected, %.3f GiB untracked, %.3f s, VmPTE %ld -> %ld KiB\n", n, w.nreg,
		      (double)w.protected_bytes / (1 << 20), (double)w.skipped_bytes / (1 << 30), took, pte0, pte1);
	assert_true(took < 5.0);
	assert_true(pte1 - pte0 < 1024);
	assert_true(any_registered());
	gp_wtrack_fini(&w);
	assert_false(any_registered());
	gp_arena_deinit(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tracks_every_change),
		cmocka_unit_test(sparse_reservations_cost_nothing),
		cmocka_unit_test(whole_process_promptly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
