/* sema.c — locating runtime.semtable and walking its treaps (see sema.h). The rules copy
 * runtime/sema.go: semTable.rootFor (the bucket), semaRoot.queue (the treap and waitlink lists),
 * semaRoot.dequeue (the order waiters are woken in). */
#include "rt/sema.h"

#include <string.h>

#include "rt/globals.h"

struct node {
	uint64_t addr, parent;
};

struct walk {
	const struct gp_rt *rt;
	const struct gp_semtable *st;
	size_t max, n, invalid;
	gp_is_g_fn *is_g;
	void *gctx;
	gp_sema_fn *fn;
	void *ctx;
	struct gp_arena *a;
	struct node *stack;
	size_t sn, scap;
	const char *problem;
	int stop, oom;
	/* the waitlink chain being walked */
	uint32_t root, pos;
	uint64_t elem;
};

static int chain_fn(void *ctx, const struct gp_sudog *s)
{
	struct walk *w = ctx;
	if (s->elem != w->elem || !w->is_g(w->gctx, s->g)) {
		w->invalid++;
		w->problem = "a semaphore waiter's sudog names another address or no goroutine";
		return 1;
	}
	w->n++;
	if (w->fn && w->fn(w->ctx, s, w->root, w->pos++)) {
		w->stop = 1;
		return 1;
	}
	return 0;
}

static int push(struct walk *w, uint64_t addr, uint64_t parent)
{
	if (!addr)
		return 0;
	if (!gp_arena_grow(w->a, (void **)&w->stack, w->sn, &w->scap, sizeof(*w->stack), 64)) {
		w->oom = w->stop = 1;
		return -1;
	}
	w->stack[w->sn].addr = addr;
	w->stack[w->sn].parent = parent;
	w->sn++;
	return 0;
}

static void walk_root(struct walk *w, uint32_t root, uint64_t treap)
{
	w->sn = 0;
	push(w, treap, 0);
	while (w->sn && !w->stop) {
		struct node nd = w->stack[--w->sn];
		if (w->n >= w->max) {
			w->problem = "runtime.semtable has more waiters than gopsy follows";
			w->stop = 1;
			return;
		}
		struct gp_sudog s;
		if (gp_sudog_read(w->rt, nd.addr, &s) != 0) {
			w->invalid++;
			w->problem = "a semaphore treap node is not readable";
			continue;
		}
		/* A child is believed only when it points back at the node it hangs from: then no node
		 * can be reached twice through the tree, and a corrupt link cannot make it loop. */
		if (s.parent != nd.parent) {
			w->invalid++;
			w->problem = "a semaphore treap node's parent link does not match the tree";
			continue;
		}
		if ((s.elem >> 3) % w->st->nroots != root || !s.elem) {
			w->invalid++;
			w->problem = "a semaphore treap node's address belongs to another root";
			continue;
		}
		if (!w->is_g(w->gctx, s.g)) {
			w->invalid++;
			w->problem = "a semaphore treap node names no goroutine";
			continue;
		}
		w->n++;
		if (w->fn && w->fn(w->ctx, &s, root, 0)) {
			w->stop = 1;
			return;
		}
		if (s.waitlink) {
			const char *why;
			w->root = root;
			w->pos = 1;
			w->elem = s.elem;
			gp_sudog_walk(w->rt, s.waitlink, GP_SUDOG_LINK_WAITLINK, w->max - w->n, chain_fn, w, &why);
			if (why) {
				w->invalid++;
				w->problem = why;
			}
		}
		if (push(w, s.prev, nd.addr) || push(w, s.next, nd.addr))
			return;
	}
}

size_t gp_semtable_walk(const struct gp_rt *rt, const struct gp_semtable *st, size_t max, gp_is_g_fn *is_g,
			void *gctx, gp_sema_fn *fn, void *ctx, struct gp_arena *a, const char **problem, int *oom)
{
	struct walk w;
	memset(&w, 0, sizeof(w));
	w.rt = rt;
	w.st = st;
	w.max = max;
	w.is_g = is_g;
	w.gctx = gctx;
	w.fn = fn;
	w.ctx = ctx;
	w.a = a;
	*oom = 0;
	int32_t treap = gp_loff(rt->l, GP_L_SEMAROOT_TREAP);
	for (uint32_t i = 0; i < st->nroots && !w.stop; i++) {
		uint64_t t = 0;
		struct gp_err *err = gp_target_u64(rt->t, st->addr + (uint64_t)i * st->stride + (uint64_t)treap, &t);
		if (err) {
			gp_err_free(err);
			w.problem = "a root of runtime.semtable is not readable";
			w.invalid++;
			continue;
		}
		if (t)
			walk_root(&w, i, t);
	}
	*problem = w.problem;
	*oom = w.oom;
	return w.n;
}

