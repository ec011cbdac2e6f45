/* arena.c — the bump-pointer arena (see arena.h). */
#include "base/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct gp_arena_chunk {
	struct gp_arena_chunk *next;
	max_align_t data[];
};

enum { ARENA_FIRST_CHUNK = 16 * 1024, ARENA_MAX_CHUNK = 4 * 1024 * 1024 };

void gp_arena_init(struct gp_arena *a)
{
	memset(a, 0, sizeof(*a));
	a->next_size = ARENA_FIRST_CHUNK;
}

void gp_arena_deinit(struct gp_arena *a)
{
	struct gp_arena_chunk *c = a->head;
	while (c) {
		struct gp_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	gp_arena_init(a);
}

void gp_arena_reset(struct gp_arena *a)
{
	struct gp_arena_chunk *keep = a->head;
	if (!keep)
		return;
	struct gp_arena_chunk *c = keep->next;
	while (c) {
		struct gp_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	keep->next = NULL; /* a->total stays a high-water mark */
	a->cur = (char *)keep->data;
	/* a->end still bounds the kept chunk: it is the newest, whose free space cur/end described */
}

/* A chunk of n bytes. Chunks of several MiB (per-goroutine arrays of a core with 100k goroutines)
 * are 2 MiB-aligned and marked for transparent huge pages, so that filling them costs one page
 * fault per 2 MiB instead of one per 4 KiB (measured: 23k faults and 70 ms of system time for
 * gopsy report at 100k goroutines without it). Where THP is off this is a plain allocation. */
static void *new_chunk(size_t n)
{
	enum { HUGE = 2 << 20 };
	if (n < 2 * (size_t)HUGE)
		return malloc(n);
	size_t rounded = (n + HUGE - 1) & ~(size_t)(HUGE - 1);
	void *p = aligned_alloc(HUGE, rounded);
	if (!p)
		return malloc(n);
	madvise(p, rounded, MADV_HUGEPAGE);
	return p;
}

void *gp_arena_alloc(struct gp_arena *a, size_t size, size_t align)
{
	if (align == 0)
		align = 1;
	uintptr_t p = ((uintptr_t)a->cur + (align - 1)) & ~(uintptr_t)(align - 1);
	if (a->cur && p <= (uintptr_t)a->end && size <= (uintptr_t)a->end - p) {
		a->cur = (char *)p + size;
		return (void *)p;
	}
	size_t need = size + align;
	if (need < size)
		return NULL;
	size_t chunk = a->next_size;
	if (chunk < need)
		chunk = need;
	if (chunk > SIZE_MAX - sizeof(struct gp_arena_chunk))
		return NULL;
	struct gp_arena_chunk *c = new_chunk(sizeof(*c) + chunk);
	if (!c)
		return NULL;
	a->total += sizeof(*c) + chunk;
	if (a->next_size < ARENA_MAX_CHUNK)
		a->next_size *= 2;
	char *base = (char *)c->data;
	p = ((uintptr_t)base + (align - 1)) & ~(uintptr_t)(align - 1);
	if (chunk == need && a->head) {
		/* An oversized request: keep the current chunk's free space for later small ones. */
		c->next = a->head->next;
		a->head->next = c;
		return (void *)p;
	}
	c->next = a->head;
	a->head = c;
	a->cur = (char *)p + size;
	a->end = base + chunk;
	return (void *)p;
}

void *gp_arena_calloc(struct gp_arena *a, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	void *p = gp_arena_alloc(a, n * size, _Alignof(max_align_t));
	if (p)
		memset(p, 0, n * size);
	return p;
}

int gp_arena_grow(struct gp_arena *a, void **items, size_t n, size_t *cap, size_t elem, size_t first)
{
	if (n < *cap)
		return 1;
	size_t nc = *cap ? *cap * 2 : first;
	if (nc < *cap || (elem && nc > SIZE_MAX / elem))
		return 0;
	void *p = gp_arena_alloc(a, nc * elem, _Alignof(max_align_t));
	if (!p)
		return 0;
	if (n)
		memcpy(p, *items, n * elem);
	*items = p;
	*cap = nc;
	return 1;
}

char *gp_arena_strndup(struct gp_arena *a, const char *s, size_t n)
{
	char *d = gp_arena_alloc(a, n + 1, 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

char *gp_arena_strdup(struct gp_arena *a, const char *s)
{
	return gp_arena_strndup(a, s, strlen(s));
}
