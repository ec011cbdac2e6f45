/* wtrack.h — which pages of a process were written since a moment, without stopping it: userfaultfd
 * asynchronous write-protection (Linux 6.7+: UFFD_FEATURE_WP_ASYNC with WP_UNPOPULATED, and the
 * PAGEMAP_SCAN ioctl of /proc/PID/pagemap). The building block of a snapshot whose pause does not
 * grow with the process's resident memory (docs/live-snapshot.md): protect while the process runs,
 * then, with its threads stopped, ask which pages were written and read only those again.
 *
 * The userfaultfd must belong to the process whose memory is tracked (created by it: a syscall
 * injected into it, then taken with pidfd_getfd; or this process's own). The kernel resolves every
 * write to a protected page by itself (asynchronous mode): the process never waits for anyone, and
 * when the last descriptor of the userfaultfd closes, every registration goes with it.
 *
 * What is protected is bounded by what is populated: a mapping is registered whole, but only the
 * 2 MiB stretches holding a present or swapped page are protected (protecting a hole installs a
 * marker, and a page table where there was none: on a sparse reservation of terabytes — a
 * sanitizer's shadow — that would cost the process gigabytes). Mappings larger than
 * GP_WTRACK_MAX_MAPPING are not registered at all: their pages all count as changed.
 *
 * A page counts as unchanged since it was protected only when, by the kernel's own report, its
 * mapping is registered (PAGE_IS_WPALLOWED), it is present or swapped (a protected hole is a marker,
 * reported as swapped), and it was not written. Everything else — written, dropped with
 * MADV_DONTNEED (the Go scavenger: a hole, zeros, with no write), mapped after arming, never
 * protected — counts as changed.
 */
#ifndef GOPSY_TARGET_WTRACK_H
#define GOPSY_TARGET_WTRACK_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "target/target.h"

enum { GP_WTRACK_HULL = 2 << 20 };
#define GP_WTRACK_MAX_MAPPING (64ull << 30)

struct gp_wtrack {
	int uffd, pmfd;          /* owned: closed by gp_wtrack_fini */
	struct gp_arena *a;
	struct gp_range *reg;    /* registered mappings */
	size_t nreg, regcap;
	struct gp_range *hull;   /* protected stretches, sorted, disjoint */
	size_t nhull, hullcap;
	uint64_t protected_bytes, skipped_bytes; /* in hulls; in mappings too large to register */
};

/* Take uffd (a userfaultfd of the tracked process, not yet through UFFDIO_API) and pmfd (its
 * /proc/PID/pagemap); both are owned from here on, closed by gp_wtrack_fini even on error.
 * GP_ERR_UNSUPPORTED when the kernel lacks asynchronous write-protection or PAGEMAP_SCAN. */
struct gp_err *gp_wtrack_init(struct gp_wtrack *w, int uffd, int pmfd, struct gp_arena *a) GP_MUST_USE;
/* Register the writable private mapping [lo, hi) (page-aligned) and protect its populated 2 MiB
 * stretches. Mappings larger than GP_WTRACK_MAX_MAPPING, and what the kernel refuses to register
 * or protect (VM_PFNMAP, a range unmapped meanwhile...), are left untracked and counted in
 * skipped_bytes: not an error, since what is not protected counts as changed. */
struct gp_err *gp_wtrack_arm(struct gp_wtrack *w, uint64_t lo, uint64_t hi) GP_MUST_USE;
/* Call fn for each range of [lo, hi) not known unchanged since it was last protected (in address
 * order, page-aligned, merged); stops at fn's first non-zero return and returns it. -1 with errno
 * when the scan itself fails. */
int gp_wtrack_changed(const struct gp_wtrack *w, uint64_t lo, uint64_t hi,
		      int (*fn)(void *ctx, uint64_t lo, uint64_t hi), void *ctx);
/* Protect again, in every protected stretch, the pages written since: the moment of the next
 * gp_wtrack_changed becomes now. */
struct gp_err *gp_wtrack_rearm(struct gp_wtrack *w) GP_MUST_USE;
/* Unregister everything and close both descriptors (the process's pages keep nothing of it). */
void gp_wtrack_fini(struct gp_wtrack *w);

#endif
