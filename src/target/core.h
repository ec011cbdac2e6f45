/* core.h — an ELF core file as a target backend: its threads (NT_PRSTATUS registers, TLS base), the signal
 * that killed it (NT_SIGINFO), the files it had mapped (NT_FILE), its auxiliary vector (NT_AUXV) and
 * its memory (PT_LOAD segments, mmap'd, never copied).
 *
 * Knows nothing about Go. linux/amd64 cores only for now (the machine type is checked and anything
 * else is refused with GP_ERR_UNSUPPORTED). A truncated core (a segment that ends past the end of the
 * file) is accepted: the missing ranges are reported by gp_core_read as GP_ERR_TRUNCATED with the
 * address, and gp_core_truncated_bytes says how much is missing in all.
 */
#ifndef GOPSY_TARGET_CORE_H
#define GOPSY_TARGET_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "target/image.h"

struct gp_core {
	struct gp_image img; /* threads, siginfo, files, auxv, segments (offset/filesz: in the file) */
	const char *path;
	const unsigned char *map; /* the whole file, read-only */
	size_t size;
};

/* Open and index a core. Everything is allocated from arena a, which must outlive the core; the
 * mapping is released by gp_core_close. */
struct gp_err *gp_core_open(const char *path, struct gp_arena *a, struct gp_core **out) GP_MUST_USE;
void gp_core_close(struct gp_core *core);

/* Read len bytes at addr. GP_ERR_NOT_FOUND if addr is not mapped in the core, GP_ERR_TRUNCATED if it
 * is mapped but not dumped (file-backed read-only segments, truncated files). */
struct gp_err *gp_core_read(const struct gp_core *core, uint64_t addr, void *buf, size_t len) GP_MUST_USE;

/* Pointer into the mapping for [addr, addr+len), or NULL if not wholly present. */
const void *gp_core_ptr(const struct gp_core *core, uint64_t addr, size_t len);

/* Drop the core's pages from this process's mapping (madvise MADV_DONTNEED): they stay in the page
 * cache and come back on the next access, so pointers stay valid; this only bounds the resident
 * set while walking a core much larger than what is needed at any moment. */
void gp_core_release_pages(const struct gp_core *core);

#endif
