/* arena.h — gopsy's one allocation strategy: a bump-pointer arena.
 *
 * Everything an analysis produces (decoded strings, goroutine records, frames) lives exactly as long
 * as the context that produced it, so it is allocated from that context's arena and released all at
 * once by gp_arena_deinit. There is no per-object free, except for large blocks (gp_arena_release):
 * chunks grow geometrically; a request larger than the chunk size gets a chunk of its own, which
 * growable arrays and hash tables of heap size (per goroutine of a large core) grow or give back. Allocation failure returns NULL (callers turn it into
 * &gp_err_nomem).
 */
#ifndef GOPSY_BASE_ARENA_H
#define GOPSY_BASE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

#include "base/err.h"

struct gp_arena_chunk;

struct gp_arena {
	struct gp_arena_chunk *head; /* newest chunk first */
	char *cur, *end;             /* free space in head */
	size_t next_size;            /* size of the next chunk to allocate */
	size_t total;                /* bytes its chunks hold now, for statistics and tests */
};

void gp_arena_init(struct gp_arena *a);
void gp_arena_deinit(struct gp_arena *a);
/* Forget everything allocated, keeping the newest (largest) chunk for reuse: a scratch arena for
 * one record at a time (the dump parser's goroutine being read). */
void gp_arena_reset(struct gp_arena *a);

/* size bytes aligned to align (a power of two, at most 64); contents undefined. size 0 is allowed
 * and returns a unique non-NULL pointer. */
void *gp_arena_alloc(struct gp_arena *a, size_t size, size_t align);
/* Zeroed array of n elements of size bytes, overflow-checked. */
void *gp_arena_calloc(struct gp_arena *a, size_t n, size_t size);
/* Make room for one more element in a growable array of the arena: when the n elements in use fill
 * *cap, a block twice as large (first elements at the start) replaces *items. A block larger than
 * the chunk size has a chunk of its own, which grows in place or moves without a copy (mremap): the
 * old address is then invalid, so hold indexes into a growable array, never pointers across a grow.
 * A smaller block is copied, the old one staying in the arena. 0 when out of memory (then *items is
 * unchanged). */
int gp_arena_grow(struct gp_arena *a, void **items, size_t n, size_t *cap, size_t elem, size_t first);
/* Give a block back before the arena ends, when it has a chunk of its own (a large block); other
 * blocks stay until gp_arena_deinit. p must not be used afterwards either way. */
void gp_arena_release(struct gp_arena *a, void *p);
char *gp_arena_strndup(struct gp_arena *a, const char *s, size_t n);
char *gp_arena_strdup(struct gp_arena *a, const char *s);
/* A formatted string (at most 2047 bytes, longer output is cut), or NULL when out of memory. */
char *gp_arena_printf(struct gp_arena *a, const char *fmt, ...) GP_PRINTF(2, 3);
char *gp_arena_vprintf(struct gp_arena *a, const char *fmt, va_list ap) GP_PRINTF(2, 0);

#define GP_NEW(a, T) ((T *)gp_arena_calloc((a), 1, sizeof(T)))
#define GP_NEWN(a, T, n) ((T *)gp_arena_calloc((a), (n), sizeof(T)))

#endif
