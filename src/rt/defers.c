/* defers.c — a goroutine's pending defers: the _defer chain and the open-coded defers of its frames
 * (see defers.h). */
#include "rt/defers.h"
#include "base/sort.h"

#include <stdlib.h>
#include <string.h>

enum { OPEN_MAX = 8 }; /* deferBits is a uint8: at most 8 open-coded defers per function */

const char *gp_defer_kind_name(enum gp_defer_kind k)
{
	return k == GP_DEFER_HEAP ? "heap" : k == GP_DEFER_STACK ? "stack" : "open";
}

static int find_func(const struct gp_rt *rt, struct gp_pccache *c, uint64_t pc, struct gp_func *f)
{
	uint64_t lpc = pc - rt->t->bias;
	if (!pc)
		return -1;
	if (c) {
		const struct gp_pcframe *e = gp_pccache_frame(c, lpc);
		if (!e)
			return -1;
		*f = e->fn;
		return 0;
	}
	return gp_pclntab_findfunc(&rt->b->pcln, lpc, f);
}

static const char *code_name(const struct gp_rt *rt, struct gp_pccache *c, uint64_t pc)
{
	struct gp_func f;
	return find_func(rt, c, pc, &f) == 0 ? gp_pclntab_funcname(&rt->b->pcln, &f) : "";
}

/* The func value fv (a *funcval): its code pointer and name. */
static void name_fv(const struct gp_rt *rt, struct gp_pccache *c, struct gp_defer *d, uint64_t fv)
{
	d->fv = fv;
	d->func = "";
	if (!fv)
		return;
	struct gp_err *err = gp_target_u64(rt->t, fv, &d->fn);
	if (err) {
		gp_err_free(err);
		d->fn = 0;
		return;
	}
	d->func = code_name(rt, c, d->fn);
}

/* readvarintUnsafe: a uvarint of at most 5 bytes at *addr (advanced). -1 when unreadable or too long. */
static int read_uvarint(const struct gp_rt *rt, uint64_t *addr, uint32_t *v)
{
	uint32_t r = 0;
	for (int shift = 0; shift <= 28; shift += 7) {
		uint8_t b;
		struct gp_err *err = gp_target_read(rt->t, (*addr)++, &b, 1);
		if (err) {
			gp_err_free(err);
			return -1;
		}
		if (b < 128) {
			*v = r + ((uint32_t)b << shift);
			return 0;
		}
		r += (uint32_t)(b & 127) << shift;
	}
	return -1;
}

/* The unwinder's frame.varp (traceback.go resolveInternal, amd64): fp minus the return address,
 * minus the saved frame pointer when that is still above sp. */
static uint64_t frame_varp(const struct gp_dframe *f)
{
	uint64_t varp = f->fp - 8;
	if (varp > f->sp)
		varp -= 8;
	return varp;
}

struct acc {
	struct gp_arena *a;
	struct gp_defers *out;
	size_t cap;
	int nomem, full;
};

/* Room for one more defer; NULL when out of memory (nomem) or at GP_DEFERS_MAX (full). */
static struct gp_defer *push(struct acc *x)
{
	if (x->out->n == GP_DEFERS_MAX) {
		x->full = 1;
		return NULL;
	}
	if (x->out->n == x->cap && !gp_arena_grow(x->a, (void **)&x->out->d, x->out->n, &x->cap, sizeof(struct gp_defer), 8)) {
		x->nomem = 1;
		return NULL;
	}
	struct gp_defer *d = &x->out->d[x->out->n++];
	memset(d, 0, sizeof(*d));
	d->slot = -1;
	d->frame = -1;
	return d;
}

/* Open-coded defer slot i, whose closure pointer is at addr: pushed after tmpl, named. 0 on
 * success and when the list is full (push said so), -1 out of memory, 1 when addr is unreadable. */
