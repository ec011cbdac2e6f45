/* wtrack.c — write tracking of a process's pages with userfaultfd asynchronous write-protection and
 * PAGEMAP_SCAN (see wtrack.h). The kernel's rules this relies on are in fs/proc/task_mmu.c
 * (pagemap_scan_*) and mm/userfaultfd.c; the uapi constants in target/pagemap_scan.h. */

#include "target/wtrack.h"

#include "target/pagemap_scan.h"

#include <errno.h>
#include <linux/userfaultfd.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

enum {
	PM_WPALLOWED = GP_PAGE_IS_WPALLOWED,
	PM_WRITTEN = GP_PAGE_IS_WRITTEN,
	PM_PRESENT = GP_PAGE_IS_PRESENT,
	PM_SWAPPED = GP_PAGE_IS_SWAPPED,
	NVEC = 256,
	PROTECT_PIECE = 4 << 20,
};

/* One PAGEMAP_SCAN of [lo, hi) into v; the regions found, *walk_end where it stopped. */
static long scan(int pmfd, uint64_t lo, uint64_t hi, unsigned flags, uint64_t inverted, uint64_t mask,
		 uint64_t anyof, uint64_t ret, struct gp_pm_region *v, uint64_t *walk_end)
{
	struct gp_pm_scan_arg a = {.size = sizeof(a), .flags = flags, .start = lo, .end = hi,
				.vec = (uint64_t)(uintptr_t)v, .vec_len = NVEC, .category_inverted = inverted,
				.category_mask = mask, .category_anyof_mask = anyof, .return_mask = ret};
	long r;
	while ((r = ioctl(pmfd, GP_PAGEMAP_SCAN, &a)) < 0 && errno == EINTR)
		;
	*walk_end = a.walk_end ? a.walk_end : hi;
	return r;
}

static void close_fds(struct gp_wtrack *w)
{
	if (w->uffd >= 0)
		close(w->uffd);
	if (w->pmfd >= 0)
		close(w->pmfd);
	w->uffd = w->pmfd = -1;
}

struct gp_err *gp_wtrack_init(struct gp_wtrack *w, int uffd, int pmfd, struct gp_arena *a)
{
	memset(w, 0, sizeof(*w));
	w->uffd = uffd;
	w->pmfd = pmfd;
	w->a = a;
	struct uffdio_api api = {.api = UFFD_API, .features = UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED};
	if (ioctl(uffd, UFFDIO_API, &api) != 0) {
		int e = errno;
		close_fds(w);
		return gp_errorf(e == EINVAL ? GP_ERR_UNSUPPORTED : GP_ERR_IO,
				 "userfaultfd: asynchronous write-protection %s (%s; Linux 6.7+ has it)",
				 e == EINVAL ? "is not in this kernel" : "refused", strerror(e));
	}
	struct gp_pm_region v[NVEC];
	uint64_t end;
	if (scan(pmfd, 0, 4096, 0, 0, 0, PM_PRESENT, PM_PRESENT, v, &end) < 0) {
		int e = errno;
		close_fds(w);
		return gp_errorf(e == ENOTTY || e == EINVAL ? GP_ERR_UNSUPPORTED : GP_ERR_IO,
				 "/proc/PID/pagemap: PAGEMAP_SCAN %s (%s; Linux 6.7+ has it)",
				 e == ENOTTY || e == EINVAL ? "is not in this kernel" : "failed", strerror(e));
	}
	return NULL;
}

/* Append [lo, hi) to v, merged into its last range when they touch and that one is at or after
 * index floor. */
static int add_range(struct gp_wtrack *w, struct gp_range **v, size_t *n, size_t *cap, size_t floor, uint64_t lo,
		     uint64_t hi)
{
	if (*n > floor && (*v)[*n - 1].hi >= lo) {
		if ((*v)[*n - 1].hi < hi)
			(*v)[*n - 1].hi = hi;
		return 0;
	}
	if (*n == *cap && !gp_arena_grow(w->a, (void **)v, *n, cap, sizeof(**v), 64))
		return -1;
	(*v)[(*n)++] = (struct gp_range){lo, hi};
	return 0;
}

/* Write-protect [lo, hi) in pieces of PROTECT_PIECE: each call holds the process's mmap lock and
 * page-table locks for its whole range (~50 ns a page), so that a thread of the process that needs
 * them (a fault, an mmap) waits for one piece at most while it runs. */
static int protect(struct gp_wtrack *w, uint64_t lo, uint64_t hi)
{
	for (uint64_t at = lo; at < hi;) {
		uint64_t end = hi - at > PROTECT_PIECE ? at + PROTECT_PIECE : hi;
		struct uffdio_writeprotect wp = {.range = {at, end - at}, .mode = UFFDIO_WRITEPROTECT_MODE_WP};
		int r;
		while ((r = ioctl(w->uffd, UFFDIO_WRITEPROTECT, &wp)) < 0 && errno == EINTR)
			;
		if (r < 0)
			return r;
		at = end;
	}
	return 0;
}