/* A candidate table: all roots readable, every nwait a count, no invalid node. Returns the number of
 * waiters (>= 0), or -1 when it is not the table. */
static int64_t score(const struct gp_rt *rt, struct gp_semtable *st, gp_is_g_fn *is_g, void *gctx,
		     struct gp_arena *a, size_t max)
{
	const unsigned char *p = gp_target_ptr(rt->t, st->addr, (size_t)st->nroots * st->stride);
	if (!p)
		return -1;
	int32_t nwait = gp_loff(rt->l, GP_L_SEMAROOT_NWAIT);
	for (uint32_t i = 0; i < st->nroots && nwait >= 0; i++) {
		uint32_t v;
		memcpy(&v, p + (size_t)i * st->stride + (size_t)nwait, 4);
		if (v > (1u << 31))
			return -1;
	}
	const char *why;
	int oom;
	size_t n = gp_semtable_walk(rt, st, max, is_g, gctx, NULL, NULL, a, &why, &oom);
	return why || oom ? -1 : (int64_t)n;
}

void gp_semtable_find(const struct gp_rt *rt, gp_is_g_fn *is_g, void *gctx, struct gp_arena *a,
		      struct gp_semtable *out, const char **problem)
{
	const struct gp_layout *l = rt->l;
	memset(out, 0, sizeof(*out));
	*problem = NULL;
	int64_t nroots = gp_layout_const(l, GP_K_SEM_TAB_SIZE), line = gp_layout_const(l, GP_K_CACHE_LINE_PAD_SIZE);
	int32_t rootsize = gp_lsize(l, GP_L_SIZEOF_SEMAROOT);
	if (nroots == GP_K_ABSENT || nroots <= 0 || nroots > 65536 || rootsize <= 0 || !gp_lhas(l, GP_L_SEMAROOT_TREAP)) {
		*problem = "this Go version's layout has no semaRoot or semTabSize";
		return;
	}
	out->nroots = (uint32_t)nroots;
	out->stride = line != GP_K_ABSENT && line >= rootsize ? (uint32_t)line : (uint32_t)rootsize;
	uint64_t sym;
	struct gp_err *err = gp_exe_symbol(rt->b->exe, "runtime.semtable", &sym, NULL);
	if (!err) {
		out->addr = sym + rt->t->bias;
		out->how = "symbol runtime.semtable";
		if (!gp_target_ptr(rt->t, out->addr, (size_t)out->nroots * out->stride)) {
			*problem = "runtime.semtable is not readable";
			out->addr = 0;
		}
		return;
	}
	gp_err_free(err);
	/* Stripped: the operands both semacquire1 and semrelease1 use (semtable.rootFor is inlined in
	 * both), believed only when the core holds a valid table there. */
	uint64_t acq[256], rel[256];
	int na = gp_rip_targets(rt->b, "runtime.semacquire1", acq, 256);
	int nr = gp_rip_targets(rt->b, "runtime.semrelease1", rel, 256);
	if (na < 0 || nr < 0) {
		*problem = "no symbol runtime.semtable, and runtime.semacquire1 or runtime.semrelease1 is not in the pclntab";
		return;
	}
	size_t max = rt->allgs.s.len * 2 + 1024;
	int64_t best = -1;
	uint64_t best_addr = 0;
	int ncand = 0, nempty = 0;
	for (int i = 0; i < na; i++) {
		int both = 0;
		for (int j = 0; j < nr && !both; j++)
			both = acq[i] == rel[j];
		if (!both)
			continue;
		ncand++;
		struct gp_semtable c = *out;
		c.addr = acq[i] + rt->t->bias;
		int64_t s = score(rt, &c, is_g, gctx, a, max);
		nempty += s == 0;
		if (s > best) {
			best = s;
			best_addr = c.addr;
		}
	}
	if (best < 0) {
		*problem = ncand ? "no symbol runtime.semtable, and none of the addresses runtime.semacquire1 and runtime.semrelease1 share holds a readable, valid semaphore table"
				 : "no symbol runtime.semtable, and runtime.semacquire1 and runtime.semrelease1 share no address operand";
		return;
	}
	out->addr = best_addr;
	/* An empty table validates anywhere zeroed; with no waiter to tell them apart the choice does
	 * not matter (nothing waits), and the how says so. */
	out->how = best > 0 || nempty <= 1 ? "code of runtime.semacquire1 and runtime.semrelease1"
					    : "code of runtime.semacquire1 and runtime.semrelease1 (no waiters: several empty candidates)";
}