static int push_slot(const struct gp_rt *rt, struct gp_pccache *c, struct acc *x, const struct gp_defer *tmpl,
		     int i, uint64_t addr)
{
	uint64_t fv = 0;
	struct gp_err *err = gp_target_u64(rt->t, addr, &fv);
	if (err) {
		gp_err_free(err);
		return 1;
	}
	struct gp_defer *d = push(x);
	if (!d)
		return x->nomem ? -1 : 0;
	*d = *tmpl;
	d->slot = i;
	name_fv(rt, c, d, fv);
	return 0;
}

/* The pending open-coded defers of one frame from its OpenCodedDeferInfo funcdata at fd (run-time)
 * and its varp, highest bit first (runOpenDeferFrame before Go 1.22, _panic.nextDefer after).
 * 0 on success, -1 out of memory, 1 when the funcdata or the frame is not readable. */
static int open_coded(const struct gp_rt *rt, struct gp_pccache *c, struct acc *x, uint64_t fd, uint64_t varp,
		      const struct gp_defer *tmpl)
{
	uint32_t bits_off, second;
	if (read_uvarint(rt, &fd, &bits_off) || read_uvarint(rt, &fd, &second))
		return 1;
	uint8_t bits;
	struct gp_err *err = gp_target_read(rt->t, varp - bits_off, &bits, 1);
	if (err) {
		gp_err_free(err);
		return 1;
	}
	if (rt->b->bi.v.minor >= 22) { /* second = slotsOffset: slot i at varp - slotsOffset + 8*i */
		for (int i = OPEN_MAX - 1; i >= 0; i--) {
			if (!(bits & (1u << i)))
				continue;
			int r = push_slot(rt, c, x, tmpl, i, varp - second + 8 * (uint64_t)i);
			if (r || x->full)
				return r;
		}
		return 0;
	}
	/* second = nDefers; then a closure offset per defer, nDefers-1 first. */
	if (second > OPEN_MAX)
		return 1;
	for (int i = (int)second - 1; i >= 0; i--) {
		uint32_t coff;
		if (read_uvarint(rt, &fd, &coff))
			return 1;
		if (!(bits & (1u << i)))
			continue;
		int r = push_slot(rt, c, x, tmpl, i, varp - coff);
		if (r || x->full)
			return r;
	}
	return 0;
}

/* One record of the chain, as read. */
struct rec {
	uint64_t addr, sp, pc, fn, link, fd, varp, head;
	int heap, started, open, rangefunc;
	long frame;   /* matched frame, -1 none */
	int used;
};

/* Frames by sp, for matching records (the innermost frame first among equal sps: a corrupt walk
 * need not be sorted). */
struct spidx {
	uint64_t sp;
	size_t frame;
};

static int by_sp(const void *a, const void *b)
{
	const struct spidx *x = a, *y = b;
	if (x->sp != y->sp)
		return x->sp < y->sp ? -1 : 1;
	return x->frame < y->frame ? -1 : x->frame > y->frame;
}

/* The frame whose sp is sp, -1 if none. */
static long frame_at(const struct spidx *ix, size_t n, uint64_t sp)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ix[mid].sp < sp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && ix[lo].sp == sp ? (long)ix[lo].frame : -1;
}