struct gp_err *gp_wtrack_arm(struct gp_wtrack *w, uint64_t lo, uint64_t hi)
{
	if (hi <= lo)
		return NULL;
	if (hi - lo > GP_WTRACK_MAX_MAPPING) {
		w->skipped_bytes += hi - lo;
		return NULL;
	}
	struct uffdio_register reg = {.range = {lo, hi - lo}, .mode = UFFDIO_REGISTER_MODE_WP};
	if (ioctl(w->uffd, UFFDIO_REGISTER, &reg) != 0) {
		w->skipped_bytes += hi - lo;
		return NULL; /* left untracked: its pages count as changed */
	}
	if (add_range(w, &w->reg, &w->nreg, &w->regcap, 0, lo, hi) != 0)
		return &gp_err_nomem;
	/* The populated 2 MiB stretches, from the page tables (holes are skipped by the kernel). */
	size_t first = w->nhull;
	struct gp_pm_region v[NVEC];
	for (uint64_t at = lo; at < hi;) {
		uint64_t end;
		long r = scan(w->pmfd, at, hi, 0, 0, 0, PM_PRESENT | PM_SWAPPED, PM_PRESENT | PM_SWAPPED, v, &end);
		if (r < 0)
			return gp_errorf(GP_ERR_IO, "PAGEMAP_SCAN of 0x%llx-0x%llx: %s", (unsigned long long)at,
					 (unsigned long long)hi, strerror(errno));
		for (long i = 0; i < r; i++) {
			uint64_t h0 = v[i].start & ~(uint64_t)(GP_WTRACK_HULL - 1);
			uint64_t h1 = (v[i].end + GP_WTRACK_HULL - 1) & ~(uint64_t)(GP_WTRACK_HULL - 1);
			if (add_range(w, &w->hull, &w->nhull, &w->hullcap, first, h0 > lo ? h0 : lo, h1 < hi ? h1 : hi) != 0)
				return &gp_err_nomem;
		}
		if (end <= at)
			break;
		at = end;
	}
	/* A stretch the kernel refuses to protect (the process unmapped it meanwhile) needs no error:
	 * a page never protected reads as written, so it counts as changed until protected. */
	for (size_t i = first; i < w->nhull; i++) {
		uint64_t len = w->hull[i].hi - w->hull[i].lo;
		if (protect(w, w->hull[i].lo, w->hull[i].hi) == 0)
			w->protected_bytes += len;
		else
			w->skipped_bytes += len;
	}
	/* Mappings are armed in any order: keep the stretches sorted and merged. */
	w->nhull = gp_ranges_normalize(w->hull, w->nhull);
	return NULL;
}

int gp_wtrack_changed(const struct gp_wtrack *w, uint64_t lo, uint64_t hi,
		      int (*fn)(void *ctx, uint64_t lo, uint64_t hi), void *ctx)
{
	lo &= ~(uint64_t)4095;
	hi = (hi + 4095) & ~(uint64_t)4095;
	struct gp_pm_region v[NVEC];
	uint64_t cur = lo; /* everything before cur is accounted for */
	for (uint64_t at = lo; at < hi;) {
		uint64_t end;
		/* unchanged: registered, not written, present or swapped (a protected hole's marker) */
		long r = scan(w->pmfd, at, hi, 0, PM_WRITTEN, PM_WPALLOWED | PM_WRITTEN, PM_PRESENT | PM_SWAPPED,
			      PM_WPALLOWED, v, &end);
		if (r < 0)
			return -1;
		for (long i = 0; i < r; i++) {
			if (v[i].start > cur) {
				int s = fn(ctx, cur, v[i].start);
				if (s)
					return s;
			}
			cur = v[i].end;
		}
		if (end <= at)
			break;
		at = end;
	}
	return cur < hi ? fn(ctx, cur, hi) : 0;
}

struct gp_err *gp_wtrack_rearm(struct gp_wtrack *w)
{
	struct gp_pm_region v[NVEC];
	for (size_t i = 0; i < w->nhull; i++)
		for (uint64_t at = w->hull[i].lo; at < w->hull[i].hi;) {
			uint64_t end;
			/* Only the protected stretches, never a whole mapping: a hole the scan meets with
			 * WP_MATCHING gets a marker (and a page table). */
			long r = scan(w->pmfd, at, w->hull[i].hi, GP_PM_SCAN_WP_MATCHING, 0, PM_WRITTEN, 0, PM_WRITTEN, v, &end);
			if (r < 0)
				return gp_errorf(GP_ERR_IO, "PAGEMAP_SCAN (write-protect) of 0x%llx-0x%llx: %s",
						 (unsigned long long)at, (unsigned long long)w->hull[i].hi, strerror(errno));
			if (end <= at)
				break;
			at = end;
		}
	return NULL;
}

void gp_wtrack_fini(struct gp_wtrack *w)
{
	for (size_t i = 0; w->uffd >= 0 && i < w->nreg; i++) {
		struct uffdio_range r = {w->reg[i].lo, w->reg[i].hi - w->reg[i].lo};
		(void)ioctl(w->uffd, UFFDIO_UNREGISTER, &r);
	}
	close_fds(w);
	w->nreg = w->nhull = 0;
}
