/* arena.c — the bump-pointer arena (see arena.h). */
#include "base/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

/* Under AddressSanitizer large chunks come from malloc too, so that it bounds-checks them. */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_MAP_CHUNKS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_MAP_CHUNKS 0
#endif
#endif
#ifndef ARENA_MAP_CHUNKS
#define ARENA_MAP_CHUNKS 1
#endif

struct gp_arena_chunk {
	struct gp_arena_chunk *next;
	size_t mapped;   /* the length of its own mapping (a large block), 0 when from malloc */
	size_t bytes;    /* what it counts for in gp_arena.total */
	int sole;        /* holds one block, at data: it may be grown in place or released */
	max_align_t data[];
};

enum { ARENA_FIRST_CHUNK = 16 * 1024, ARENA_MAX_CHUNK = 4 * 1024 * 1024, HUGE = 2 << 20 };

void gp_arena_init(struct gp_arena *a)
{
	memset(a, 0, sizeof(*a));
	a->next_size = ARENA_FIRST_CHUNK;
}

static void free_chunk(struct gp_arena_chunk *c)
{
	if (c->mapped)
		munmap(c, c->mapped);
	else
		free(c);
}

void gp_arena_deinit(struct gp_arena *a)
{
	struct gp_arena_chunk *c = a->head;
	while (c) {
		struct gp_arena_chunk *next = c->next;
		free_chunk(c);
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
		free_chunk(c);
		c = next;
	}
	keep->next = NULL;
	a->total = keep->bytes;
	a->cur = (char *)keep->data;
	/* a->end still bounds the kept chunk: it is the newest, whose free space cur/end described */
}

/* The length of a mapping of at least n bytes: whole 2 MiB pages. 0 on overflow. */
static size_t map_len(size_t n)
{
	return n > SIZE_MAX - HUGE ? 0 : (n + HUGE - 1) & ~(size_t)(HUGE - 1);
}

/* A chunk of n bytes, its header set but for next and sole. Chunks of several MiB (per-goroutine
 * arrays of a core with 100k goroutines) are mappings of their own marked for transparent huge
 * pages, so that filling them costs one page fault per 2 MiB instead of one per 4 KiB (measured:
 * 23k faults and 70 ms of system time for gopsy report at 100k goroutines without it); as mappings
 * they start zeroed, grow without a copy (mremap) and go back to the system when released. Where
 * THP is off they are plain mappings. *zeroed says whether the chunk is known to be zero. */
static struct gp_arena_chunk *new_chunk(size_t n, int *zeroed)
{
	struct gp_arena_chunk *c = NULL;
	size_t len = ARENA_MAP_CHUNKS && n >= 2 * (size_t)HUGE ? map_len(n) : 0;
	*zeroed = 0;
	if (len) {
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED) {
			madvise(p, len, MADV_HUGEPAGE);
			c = p;
			*zeroed = 1;
		} else {
			len = 0;
		}
	}
	if (!c && !(c = malloc(n)))
		return NULL;
	c->mapped = len;
	c->sole = 0;
	return c;
}

/* The sole chunk whose block starts at p, as the link that points to it; NULL when p is not such
 * a block (a small one sharing a chunk). */
static struct gp_arena_chunk **sole_link(struct gp_arena *a, const void *p)
{
	for (struct gp_arena_chunk **l = &a->head; *l; l = &(*l)->next)
		if ((*l)->sole && (const void *)(*l)->data == p)
			return l;
	return NULL;
}

static void *alloc(struct gp_arena *a, size_t size, size_t align, int *zeroed)
{
	*zeroed = 0;
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
	struct gp_arena_chunk *c = new_chunk(sizeof(*c) + chunk, zeroed);
	if (!c)
		return NULL;
	c->bytes = sizeof(*c) + chunk;
	a->total += c->bytes;
	if (a->next_size < ARENA_MAX_CHUNK)
		a->next_size *= 2;
	char *base = (char *)c->data;
	p = ((uintptr_t)base + (align - 1)) & ~(uintptr_t)(align - 1);
	if (chunk == need && a->head) {
		/* An oversized request: keep the current chunk's free space for later small ones. */
		c->next = a->head->next;
		a->head->next = c;
		c->sole = (char *)p == base;
		return (void *)p;
	}
	c->next = a->head;
	a->head = c;
	a->cur = (char *)p + size;
	a->end = base + chunk;
	return (void *)p;
}

void *gp_arena_alloc(struct gp_arena *a, size_t size, size_t align)
{
	int zeroed;
	return alloc(a, size, align, &zeroed);
}

void *gp_arena_calloc(struct gp_arena *a, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	int zeroed;
	void *p = alloc(a, n * size, _Alignof(max_align_t), &zeroed);
	if (p && !zeroed) /* a fresh mapping is zero already: its untouched pages stay unbacked */
		memset(p, 0, n * size);
	return p;
}

void gp_arena_release(struct gp_arena *a, void *p)
{
	struct gp_arena_chunk **l = p ? sole_link(a, p) : NULL;
	if (!l)
		return;
	struct gp_arena_chunk *c = *l;
	*l = c->next;
	a->total -= c->bytes;
	free_chunk(c);
}

/* Grow the sole mapped chunk at *l to hold bytes of data, in place or moved by the kernel (no
 * copy). 0 when it cannot (then nothing changed). */
static int remap(struct gp_arena *a, struct gp_arena_chunk **l, size_t bytes)
{
	struct gp_arena_chunk *c = *l;
	size_t len = bytes > SIZE_MAX - sizeof(*c) ? 0 : map_len(sizeof(*c) + bytes);
	if (!c->mapped || !len)
		return 0;
	void *p = mremap(c, c->mapped, len, MREMAP_MAYMOVE);
	if (p == MAP_FAILED)
		return 0;
	c = p;
	a->total += sizeof(*c) + bytes - c->bytes;
	c->bytes = sizeof(*c) + bytes;
	c->mapped = len;
	*l = c;
	return 1;
}

int gp_arena_grow(struct gp_arena *a, void **items, size_t n, size_t *cap, size_t elem, size_t first)
{
	if (n < *cap)
		return 1;
	size_t nc = *cap ? *cap * 2 : first;
	if (nc < *cap || (elem && nc > SIZE_MAX / elem))
		return 0;
	struct gp_arena_chunk **l = *cap ? sole_link(a, *items) : NULL;
	if (l && remap(a, l, nc * elem)) {
		*items = (*l)->data;
		*cap = nc;
		return 1;
	}
	void *p = gp_arena_alloc(a, nc * elem, _Alignof(max_align_t));
	if (!p)
		return 0;
	if (n)
		memcpy(p, *items, n * elem);
	if (l) /* a sole chunk that could not be remapped: the copy replaces it */
		gp_arena_release(a, *items);
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

char *gp_arena_vprintf(struct gp_arena *a, const char *fmt, va_list ap)
{
	char buf[2048];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	return gp_arena_strdup(a, buf);
}

char *gp_arena_printf(struct gp_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = gp_arena_vprintf(a, fmt, ap);
	va_end(ap);
	return s;
}
