/* pagemap_scan.h — the kernel's PAGEMAP_SCAN ioctl of /proc/PID/pagemap (Linux 6.7+) and the
 * userfaultfd features write tracking needs, for the uapi headers of older distributions (Debian
 * 12's are 6.1): the one definition for live.c (populated ranges), wtrack.c (write tracking) and
 * bench/probes/wp_probe.c. Field names as in <linux/fs.h>; see fs/proc/task_mmu.c. */
#ifndef GOPSY_TARGET_PAGEMAP_SCAN_H
#define GOPSY_TARGET_PAGEMAP_SCAN_H

#include <linux/userfaultfd.h>
#include <stdint.h>
#include <sys/ioctl.h>

struct gp_pm_region {
	uint64_t start, end, categories;
};
struct gp_pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages, category_inverted, category_mask,
		category_anyof_mask, return_mask;
};
#define GP_PAGEMAP_SCAN _IOWR('f', 16, struct gp_pm_scan_arg)
enum {
	/* page categories */
	GP_PAGE_IS_WPALLOWED = 1 << 0,
	GP_PAGE_IS_WRITTEN = 1 << 1,
	GP_PAGE_IS_PRESENT = 1 << 3,
	GP_PAGE_IS_SWAPPED = 1 << 4,
	/* flags */
	GP_PM_SCAN_WP_MATCHING = 1 << 0,
};

#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif

#endif
