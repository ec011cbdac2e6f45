/* buckets.c — grouping goroutines by stack and state (see buckets.h). */
#include "analyze/buckets.h"
#include "base/sort.h"

#include <stdlib.h>
#include <string.h>

static inline uint64_t hmix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

/* A cheap digest of a string for the identity hash: its length and first and last 8 bytes (the
 * candidates are compared in full, so the hash only has to spread them). */
static uint64_t hstr(uint64_t h, const char *p, size_t n)
{
	uint64_t a = 0, b = 0;
	if (n >= 8) {
		memcpy(&a, p, 8);
		memcpy(&b, p + n - 8, 8);
	} else if (n) {
		memcpy(&a, p, n);
	}
	return hmix(hmix(hmix(h, n), a), b);
}

/* The stack of a goroutine block: its items up to its first ancestor section. */
static size_t own_items(const struct gp_mg *g)
{
	for (size_t i = 0; i < g->n_items; i++)
		if (g->items[i].kind == GP_MI_ANCESTOR)
			return i;
	return g->n_items;
}

static uint64_t identity_hash(const struct gp_mg *g, size_t n)
{
	uint64_t h = hstr((uint64_t)g->kind, g->status.p, g->status.n);
	for (size_t i = 0; i < n; i++) {
		const struct gp_mitem *it = &g->items[i];
		switch (it->kind) {
		case GP_MI_FRAME:
		case GP_MI_CREATED_BY:
			h = hstr(h ^ it->kind, it->func.p, it->func.n); /* files are compared, not hashed */
			h = hmix(h, (uint64_t)it->line);
			break;
		case GP_MI_ELIDED:
			h = hmix(h, 0xe1);
			break;
		default:
			break;
		}
	}
	return h;
}

static int frame_eq(const struct gp_bframe *f, const struct gp_mitem *it)
{
	return f->line == it->line && f->func_n == it->func.n && f->file_n == it->file.n &&
	       !memcmp(f->func, it->func.p, it->func.n) && !memcmp(f->file, it->file.p, it->file.n);
}

static int same(const struct gp_bucket *b, const struct gp_mg *g, size_t n)
{
	if (b->status_n != g->status.n || memcmp(b->status, g->status.p, g->status.n))
		return 0;
	uint32_t fi = 0, el = 0;
	int created = 0;
	for (size_t i = 0; i < n; i++) {
		const struct gp_mitem *it = &g->items[i];
		if (it->kind == GP_MI_FRAME) {
			if (fi >= b->n_frames || !frame_eq(&b->frames[fi], it))
				return 0;
			fi++;
		} else if (it->kind == GP_MI_ELIDED) {
			el++;
		} else if (it->kind == GP_MI_CREATED_BY) {
			if (!b->has_created || !frame_eq(&b->created, it))
				return 0;
			created = 1;
		}
	}
	return fi == b->n_frames && el == b->elided && created == b->has_created;
}

static int copy_frame(struct gp_arena *a, struct gp_bframe *f, const struct gp_mitem *it)
{
	f->func = gp_arena_strndup(a, it->func.p, it->func.n);
	f->file = gp_arena_strndup(a, it->file.p, it->file.n);
	f->func_n = (uint32_t)it->func.n;
	f->file_n = (uint32_t)it->file.n;
	f->line = it->line;
	return f->func && f->file;
}

static struct gp_bucket *create(struct gp_buckets *bs, const struct gp_mg *g, size_t n, uint64_t h)
{
	struct gp_bucket *b = GP_NEW(bs->a, struct gp_bucket);
	if (!b)
		return NULL;
	b->hash = h;
	b->status = gp_arena_strndup(bs->a, g->status.p, g->status.n);
	b->status_n = (uint32_t)g->status.n;
	b->min_minutes = b->max_minutes = -1;
	b->first_line = g->lineno;
	uint32_t nf = 0;
	for (size_t i = 0; i < n; i++)
		nf += g->items[i].kind == GP_MI_FRAME;
	b->frames = GP_NEWN(bs->a, struct gp_bframe, nf ? nf : 1);
	if (!b->status || !b->frames)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const struct gp_mitem *it = &g->items[i];
		if (it->kind == GP_MI_FRAME) {
			if (!copy_frame(bs->a, &b->frames[b->n_frames++], it))
				return NULL;
		} else if (it->kind == GP_MI_ELIDED) {
			b->elided++;
		} else if (it->kind == GP_MI_CREATED_BY && !b->has_created) {
			b->has_created = 1;
			if (!copy_frame(bs->a, &b->created, it))
				return NULL;
		}
	}
	return b;
}

static int rehash(struct gp_buckets *bs)
{
	size_t size = (bs->mask + 1) * 2;
	struct gp_bucket **t = GP_NEWN(bs->a, struct gp_bucket *, size);
	if (!t)
		return 0;
	for (size_t i = 0; i < bs->n; i++) {
		struct gp_bucket *b = bs->list[i];
		size_t k = b->hash & (size - 1);
		b->next = t[k];
		t[k] = b;
	}
	bs->table = t;
	bs->mask = size - 1;
	return 1;
}