/* Emit the defers of a chain record (a rangefunc record: the ones in its list). */
static int emit_record(const struct gp_rt *rt, struct gp_pccache *c, struct acc *x, const struct rec *r,
		       const struct gp_dframe *frames, const char **problem)
{
	const char *ffunc = r->frame >= 0 ? gp_pclntab_funcname(&rt->b->pcln, &frames[r->frame].fn) : code_name(rt, c, r->pc);
	struct gp_defer tmpl = {.kind = r->heap ? GP_DEFER_HEAP : GP_DEFER_STACK, .record = r->addr, .frame = (int)r->frame,
				.sp = r->sp, .pc = r->pc, .frame_func = ffunc, .slot = -1, .started = r->started};
	if (r->open) { /* 1.19–1.21 openDefer record: the frame's open-coded defers, from d.fd and d.varp */
		tmpl.kind = GP_DEFER_OPEN;
		int rc = open_coded(rt, c, x, r->fd, r->varp, &tmpl);
		if (rc > 0 && !*problem)
			*problem = "an openDefer record's funcdata or frame is not readable";
		return rc < 0 ? -1 : 0;
	}
	if (r->rangefunc) { /* deferprocat pushes onto *d.head; deferconvert splices the list in */
		uint64_t p = 0;
		struct gp_err *err = gp_target_u64(rt->t, r->head, &p);
		gp_err_free(err);
		const struct gp_layout *l = rt->l;
		for (size_t k = 0; p && !err && k < GP_DEFERS_MAX; k++) {
			uint64_t fn = 0, link = 0;
			if ((err = gp_target_u64(rt->t, p + (uint64_t)gp_loff(l, GP_L_DEFER_FN), &fn)) ||
			    (err = gp_target_u64(rt->t, p + (uint64_t)gp_loff(l, GP_L_DEFER_LINK), &link))) {
				gp_err_free(err);
				if (!*problem)
					*problem = "a rangefunc defer list leaves the core";
				break;
			}
			struct gp_defer *d = push(x);
			if (!d)
				return x->nomem ? -1 : 0;
			*d = tmpl;
			d->kind = GP_DEFER_HEAP;
			d->record = p;
			d->rangefunc = 1;
			name_fv(rt, c, d, fn);
			p = link;
		}
		return 0;
	}
	struct gp_defer *d = push(x);
	if (!d)
		return x->nomem ? -1 : 0;
	*d = tmpl;
	name_fv(rt, c, d, r->fn);
	return 0;
}

struct gp_err *gp_defers_read(const struct gp_rt *rt, struct gp_pccache *c, const struct gp_g *g,
			      const struct gp_dframe *frames, size_t nframes, struct gp_arena *a,
			      struct gp_defers *out)
{
	const struct gp_layout *l = rt->l;
	memset(out, 0, sizeof(*out));
	struct acc x = {a, out, 0};
	const char *problem = NULL;

	/* The chain, bounded and loop-checked. */
	uint64_t first = 0;
	struct gp_err *err = gp_target_u64(rt->t, g->addr + (uint64_t)gp_loff(l, GP_L_G__DEFER), &first);
	if (err) {
		gp_err_free(err);
		out->problem = "g._defer is not readable";
		return NULL;
	}
	/* frames by sp, for the records' frame_at (only when there are records) */
	struct spidx *ix = first ? GP_NEWN(a, struct spidx, nframes ? nframes : 1) : NULL;
	if (first && !ix)
		return &gp_err_nomem;
	int sorted = 1;
	for (size_t f = 0; first && f < nframes; f++) {
		ix[f] = (struct spidx){frames[f].sp, f};
		sorted &= f == 0 || ix[f - 1].sp <= ix[f].sp; /* innermost first: normally ascending already */
	}
	if (first && !sorted)
		gp_sort(ix, nframes, sizeof(*ix), by_sp);
	size_t nrec = 0, rcap = 0;
	struct rec *recs = NULL;
	int32_t dsize = gp_lsize(l, GP_L_SIZEOF_DEFER);
	for (uint64_t p = first; p; p = recs[nrec - 1].link) {
		if (nrec == GP_DEFERS_MAX) {
			problem = "the defer chain is longer than gopsy follows";
			break;
		}
		const unsigned char *b = dsize > 0 ? gp_target_ptr(rt->t, p, (size_t)dsize) : NULL;
		if (!b) {
			problem = "a _defer record is not readable";
			break;
		}
		int loop = 0;
		/* A loop can only come back to a record already read: check the newest few cheaply, all
		 * of them every power of two (amortized linear). */
		size_t from = (nrec & (nrec - 1)) == 0 ? 0 : (nrec > 8 ? nrec - 8 : 0);
		for (size_t i = from; i < nrec && !loop; i++)
			loop = recs[i].addr == p;
		if (loop) {
			problem = "the defer chain loops";
			break;
		}
		if (nrec == rcap && !gp_arena_grow(a, (void **)&recs, nrec, &rcap, sizeof(*recs), 16))
			return &gp_err_nomem;
		struct rec *r = &recs[nrec++];
		memset(r, 0, sizeof(*r));
		r->addr = p;
		r->sp = gp_lget(l, b, GP_L_DEFER_SP);
		r->pc = gp_lget(l, b, GP_L_DEFER_PC);
		r->fn = gp_lget(l, b, GP_L_DEFER_FN);
		r->link = gp_lget(l, b, GP_L_DEFER_LINK);
		r->heap = gp_lget(l, b, GP_L_DEFER_HEAP) & 0xff;
		r->started = gp_lget(l, b, GP_L_DEFER_STARTED) & 0xff;
		r->open = gp_lget(l, b, GP_L_DEFER_OPENDEFER) & 0xff;
		r->fd = gp_lget(l, b, GP_L_DEFER_FD);
		r->varp = gp_lget(l, b, GP_L_DEFER_VARP);
		r->rangefunc = gp_lget(l, b, GP_L_DEFER_RANGEFUNC) & 0xff;
		r->head = gp_lget(l, b, GP_L_DEFER_HEAD);
		r->frame = frame_at(ix, nframes, r->sp);
	}
	out->nrecords = nrec;
	if (!nframes)
		problem = problem ? problem : "no frames: open-coded defers cannot be seen";

