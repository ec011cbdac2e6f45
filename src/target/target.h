/* target.h — the memory of a process as one address space, whichever backend holds it: a core's
 * dumped segments (target/core.h) or a live process's snapshot (target/live.h), plus the executable's
 * file for what is not there (text, rodata, pclntab of file-backed read-only mappings the kernel did
 * not dump), shifted by the PIE load bias. Also checks that the executable is the one the process ran
 * (Go build ID), and names the executable the process had mapped when it is not given.
 *
 * The layers above target/ see the process image (t->img: threads, mappings, auxv, siginfo) and the
 * reads below, never the backend. Reads are zero-copy when possible (gp_target_ptr). Addresses are
 * run-time addresses; subtract `bias` for the executable's link-time addresses (pclntab lookups).
 */
#ifndef GOPSY_TARGET_TARGET_H
#define GOPSY_TARGET_TARGET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/err.h"
#include "target/core.h"
#include "target/exe.h"
#include "target/image.h"

/* An address range [lo, hi). */
struct gp_range {
	uint64_t lo, hi;
};
/* Sort r[0..n) and merge overlapping or adjacent ranges, dropping empty ones; returns the new count. */
size_t gp_ranges_normalize(struct gp_range *r, size_t n);

/* A backend's memory: ptr gives len bytes at addr that stay valid for the backend's lifetime, or
 * NULL; read copies them or says precisely why it cannot; release lets go of what reads touched.
 * populated (optional, NULL for cores) lists up to max ranges of [lo, hi) whose pages exist
 * (present or swapped: the rest reads as zeros), *next where the listing stopped; -1 when it
 * cannot tell. */
struct gp_target_mem {
	const void *(*ptr)(void *backend, uint64_t addr, size_t len);
	struct gp_err *(*read)(void *backend, uint64_t addr, void *buf, size_t len);
	void (*release)(void *backend);
	ssize_t (*populated)(void *backend, uint64_t lo, uint64_t hi, struct gp_range *out, size_t max, uint64_t *next);
};

struct gp_target {
	const struct gp_image *img;
	const struct gp_exe *exe;
	uint64_t bias;            /* run-time minus link-time address (0 unless PIE) */
	int buildid_checked;      /* 1: the process's copy of the Go build ID matched the executable's */
	const char *buildid_note; /* why it could not be checked, or NULL */
	int zero_copy;            /* 1: gp_target_ptr is free (a mapped core); 0: it pins a copy, so
	                           * that copying readers (gp_target_read) are cheaper */
	/* The backend, private to target/. */
	const struct gp_target_mem *mem;
	void *backend;
};

/* Tie a backend's image and memory to the executable: compute the load bias (AT_ENTRY vs e_entry),
 * and compare the Go build ID bytes in the process's memory with the executable's. A mismatch is
 * GP_ERR_MISMATCH unless force; when the memory lacks those bytes the check is skipped and
 * buildid_note says so. */
struct gp_err *gp_target_init(struct gp_target *t, const struct gp_image *img, const struct gp_target_mem *mem,
			      void *backend, const struct gp_exe *exe, int force) GP_MUST_USE;
/* gp_target_init over a core. */
struct gp_err *gp_target_init_core(struct gp_target *t, const struct gp_core *core, const struct gp_exe *exe,
				   int force) GP_MUST_USE;

/* Read len bytes at run-time address addr: from the backend, else (read-only, file-backed data) from
 * the executable. Errors name the address and why it is missing. */
struct gp_err *gp_target_read(const struct gp_target *t, uint64_t addr, void *buf, size_t len) GP_MUST_USE;
/* Pointer to len readable bytes at addr, or NULL (then gp_target_read tells why). */
const void *gp_target_ptr(const struct gp_target *t, uint64_t addr, size_t len);
/* Pointer to len bytes at addr from the process's own memory only (not the executable's file), or
 * NULL: for checks that the process had data there. */
const void *gp_target_mem_ptr(const struct gp_target *t, uint64_t addr, size_t len);
/* 1 when the len (<= 64) bytes at addr are in the process's own memory (not only the executable's
 * file), without keeping a copy. */
int gp_target_mem_has(const struct gp_target *t, uint64_t addr, size_t len);
/* Let go of the pages reads have touched (they come back on the next access: pointers from
 * gp_target_ptr stay valid). Passes over every goroutine call it every GP_TARGET_RELEASE_EVERY
 * goroutines, so that the resident set stays flat on cores much larger than memory needs. */
enum { GP_TARGET_RELEASE_EVERY = 8192 };
void gp_target_release_pages(const struct gp_target *t);
static inline void gp_target_release_every(const struct gp_target *t, uint64_t i)
{
	if (i % GP_TARGET_RELEASE_EVERY == GP_TARGET_RELEASE_EVERY - 1)
		gp_target_release_pages(t);
}

/* gp_target_read, the error dropped: 0 read, -1 not. */
static inline int gp_target_read_ok(const struct gp_target *t, uint64_t addr, void *buf, size_t len)
{
	struct gp_err *err = gp_target_read(t, addr, buf, len);
	gp_err_free(err);
	return err ? -1 : 0;
}

/* len bytes at addr to decode on the spot: in place when the target is zero-copy, else copied into
 * buf (cap bytes; a longer structure is handed out in place). NULL when not readable. Valid until
 * buf is reused: for the readers of one record at a time (a g, a sudog, a channel). */
static inline const void *gp_target_view(const struct gp_target *t, uint64_t addr, size_t len, void *buf, size_t cap)
{
	if (t->zero_copy || len > cap)
		return gp_target_ptr(t, addr, len);
	return gp_target_read_ok(t, addr, buf, len) ? NULL : buf;
}

/* Read one little-endian 64-bit word; 0 and an error if absent. */
struct gp_err *gp_target_u64(const struct gp_target *t, uint64_t addr, uint64_t *v) GP_MUST_USE;

#endif