/* Add goid to the seen set; 0 if it was there already. */
static int seen_add(struct gp_buckets *bs, uint64_t goid, struct gp_err **err)
{
	if (goid < GP_BUCKETS_BITMAP_MAX) {
		if (goid >= bs->nbits) {
			size_t nb = bs->nbits ? bs->nbits : 1 << 16;
			while (nb <= goid)
				nb *= 2;
			uint64_t *bits = GP_NEWN(bs->a, uint64_t, nb / 64);
			if (!bits) {
				*err = &gp_err_nomem;
				return 0;
			}
			if (bs->nbits)
				memcpy(bits, bs->bits, bs->nbits / 8);
			bs->bits = bits;
			bs->nbits = nb;
		}
		uint64_t m = 1ull << (goid & 63), *w = &bs->bits[goid / 64];
		if (*w & m)
			return 0;
		*w |= m;
		return 1;
	}
	if ((bs->seen_n + 1) * 2 > bs->seen_mask + 1) {
		size_t size = (bs->seen_mask + 1) * 2;
		uint64_t *s = GP_NEWN(bs->a, uint64_t, size);
		if (!s) {
			*err = &gp_err_nomem;
			return 0;
		}
		for (size_t i = 0; i <= bs->seen_mask; i++) {
			uint64_t v = bs->seen[i];
			if (!v)
				continue;
			size_t k = (size_t)hmix(0, v) & (size - 1);
			while (s[k])
				k = (k + 1) & (size - 1);
			s[k] = v;
		}
		bs->seen = s;
		bs->seen_mask = size - 1;
	}
	size_t k = (size_t)hmix(0, goid) & bs->seen_mask;
	while (bs->seen[k]) {
		if (bs->seen[k] == goid)
			return 0;
		k = (k + 1) & bs->seen_mask;
	}
	bs->seen[k] = goid;
	bs->seen_n++;
	return 1;
}

struct gp_err *gp_buckets_init(struct gp_buckets *bs, struct gp_arena *a)
{
	memset(bs, 0, sizeof(*bs));
	bs->a = a;
	bs->mask = 255;
	bs->table = GP_NEWN(a, struct gp_bucket *, bs->mask + 1);
	bs->seen_mask = 1023;
	bs->seen = GP_NEWN(a, uint64_t, bs->seen_mask + 1);
	return bs->table && bs->seen ? NULL : &gp_err_nomem;
}

struct gp_err *gp_buckets_add(struct gp_buckets *bs, const struct gp_mg *g)
{
	struct gp_err *err = NULL;
	if (g->kind == GP_MG_G0 || g->kind == GP_MG_RUNTIME_STACK) {
		bs->m_stacks++;
		return NULL;
	}
	if (g->kind == GP_MG_GOROUTINE && !seen_add(bs, g->goid, &err)) {
		bs->duplicates += !err;
		return err;
	}
	size_t n = own_items(g);
	uint64_t h = identity_hash(g, n);
	struct gp_bucket *b = bs->table[h & bs->mask];
	while (b && !(b->hash == h && same(b, g, n)))
		b = b->next;
	if (!b) {
		if (!(b = create(bs, g, n, h)))
			return &gp_err_nomem;
		void *l = bs->list;
		if (!gp_arena_grow(bs->a, &l, bs->n, &bs->cap, sizeof(*bs->list), 16))
			return &gp_err_nomem;
		bs->list = l;
		bs->list[bs->n++] = b;
		size_t k = h & bs->mask;
		b->next = bs->table[k];
		bs->table[k] = b;
		if (bs->n * 2 > bs->mask + 1 && !rehash(bs))
			return &gp_err_nomem;
	}
	b->count += g->count;
	bs->goroutines += g->count;
	if (g->minutes >= 0) {
		if (!b->with_minutes || g->minutes < b->min_minutes)
			b->min_minutes = g->minutes;
		if (!b->with_minutes || g->minutes > b->max_minutes)
			b->max_minutes = g->minutes;
		b->with_minutes++;
	}
	b->locked += g->locked;
	b->leaked += g->leaked;
	for (size_t i = 0; i < n; i++) {
		const struct gp_mitem *it = &g->items[i];
		if (it->kind == GP_MI_CREATED_BY && it->n) {
			if (!b->created_goid_min || it->n < b->created_goid_min)
				b->created_goid_min = it->n;
			if (it->n > b->created_goid_max)
				b->created_goid_max = it->n;
		}
	}
	if (g->kind == GP_MG_GOROUTINE) {
		void *ids = b->ids;
		if (!gp_arena_grow(bs->a, &ids, b->n_ids, &b->cap_ids, sizeof(*b->ids), 16))
			return &gp_err_nomem;
		b->ids = ids;
		b->ids[b->n_ids++] = g->goid;
	}
	return NULL;
}

static int by_size(const void *x, const void *y)
{
	const struct gp_bucket *a = *(struct gp_bucket *const *)x, *b = *(struct gp_bucket *const *)y;
	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return a->first_line < b->first_line ? -1 : a->first_line > b->first_line;
}

void gp_buckets_sort(struct gp_buckets *bs)
{
	gp_sort(bs->list, bs->n, sizeof(bs->list[0]), by_size);
}
