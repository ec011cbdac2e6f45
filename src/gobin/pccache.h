/* pccache.h — memoized pclntab lookups per pc. Goroutines of one program share a handful of pcs
 * (the same gopark, chanrecv, worker loops), so the decoded answers are kept in two direct-mapped
 * tables: per frame pc (the function and its SP delta, for the unwinder) and per lookup pc (the
 * inline chain with files and lines, and the argument-liveness index, for the renderer). An entry
 * is replaced on collision; answers are identical with or without the cache. Link-time pcs.
 */
#ifndef GOPSY_GOBIN_PCCACHE_H
#define GOPSY_GOBIN_PCCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "gobin/pclntab.h"

enum { GP_PCCACHE_INLINE = 8 }; /* longer inline chains are not cached */

struct gp_pcframe {
	uint64_t pc;       /* key; 0 = empty */
	int ok;            /* findfunc succeeded */
	struct gp_func fn;
	int32_t spdelta;   /* pcsp value at pc (-1 if absent) */
};

struct gp_pcsym {
	uint64_t pc;       /* key; 0 = empty */
	size_t n;
	struct gp_inline_frame lf[GP_PCCACHE_INLINE];
	int32_t liveidx;   /* PCDATA_ArgLiveIndex at pc */
	int32_t liveidx_outer; /* ... at lf[n-1].pc (Go 1.19 reads it there) */
};

struct gp_pccache {
	const struct gp_pclntab *t;
	struct gp_pcframe *frames;
	struct gp_pcsym *syms;
	size_t mask;
	uint64_t hits, misses;
};

/* A cache of 2^bits entries per table, from arena a. */
struct gp_err *gp_pccache_init(struct gp_pccache *c, const struct gp_pclntab *t, unsigned bits,
			       struct gp_arena *a) GP_MUST_USE;

/* findfunc(pc) and its SP delta; NULL when pc is in no function. */
const struct gp_pcframe *gp_pccache_frame(struct gp_pccache *c, uint64_t pc);

/* Inline chain and liveness index at pc in f; NULL when the chain is longer than the cache holds
 * (the caller then decodes directly). */
const struct gp_pcsym *gp_pccache_sym(struct gp_pccache *c, const struct gp_func *f, uint64_t pc);

#endif
