/* corewrite.h — writing an ELF core file of a process image: the format the kernel writes and gdb,
 * delve and gopsy read (ET_CORE, EM_X86_64): one PT_NOTE with NT_PRSTATUS per thread (registers,
 * the signal it was stopped with), NT_PRPSINFO (command, arguments), NT_AUXV and NT_FILE (the
 * mapped files), then one PT_LOAD per mapping.
 *
 * What is dumped follows the kernel's default coredump_filter: anonymous and writable mappings
 * whole, file-backed read-only ones only their first page when it is an ELF header (the rest is in
 * the files), [vvar] never. Pages of anonymous mappings that were never populated (the backend's
 * populated operation: PAGEMAP_SCAN, /proc/PID/pagemap) are holes of the file, zeros as in the
 * kernel's sparse cores; an anonymous mapping larger than 64 GiB (a reservation) becomes one
 * segment per populated range. File-backed pages are always read (untouched, they are the file's). With
 * regions (a sorted list of address ranges), only those ranges are dumped, each its own PT_LOAD:
 * memory outside them is absent from the core, not zero. A core that cannot be written whole is
 * removed.
 */
#ifndef GOPSY_TARGET_COREWRITE_H
#define GOPSY_TARGET_COREWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "target/image.h"
#include "target/target.h"

struct gp_corewrite_stats {
	uint64_t bytes;        /* size of the file written (its holes included) */
	uint64_t on_disk;      /* blocks it takes */
	uint64_t left_out;     /* bytes of huge mappings whose populated pages could not be told */
	uint64_t dumped;       /* memory bytes in it */
	uint64_t unreadable;   /* bytes of dumped ranges that could not be read (left out) */
	uint32_t loads;        /* PT_LOAD segments */
};

/* Write the core of image im, reading memory through mem/backend, to path (created, truncated).
 * regions NULL: the kernel's default selection; else only those ranges (sorted, not overlapping). */
struct gp_err *gp_core_write(const char *path, const struct gp_image *im, const struct gp_target_mem *mem,
			     void *backend, const struct gp_range *regions, size_t nregions,
			     struct gp_corewrite_stats *st) GP_MUST_USE;

#endif