	/* Frame by frame: its records (through per-frame lists in chain order), then, for a function
	 * with OpenCodedDeferInfo and no openDefer record of its own, the open-coded defers its
	 * deferBits say are pending. */
	long *head = GP_NEWN(a, long, nframes ? nframes : 1), *next = GP_NEWN(a, long, nrec ? nrec : 1);
	if (!head || !next)
		return &gp_err_nomem;
	for (size_t f = 0; f < nframes; f++)
		head[f] = -1;
	for (size_t i = nrec; i-- > 0;) {
		next[i] = -1;
		if (recs[i].frame >= 0) {
			next[i] = head[recs[i].frame];
			head[recs[i].frame] = (long)i;
		}
	}
	for (size_t f = 0; f < nframes && !x.full; f++) {
		int has_open_rec = 0;
		for (long i = head[f]; i >= 0; i = next[i]) {
			recs[i].used = 1;
			has_open_rec |= recs[i].open;
			if (emit_record(rt, c, &x, &recs[i], frames, &problem))
				return &gp_err_nomem;
		}
		uint64_t fd = gp_pclntab_funcdata(&rt->b->pcln, &frames[f].fn, GP_FUNCDATA_OPENCODEDDEFERINFO);
		if (!fd || has_open_rec)
			continue;
		struct gp_defer tmpl = {.kind = GP_DEFER_OPEN, .frame = (int)f, .sp = frames[f].sp, .pc = frames[f].pc,
					.frame_func = gp_pclntab_funcname(&rt->b->pcln, &frames[f].fn), .slot = -1};
		int rc = open_coded(rt, c, &x, fd + rt->t->bias, frame_varp(&frames[f]), &tmpl);
		if (rc < 0)
			return &gp_err_nomem;
		if (rc > 0 && !problem)
			problem = "a frame's open-coded defer info or deferBits is not readable";
	}
	int unmatched = 0;
	for (size_t i = 0; i < nrec && !x.full; i++) {
		if (recs[i].used)
			continue;
		unmatched = 1;
		if (emit_record(rt, c, &x, &recs[i], frames, &problem))
			return &gp_err_nomem;
	}
	if (unmatched && nframes && !problem)
		problem = "a _defer record matches no frame of the goroutine";
	if (x.full)
		problem = "the goroutine has more pending defers than gopsy lists";
	out->problem = problem;
	return NULL;
}
