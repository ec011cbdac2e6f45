/* buckets.h — goroutines grouped by identical stack and state, the way a human reads a dump of 100k
 * goroutines: one group per (status, frames by function and file:line, "created by" site), with how
 * many goroutines, which ones, and the range of minutes they have waited. Arguments and offsets are
 * not part of the identity (the same code path with other values is the same stack). M stacks
 * (goroutine 0, "runtime stack:") are counted, not grouped; a goroutine printed twice (the relayed
 * sections of a GOTRACEBACK=crash dump) is counted once. A pprof debug=1 record is a group already:
 * it adds its count.
 */
#ifndef GOPSY_ANALYZE_BUCKETS_H
#define GOPSY_ANALYZE_BUCKETS_H

#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "base/arena.h"
#include "base/err.h"

/* A frame of a bucket's stack: copies, NUL-terminated. */
struct gp_bframe {
	const char *func, *file;
	uint32_t func_n, file_n;
	int64_t line;
};

struct gp_bucket {
	uint64_t hash;
	struct gp_bucket *next;     /* hash chain */
	const char *status;         /* NUL-terminated copy; "" for pprof records */
	uint32_t status_n;
	struct gp_bframe *frames;
	uint32_t n_frames;
	uint32_t elided;            /* elision lines in the stack (part of the identity) */
	int has_created;
	struct gp_bframe created;   /* "created by" function and site */
	uint64_t created_goid_min, created_goid_max; /* " in goroutine N" range seen (0: none printed) */
	uint64_t count;             /* goroutines */
	uint64_t with_minutes;      /* how many printed ", N minutes" */
	int64_t min_minutes, max_minutes;
	uint64_t locked;            /* ", locked to thread" */
	uint64_t leaked;            /* " (leaked)" (Go 1.26+ goroutine leak detector) */
	uint64_t *ids;              /* goroutine ids in input order (none for pprof records) */
	size_t n_ids, cap_ids;
	uint64_t first_line;        /* input line of the first goroutine */
};

struct gp_buckets {
	struct gp_arena *a;
	struct gp_bucket **table;   /* open hash: chains */
	size_t mask;
	struct gp_bucket **list;    /* in order of creation; gp_buckets_sort orders it by size */
	size_t n, cap;
	uint64_t goroutines;        /* distinct goroutines (+ pprof record counts) */
	uint64_t duplicates;        /* goroutine blocks whose id was already seen */
	uint64_t m_stacks;          /* goroutine 0 and "runtime stack:" blocks */
	uint64_t *bits;             /* goroutine ids seen, below GP_BUCKETS_BITMAP_MAX: a bitmap */
	size_t nbits;
	uint64_t *seen;             /* the larger ones: an open hash set (0 = empty slot) */
	size_t seen_mask, seen_n;
};

/* Ids are dense small integers in practice: a bitmap (at most 16 MiB) answers "seen before?" from
 * the cache, where a hash set misses it for every goroutine. */
enum { GP_BUCKETS_BITMAP_MAX = 1 << 27 };

struct gp_err *gp_buckets_init(struct gp_buckets *bs, struct gp_arena *a) GP_MUST_USE;
/* Count one goroutine block / pprof record. Copies what it keeps. */
struct gp_err *gp_buckets_add(struct gp_buckets *bs, const struct gp_mg *g) GP_MUST_USE;
/* Largest first; ties by first appearance. */
void gp_buckets_sort(struct gp_buckets *bs);

#endif
