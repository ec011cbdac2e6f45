/* addrmap.c — the address map (see addrmap.h). */
#include "base/addrmap.h"

#include <stdint.h>

static size_t slot(uint64_t x, size_t cap)
{
	return (size_t)((x * 0x9e3779b97f4a7c15ull) >> 17) & (cap - 1);
}

void gp_addrmap_init(struct gp_addrmap *m)
{
	m->k = NULL;
	m->v = NULL;
	m->cap = m->n = 0;
}

static size_t find(const struct gp_addrmap *m, uint64_t key)
{
	size_t i = slot(key, m->cap);
	while (m->k[i] && m->k[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

int64_t gp_addrmap_get(const struct gp_addrmap *m, uint64_t key)
{
	if (!m->cap || !key)
		return -1;
	size_t i = find(m, key);
	return m->k[i] ? (int64_t)m->v[i] : -1;
}

int gp_addrmap_set(struct gp_addrmap *m, uint64_t key, uint32_t val)
{
	if (!m->cap || !key)
		return -1;
	size_t i = find(m, key);
	if (!m->k[i])
		return -1;
	m->v[i] = val;
	return 0;
}

/* Rehash into a table of ncap slots (a power of two, > 2 n). */
static int rehash(struct gp_addrmap *m, struct gp_arena *a, size_t ncap)
{
	uint64_t *nk = GP_NEWN(a, uint64_t, ncap);
	uint32_t *nv = GP_NEWN(a, uint32_t, ncap);
	if (!nk || !nv)
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->k[i])
			continue;
		size_t j = slot(m->k[i], ncap);
		while (nk[j])
			j = (j + 1) & (ncap - 1);
		nk[j] = m->k[i];
		nv[j] = m->v[i];
	}
	gp_arena_release(a, m->k);
	gp_arena_release(a, m->v);
	m->k = nk;
	m->v = nv;
	m->cap = ncap;
	return 0;
}

int gp_addrmap_reserve(struct gp_addrmap *m, struct gp_arena *a, size_t n)
{
	size_t ncap = m->cap ? m->cap : 64;
	while (ncap / 2 < n + 1) {
		if (ncap > SIZE_MAX / 4)
			return -1;
		ncap *= 2;
	}
	return ncap == m->cap ? 0 : rehash(m, a, ncap);
}

int gp_addrmap_put(struct gp_addrmap *m, struct gp_arena *a, uint64_t key, uint32_t val)
{
	if (!key)
		return 0;
	if (m->cap) {
		size_t i = find(m, key);
		if (m->k[i])
			return 0;
	}
	if ((m->n + 1) * 2 > m->cap && rehash(m, a, m->cap ? m->cap * 2 : 64) < 0)
		return -1;
	size_t j = find(m, key);
	m->k[j] = key;
	m->v[j] = val;
	m->n++;
	return 1;
}
