/* addrmap.h — a map from non-zero 64-bit keys (addresses, or addresses tagged in their top bits) to
 * 32-bit values: open addressing with linear probing, grown in an arena (an old table of its own
 * chunk is given back at once, a small one stays until the arena goes). For the walks over a core's linked structures that must visit each address
 * once and find records by address in constant time (100,000 goroutines, their sudogs, channels).
 */
#ifndef GOPSY_BASE_ADDRMAP_H
#define GOPSY_BASE_ADDRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

struct gp_addrmap {
	uint64_t *k;   /* 0 = empty slot */
	uint32_t *v;
	size_t cap, n; /* cap a power of two, n <= cap / 2 */
};

/* An empty map (no allocation until the first put). */
void gp_addrmap_init(struct gp_addrmap *m);
/* Make room for n keys without regrowing; 0, or -1 out of memory. */
int gp_addrmap_reserve(struct gp_addrmap *m, struct gp_arena *a, size_t n);
/* The value stored for key, or -1 (key 0 is never stored). */
int64_t gp_addrmap_get(const struct gp_addrmap *m, uint64_t key);
/* Store key -> val unless key is present: 1 added, 0 already there (value unchanged), -1 out of
 * memory. key 0 is refused (returns 0). */
int gp_addrmap_put(struct gp_addrmap *m, struct gp_arena *a, uint64_t key, uint32_t val);
/* Replace the value of a present key; 0, or -1 when absent. */
int gp_addrmap_set(struct gp_addrmap *m, uint64_t key, uint32_t val);

#endif
