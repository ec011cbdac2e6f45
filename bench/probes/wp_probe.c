/* wp_probe.c — what a copy-on-write snapshot costs against write tracking, on this kernel, for a
 * process of a given resident size: the evidence behind docs/live-snapshot.md.
 *
 * Populates MIB MiB of private anonymous memory (4 KiB pages, no THP, as the Go heap usually is),
 * then, RUNS times, measures (median, ms):
 *   fork      a fork of this process (the kernel copies every page-table entry and takes a
 *             reference on every page: what gopsy's injected clone costs, inside the pause);
 *   arm       userfaultfd asynchronous write-protection of all of it (UFFDIO_WRITEPROTECT; would
 *             run while the process runs, before the pause);
 *   scan      PAGEMAP_SCAN of all of it for the pages written since (after 100 writes; would run
 *             inside the pause, with the threads stopped).
 * Needs Linux 6.7+ (UFFD_FEATURE_WP_ASYNC, PAGEMAP_SCAN) and the right to use userfaultfd.
 * Build and run: cc -O2 -o /tmp/wp_probe bench/probes/wp_probe.c && /tmp/wp_probe 340 5 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../src/target/pagemap_scan.h"

#define PAGEMAP_SCAN GP_PAGEMAP_SCAN
#define PAGE_IS_WRITTEN GP_PAGE_IS_WRITTEN

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return v[n / 2];
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? (size_t)atol(argv[1]) : 340;
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	if (runs < 1 || runs > 100 || !mib)
		return 2;
	size_t sz = mib << 20;
	char *p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return perror("mmap"), 1;
	madvise(p, sz, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < sz; i += 4096)
		p[i] = 1;
	int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	struct uffdio_api api = {.api = UFFD_API, .features = UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED};
	struct uffdio_register reg = {.range = {(uintptr_t)p, sz}, .mode = UFFDIO_REGISTER_MODE_WP};
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api) || ioctl(uffd, UFFDIO_REGISTER, &reg))
		return perror("userfaultfd"), 1;
	int pm = open("/proc/self/pagemap", O_RDONLY);
	double fk[100], arm[100], scan[100];
	long found = 0;
	for (int r = 0; r < runs; r++) {
		double t = now_ms();
		pid_t c = fork();
		if (c == 0)
			_exit(0);
		fk[r] = now_ms() - t;
		waitpid(c, NULL, 0);
		struct uffdio_writeprotect wp = {.range = {(uintptr_t)p, sz}, .mode = UFFDIO_WRITEPROTECT_MODE_WP};
		t = now_ms();
		if (ioctl(uffd, UFFDIO_WRITEPROTECT, &wp))
			return perror("UFFDIO_WRITEPROTECT"), 1;
		arm[r] = now_ms() - t;
		for (int k = 0; k < 100; k++)
			p[(size_t)k * 7 * 4096 % sz] = 2;
		struct gp_pm_region v[256];
		struct gp_pm_scan_arg a = {.size = sizeof(a), .start = (uintptr_t)p, .end = (uintptr_t)p + sz,
					.vec = (uintptr_t)v, .vec_len = 256, .category_mask = PAGE_IS_WRITTEN,
					.return_mask = PAGE_IS_WRITTEN};
		t = now_ms();
		found = ioctl(pm, PAGEMAP_SCAN, &a);
		scan[r] = now_ms() - t;
		if (found < 0)
			return perror("PAGEMAP_SCAN"), 1;
	}
	printf("%zu MiB resident, %d runs (median): fork %.2f ms, arm %.2f ms, scan %.2f ms (%ld written ranges found, 100 written)\n",
	       mib, runs, median(fk, runs), median(arm, runs), median(scan, runs), found);
	return 0;
}
