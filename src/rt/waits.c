/* waits.c — what blocked goroutines wait on (see waits.h). The rules copy runtime/chan.go
 * (chansend/chanrecv: gp.waiting = mysg; waitq.enqueue/dequeue, including dequeue's skipping of
 * select sudogs whose goroutine another case already won: g.selectDone), runtime/select.go
 * (selectgo pass 2: one sudog per case on gp.waiting through waitlink, nil channels omitted),
 * runtime/sema.go (semaRoot.queue, notifyListWait) and runtime/netpoll.go (netpollblock). */
#include "rt/waits.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/addrmap.h"
#include "rt/chan.h"
#include "rt/netpoll.h"
#include "rt/notifylist.h"
#include "rt/sema.h"
#include "rt/sudog.h"
#include "rt/syncobj.h"

enum {
	MAX_SELECT_CASES = 1 << 16, /* selectgo's cases are a uint16-indexed array */
	STACK_SCAN_BYTES = 8192,    /* how far above the saved sp the Cond / pollDesc pointer is looked for */
	COND_SLACK = 64,            /* waiters a list may have beyond the goroutines parked in Cond.Wait */
};

/* Keys of the object map: the address, tagged with the kind in the top byte (an RWMutex and its
 * w Mutex share an address). User addresses are below 2^56 on amd64. */
static uint64_t okey(enum gp_wobj_kind k, uint64_t addr)
{
	return (addr & ((1ull << 56) - 1)) | ((uint64_t)(k + 1) << 56);
}

struct semlist {
	uint64_t sema;
	uint64_t *goids;
	size_t n, cap;
};

struct ctx {
	const struct gp_rt *rt;
	const struct gp_layout *l;
	struct gp_pccache *cache;
	struct gp_arena *a;
	struct gp_waits *w;
	int oom;
	/* allgs */
	uint64_t nall;
	uint64_t *goid;             /* per allgs index */
	struct gp_addrmap gmap;     /* g -> allgs index */
	int32_t *bidx;              /* per allgs index: index in w->gs, -1 when not blocked */
	/* what else is known of the blocked goroutines (parallel to w->gs) */
	struct gx {
		uint64_t waiting, sp, hi; /* g.waiting, g.sched.sp, g.stack.hi */
		uint32_t select_done;     /* g.selectDone */
		uint64_t qsudog;          /* the non-select sudog of it found in a channel queue, */
		int32_t qobj;             /* that channel, */
		uint32_t qdir;            /* that queue */
		int32_t semidx;           /* index into sl of the semaphore it is queued on, or -1 */
		int32_t condobj;          /* the Cond object it was found queued on, or -1 */
	} *gx;
	size_t gcap, ocap, lcap;
	size_t ncond;               /* blocked in sync.Cond.Wait */
	struct gp_addrmap omap;     /* okey -> object index */
	struct gp_addrmap sudogs;   /* a queued select sudog -> object index * 2 + direction */
	size_t budget;              /* sudogs left to follow over all walks */
	/* semaphores, read once on first need */
	int sema_done;
	const char *sema_problem;
	struct gp_semtable st;
	struct gp_addrmap semq;     /* semaphore address -> index into sl */
	struct semlist *sl;
	size_t nsl, slcap;
	/* sync.Cond */
	struct gp_addrmap tried;    /* notifyLists already walked */
};

static const char *astr(struct ctx *c, const char *fmt, ...) GP_PRINTF(2, 3);
static const char *astr(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	const char *s = gp_arena_vprintf(c->a, fmt, ap);
	va_end(ap);
	if (!s)
		c->oom = 1;
	return s ? s : "out of memory";
}

static int64_t konst(const struct gp_layout *l, enum gp_lconst k)
{
	return gp_layout_const(l, k);
}

static int is_wr(const struct gp_layout *l, uint32_t wr, enum gp_lconst k)
{
	int64_t v = konst(l, k);
	return v != GP_K_ABSENT && (uint32_t)v == wr;
}

static enum gp_wait_class classify(const struct gp_layout *l, uint32_t wr)
{
	if (is_wr(l, wr, GP_K_WAITREASON_CHAN_RECEIVE) || is_wr(l, wr, GP_K_WAITREASON_CHAN_SEND) ||
	    is_wr(l, wr, GP_K_WAITREASON_SYNCTEST_CHAN_RECEIVE) || is_wr(l, wr, GP_K_WAITREASON_SYNCTEST_CHAN_SEND))
		return GP_WAIT_CHAN;
	if (is_wr(l, wr, GP_K_WAITREASON_SELECT) || is_wr(l, wr, GP_K_WAITREASON_SYNCTEST_SELECT))
		return GP_WAIT_SELECT;
	if (is_wr(l, wr, GP_K_WAITREASON_CHAN_RECEIVE_NIL_CHAN) || is_wr(l, wr, GP_K_WAITREASON_CHAN_SEND_NIL_CHAN))
		return GP_WAIT_NIL_CHAN;
	if (is_wr(l, wr, GP_K_WAITREASON_SELECT_NO_CASES))
		return GP_WAIT_SELECT_NO_CASES;
	if (is_wr(l, wr, GP_K_WAITREASON_SEMACQUIRE) || is_wr(l, wr, GP_K_WAITREASON_SYNC_MUTEX_LOCK) ||
	    is_wr(l, wr, GP_K_WAITREASON_SYNC_RW_MUTEX_R_LOCK) || is_wr(l, wr, GP_K_WAITREASON_SYNC_RW_MUTEX_LOCK) ||
	    is_wr(l, wr, GP_K_WAITREASON_SYNC_WAIT_GROUP_WAIT) || is_wr(l, wr, GP_K_WAITREASON_SYNCTEST_WAIT_GROUP_WAIT))
		return GP_WAIT_SEMA;
	if (is_wr(l, wr, GP_K_WAITREASON_SYNC_COND_WAIT))
		return GP_WAIT_COND;
	if (is_wr(l, wr, GP_K_WAITREASON_IO_WAIT))
		return GP_WAIT_IO;
	if (is_wr(l, wr, GP_K_WAITREASON_SLEEP))
		return GP_WAIT_SLEEP;
	return GP_WAIT_OTHER;
}

/* The goid of g, 0 when g is not a goroutine of allgs; *k its index in w->gs (-1: not blocked). */
static uint64_t goid_of(const struct ctx *c, uint64_t g, int32_t *k)
{
	int64_t i = gp_addrmap_get(&c->gmap, g);
	*k = i < 0 ? -1 : c->bidx[i];
	return i < 0 ? 0 : c->goid[i];
}

static int is_g(void *ctx, uint64_t g)
{
	return gp_addrmap_get(&((struct ctx *)ctx)->gmap, g) >= 0;
}

/* ---- objects and links */

static struct gp_wobj *new_obj(struct ctx *c, enum gp_wobj_kind k, uint64_t addr, int64_t *idx)
{
	struct gp_waits *w = c->w;
	*idx = -1;
	if (!gp_arena_grow(c->a, (void **)&w->objs, w->nobjs, &c->ocap, sizeof(*w->objs), 64) ||
	    gp_addrmap_put(&c->omap, c->a, okey(k, addr), (uint32_t)w->nobjs) < 0) {
		c->oom = 1;
		return NULL;
	}
	struct gp_wobj *o = &w->objs[w->nobjs];
	memset(o, 0, sizeof(*o));
	o->kind = k;
	o->addr = addr;
	o->fd = -1;
	o->acquirer = "";
	o->elem.name = "";
	*idx = (int64_t)w->nobjs++;
	return o;
}

static void add_link(struct ctx *c, struct gp_wg *g, int64_t obj, uint32_t dir)
{
	struct gp_waits *w = c->w;
	if (obj < 0)
		return;
	if (!gp_arena_grow(c->a, (void **)&w->links, w->nlinks, &c->lcap, sizeof(*w->links), 256)) {
		c->oom = 1;
		return;
	}
	if (!g->nlinks)
		g->link0 = (uint32_t)w->nlinks;
	w->links[w->nlinks].obj = (uint32_t)obj;
	w->links[w->nlinks].dir = dir;
	w->nlinks++;
	g->nlinks++;
}

static void push_goid(struct ctx *c, uint64_t **v, size_t *n, size_t *cap, uint64_t goid)
{
	if (!gp_arena_grow(c->a, (void **)v, *n, cap, sizeof(**v), 4)) {
		c->oom = 1;
		return;
	}
	(*v)[(*n)++] = goid;
}

/* ---- channels */

struct qwalk {
	struct ctx *c;
	int64_t obj;
	uint32_t dir;
	size_t cap;
	const char *problem;
};

/* g.selectDone: of a blocked goroutine as read with it, of another from the core. */
static uint32_t g_select_done(const struct ctx *c, uint64_t g, int32_t k)
{
	uint32_t v = 0;
	if (k >= 0)
		return c->gx[k].select_done;
	if (!gp_lhas(c->l, GP_L_G_SELECTDONE))
		return 0;
	struct gp_err *err = gp_target_read(c->rt->t, g + (uint64_t)gp_loff(c->l, GP_L_G_SELECTDONE), &v, 4);
	gp_err_free(err);
	return err ? 0 : v;
}

static int queue_fn(void *ctx, const struct gp_sudog *s)
{
	struct qwalk *q = ctx;
	struct ctx *c = q->c;
	if (!c->budget) {
		q->problem = "the queue was cut: gopsy's budget of sudogs to follow is spent";
		return 1;
	}
	c->budget--;
	gp_target_release_every(c->rt->t, c->budget); /* a queue of 100k sudogs: bounded RSS */
	int32_t k;
	uint64_t goid = goid_of(c, s->g, &k);
	if (!goid) {
		q->problem = "a queued sudog names no goroutine";
		return 0;
	}
	/* waitq.dequeue passes over a select's sudog whose goroutine another case already woke. */
	if (s->is_select && g_select_done(c, s->g, k))
		return 0;
	/* Where each goroutine's sudog was found: for a select (several sudogs) by sudog, else on the
	 * goroutine itself. */
	if (s->is_select) {
		if (gp_addrmap_put(&c->sudogs, c->a, s->addr, (uint32_t)(q->obj * 2 + q->dir)) < 0) {
			c->oom = 1;
			return 1;
		}
	} else if (k >= 0) {
		c->gx[k].qsudog = s->addr;
		c->gx[k].qobj = (int32_t)q->obj;
		c->gx[k].qdir = q->dir;
	}
	struct gp_wobj *o = &c->w->objs[q->obj];
	push_goid(c, &o->q[q->dir].goids, &o->q[q->dir].n, &q->cap, goid);
	return c->oom;
}

static int64_t chan_obj(struct ctx *c, uint64_t addr)
{
	int64_t idx = gp_addrmap_get(&c->omap, okey(GP_WOBJ_CHAN, addr));
	if (idx >= 0)
		return idx;
	struct gp_chan ch;
	const char *why = NULL;
	int ok = gp_chan_read(c->rt, addr, &ch, &why) == 0;
	struct gp_wobj *o = new_obj(c, GP_WOBJ_CHAN, addr, &idx);
	if (!o)
		return -1;
	if (!ok) {
		o->problem = why;
		return idx;
	}
	o->cap = ch.dataqsiz;
	o->len = ch.qcount;
	o->closed = ch.closed != 0;
	o->timer = ch.timer != 0;
	gp_type_read(c->rt, ch.elemtype, &o->elem);
	uint64_t first[2] = {ch.recvq, ch.sendq};
	for (uint32_t d = 0; d < 2; d++) {
		struct qwalk q = {c, idx, d, 0, NULL};
		const char *cut;
		gp_sudog_walk(c->rt, first[d], GP_SUDOG_LINK_NEXT, c->nall + MAX_SELECT_CASES, queue_fn, &q, &cut);
		if ((cut || q.problem) && !c->w->objs[idx].problem)
			c->w->objs[idx].problem = astr(c, "its %s queue: %s", d ? "send" : "receive", cut ? cut : q.problem);
	}
	return idx;
}

struct gwalk {
	struct ctx *c;
	size_t k;
	const char *problem;
};

static int case_fn(void *ctx, const struct gp_sudog *s)
{
	struct gwalk *gw = ctx;
	struct ctx *c = gw->c;
	struct gp_wg *g = &c->w->gs[gw->k];
	const struct gx *x = &c->gx[gw->k];
	if (s->g != g->g) {
		gw->problem = "a sudog on its g.waiting list belongs to another goroutine";
		return 1;
	}
	if (!s->c) {
		gw->problem = "a sudog on its g.waiting list has no channel";
		return 0;
	}
	int64_t obj = chan_obj(c, s->c);
	if (obj < 0)
		return 1;
	int64_t v = s->is_select ? gp_addrmap_get(&c->sudogs, s->addr)
				 : x->qsudog == s->addr ? (int64_t)x->qobj * 2 + x->qdir : -1;
	if (v >= 0 && v / 2 == obj) {
		add_link(c, g, obj, (uint32_t)(v & 1));
		return c->oom;
	}
	if (g->cls == GP_WAIT_CHAN) {
		/* The direction is the wait reason's; that the sudog is not queued is worth saying. */
		int send = is_wr(c->l, g->waitreason, GP_K_WAITREASON_CHAN_SEND) ||
			   is_wr(c->l, g->waitreason, GP_K_WAITREASON_SYNCTEST_CHAN_SEND);
		add_link(c, g, obj, (uint32_t)send);
	}
	gw->problem = c->w->objs[obj].problem ? c->w->objs[obj].problem : "its sudog is not in the channel's queues";
	return c->oom;
}

static void chan_waits(struct ctx *c, size_t k)
{
	struct gp_wg *g = &c->w->gs[k];
	if (!c->gx[k].waiting) {
		g->problem = "g.waiting is nil: no sudog to follow";
		return;
	}
	struct gwalk gw = {c, k, NULL};
	const char *cut;
	gp_sudog_walk(c->rt, c->gx[k].waiting, GP_SUDOG_LINK_WAITLINK, g->cls == GP_WAIT_CHAN ? 1 : MAX_SELECT_CASES,
		      case_fn, &gw, &cut);
	if (cut && !(g->cls == GP_WAIT_CHAN && g->nlinks == 1))
		g->problem = astr(c, "its g.waiting list: %s", cut);
	else if (gw.problem)
		g->problem = gw.problem;
}

/* ---- semaphores */

static int sema_fn(void *ctx, const struct gp_sudog *s, uint32_t root, uint32_t pos)
{
	(void)root;
	(void)pos;
	struct ctx *c = ctx;
	int64_t i = gp_addrmap_get(&c->semq, s->elem);
	if (i < 0) {
		if (!gp_arena_grow(c->a, (void **)&c->sl, c->nsl, &c->slcap, sizeof(*c->sl), 64) ||
		    gp_addrmap_put(&c->semq, c->a, s->elem, (uint32_t)c->nsl) < 0) {
			c->oom = 1;
			return 1;
		}
		memset(&c->sl[c->nsl], 0, sizeof(c->sl[0]));
		c->sl[c->nsl].sema = s->elem;
		i = (int64_t)c->nsl++;
	}
	struct semlist *l = &c->sl[i];
	int32_t k;
	push_goid(c, &l->goids, &l->n, &l->cap, goid_of(c, s->g, &k));
	if (k >= 0 && c->gx[k].semidx < 0)
		c->gx[k].semidx = (int32_t)i;
	return c->oom;
}

static void sema_init(struct ctx *c)
{
	c->sema_done = 1;
	gp_semtable_find(c->rt, is_g, c, c->a, &c->st, &c->sema_problem);
	c->w->semtable = c->st.addr;
	c->w->semtable_how = c->st.how;
	if (!c->st.addr)
		return;
	const char *why;
	int oom;
	gp_semtable_walk(c->rt, &c->st, c->nall * 2 + 1024, is_g, c, sema_fn, c, c->a, &why, &oom);
	if (oom)
		c->oom = 1;
	if (why)
		c->sema_problem = astr(c, "runtime.semtable: %s", why);
}

/* Go 1.26+: the semaphore (or notifyList) the goroutine's own g.waiting sudog names, 0 if none. */
static uint64_t waiting_elem(struct ctx *c, size_t k)
{
	struct gp_sudog s;
	if (c->rt->b->bi.v.minor < 26 || !c->gx[k].waiting || gp_sudog_read(c->rt, c->gx[k].waiting, &s) != 0 ||
	    s.g != c->w->gs[k].g)
		return 0;
	return s.elem;
}

static void sema_waits(struct ctx *c, size_t k)
{
	struct gp_wg *g = &c->w->gs[k];
	if (!c->sema_done)
		sema_init(c);
	if (c->oom)
		return;
	int32_t si = c->gx[k].semidx;
	uint64_t sema = si >= 0 ? c->sl[si].sema : 0, own = waiting_elem(c, k);
	if (sema && own && own != sema)
		g->problem = "its g.waiting sudog and runtime.semtable name different semaphores";
	if (!sema && own) {
		sema = own;
		g->problem = c->st.addr ? "its sudog is not in runtime.semtable (found through g.waiting)"
					: astr(c, "found through g.waiting; %s", c->sema_problem);
	}
	if (!sema) {
		g->problem = c->st.addr ? (c->sema_problem ? c->sema_problem : "its sudog is not in runtime.semtable")
					: c->sema_problem;
		return;
	}
	/* The frames are needed only to tell what a "semacquire" is. */
	struct gp_g gg;
	const struct gp_g *gp = NULL;
	if (is_wr(c->l, g->waitreason, GP_K_WAITREASON_SEMACQUIRE)) {
		struct gp_err *err = gp_rt_read_g(c->rt, g->g, &gg);
		gp = err ? NULL : &gg;
		gp_err_free(err);
	}
	struct gp_semobj so;
	gp_semobj_name(c->rt, c->cache, gp, g->waitreason, sema, &so);
	int64_t idx = gp_addrmap_get(&c->omap, okey(so.kind, so.addr));
	if (idx < 0) {
		struct gp_wobj *o = new_obj(c, so.kind, so.addr, &idx);
		if (!o)
			return;
		o->acquirer = so.acquirer;
		gp_semobj_semas(c->rt, so.kind, so.addr, o->sema);
		for (int d = 0; d < GP_WDIRS; d++) {
			int64_t li = o->sema[d] ? gp_addrmap_get(&c->semq, o->sema[d]) : -1;
			if (li >= 0) {
				o->q[d].goids = c->sl[li].goids;
				o->q[d].n = c->sl[li].n;
			}
		}
		if (c->sema_problem)
			o->problem = c->sema_problem;
	}
	add_link(c, g, idx, so.dir);
}

/* ---- stack words near the saved sp */

typedef int word_fn(struct ctx *c, size_t k, uint64_t w);

/* Call fn with each word of goroutine k's stack from its saved sp up (at most STACK_SCAN_BYTES,
 * not past stack.hi) until it returns non-zero; 1 when it did. */
static int scan_stack(struct ctx *c, size_t k, word_fn *fn)
{
	uint64_t sp = c->gx[k].sp, hi = c->gx[k].hi;
	if (!sp || (sp & 7) || hi <= sp)
		return 0;
	uint64_t end = hi - sp > STACK_SCAN_BYTES ? sp + STACK_SCAN_BYTES : hi;
	for (uint64_t a = sp; a < end; a += 512) {
		size_t n = end - a < 512 ? (size_t)(end - a) : 512;
		const unsigned char *p = gp_target_ptr(c->rt->t, a, n);
		if (!p)
			return 0;
		for (size_t i = 0; i + 8 <= n; i += 8) {
			uint64_t w;
			memcpy(&w, p + i, 8);
			if (w >= 4096 && !(w & 7) && fn(c, k, w))
				return 1;
		}
	}
	return 0;
}

/* ---- sync.Cond */

struct cwalk {
	struct ctx *c;
	uint64_t g;
	const struct gp_notifylist *nl;
	uint64_t last;
	int found, bad;
};

/* Every sudog of a real list belongs to a goroutine and holds a ticket notifyListAdd handed out
 * and notifyListNotify* has not reached yet: notify <= ticket < wait (modulo 2^32, runtime's
 * less()). */
static int cond_probe_fn(void *ctx, const struct gp_sudog *s)
{
	struct cwalk *cw = ctx;
	if (gp_addrmap_get(&cw->c->gmap, s->g) < 0 || (int32_t)(s->ticket - cw->nl->notify) < 0 ||
	    (int32_t)(s->ticket - cw->nl->wait) >= 0) {
		cw->bad = 1;
		return 1;
	}
	cw->found |= s->g == cw->g;
	cw->last = s->addr;
	return 0;
}

struct cfill {
	struct ctx *c;
	int64_t obj;
	size_t cap;
};

static int cond_fill_fn(void *ctx, const struct gp_sudog *s)
{
	struct cfill *f = ctx;
	struct ctx *c = f->c;
	struct gp_wobj *o = &c->w->objs[f->obj];
	int32_t k;
	push_goid(c, &o->q[0].goids, &o->q[0].n, &f->cap, goid_of(c, s->g, &k));
	if (k >= 0 && c->gx[k].condobj < 0)
		c->gx[k].condobj = (int32_t)f->obj;
	return c->oom;
}

/* The list at addr holds goroutine g: make it (once) an object with its queue. 1 when it does. */
static int cond_try(struct ctx *c, size_t k, uint64_t list)
{
	struct gp_notifylist nl;
	if (gp_addrmap_get(&c->tried, list) >= 0 || gp_notifylist_read(c->rt, list, &nl) != 0 || !nl.head)
		return 0;
	if (gp_addrmap_put(&c->tried, c->a, list, 1) < 0) {
		c->oom = 1;
		return 1;
	}
	size_t max = c->ncond + COND_SLACK;
	struct cwalk cw = {c, c->w->gs[k].g, &nl, 0, 0, 0};
	const char *cut;
	gp_sudog_walk(c->rt, nl.head, GP_SUDOG_LINK_NEXT, max, cond_probe_fn, &cw, &cut);
	/* ... and the list ends at its tail (notifyListWait appends at l.tail). */
	if (!cw.found || cw.bad || cut || cw.last != nl.tail)
		return 0;
	int64_t idx;
	uint64_t cond = gp_notifylist_cond(c->rt, list);
	struct gp_wobj *o = new_obj(c, GP_WOBJ_COND, cond ? cond : list, &idx);
	if (!o)
		return 1;
	o->notify_list = list;
	o->ticket_wait = nl.wait;
	o->ticket_notify = nl.notify;
	struct cfill fill = {c, idx, 0};
	gp_sudog_walk(c->rt, nl.head, GP_SUDOG_LINK_NEXT, max, cond_fill_fn, &fill, &cut);
	if (cut)
		c->w->objs[idx].problem = astr(c, "its notifyList: %s", cut);
	return 1;
}

static int cond_word(struct ctx *c, size_t k, uint64_t w)
{
	int32_t off = gp_loff(c->l, GP_L_SYNC_COND_NOTIFY);
	return cond_try(c, k, w) || (off >= 0 && cond_try(c, k, w + (uint64_t)off)) || c->oom;
}

static void cond_waits(struct ctx *c, size_t k)
{
	struct gp_wg *g = &c->w->gs[k];
	int64_t obj = c->gx[k].condobj;
	if (obj < 0) {
		uint64_t own = waiting_elem(c, k);
		if (own)
			cond_try(c, k, own);
		else
			scan_stack(c, k, cond_word);
		obj = c->gx[k].condobj;
	}
	if (obj >= 0) {
		add_link(c, g, obj, 0);
		return;
	}
	g->problem = c->rt->b->bi.v.minor >= 26
			     ? "not located: its g.waiting sudog names no notifyList that holds it"
			     : "not located: no word near its saved sp is a sync.Cond or notifyList whose wait list holds it";
}

/* ---- IO wait */

static int io_word(struct ctx *c, size_t k, uint64_t w)
{
	struct gp_wg *g = &c->w->gs[k];
	struct gp_polldesc pd;
	uint32_t dir;
	if (gp_polldesc_for_word(c->rt, w, g->g, &pd, &dir) != 0)
		return 0;
	int64_t idx = gp_addrmap_get(&c->omap, okey(GP_WOBJ_POLLDESC, pd.addr));
	if (idx < 0) {
		struct gp_wobj *o = new_obj(c, GP_WOBJ_POLLDESC, pd.addr, &idx);
		if (!o)
			return 1;
		o->fd = (int64_t)pd.fd;
		o->closing = pd.closing;
		uint64_t gs[2] = {pd.rg, pd.wg};
		for (int d = 0; d < 2; d++) {
			int32_t gk;
			uint64_t goid = goid_of(c, gs[d], &gk);
			size_t cap = 0;
			if (goid)
				push_goid(c, &o->q[d].goids, &o->q[d].n, &cap, goid);
		}
	}
	add_link(c, g, idx, dir);
	return 1;
}

static void io_waits(struct ctx *c, size_t k)
{
	if (!scan_stack(c, k, io_word))
		c->w->gs[k].problem = "not located: no word near its saved sp is a pollDesc whose rg or wg holds it";
}

/* ---- the goroutines */

static void read_gs(struct ctx *c)
{
	const struct gp_rt *rt = c->rt;
	const struct gp_layout *l = c->l;
	struct gp_waits *w = c->w;
	int32_t gsize = gp_lsize(l, GP_L_SIZEOF_G);
	int64_t waiting = konst(l, GP_K_GSTATUS_WAITING), leaked = konst(l, GP_K_GSTATUS_LEAKED),
		scan = konst(l, GP_K_GSTATUS_SCAN);
	c->nall = rt->allgs.s.len;
	const unsigned char *arr = c->nall ? gp_target_ptr(rt->t, rt->allgs.s.ptr, (size_t)c->nall * 8) : NULL;
	if (!arr) {
		c->nall = 0;
		w->problem = "runtime.allgs is not readable";
		return;
	}
	/* Per allgs entry, and room for as many blocked goroutines up to a million without regrowing
	 * (nearly all of a large process's goroutines are blocked). */
	c->goid = GP_NEWN(c->a, uint64_t, c->nall);
	c->bidx = GP_NEWN(c->a, int32_t, c->nall);
	c->gcap = c->nall < (1u << 20) ? (size_t)c->nall : (size_t)1 << 20;
	w->gs = GP_NEWN(c->a, struct gp_wg, c->gcap);
	c->gx = GP_NEWN(c->a, struct gx, c->gcap);
	if (!c->goid || !c->bidx || !w->gs || !c->gx || gp_addrmap_reserve(&c->gmap, c->a, (size_t)c->nall) < 0) {
		c->oom = 1;
		return;
	}
	size_t unreadable = 0;
	for (uint64_t i = 0; i < c->nall && !c->oom; i++) {
		uint64_t ga;
		memcpy(&ga, arr + i * 8, 8);
		c->bidx[i] = -1;
		gp_target_release_every(rt->t, i);
		unsigned char gbuf[2048];
		const unsigned char *p = ga && gsize > 0 ? gp_target_view(rt->t, ga, (size_t)gsize, gbuf, sizeof(gbuf)) : NULL;
		if (!p) {
			unreadable++;
			continue;
		}
		c->goid[i] = gp_lget(l, p, GP_L_G_GOID);
		if (gp_addrmap_put(&c->gmap, c->a, ga, (uint32_t)i) < 0) {
			c->oom = 1;
			return;
		}
		uint32_t st = (uint32_t)gp_lget(l, p, GP_L_G_ATOMICSTATUS);
		if (scan != GP_K_ABSENT)
			st &= ~(uint32_t)scan;
		if ((int64_t)st != waiting && (leaked == GP_K_ABSENT || (int64_t)st != leaked))
			continue;
		if (w->ngs == c->gcap) {
			size_t cap = c->gcap;
			if (!gp_arena_grow(c->a, (void **)&w->gs, w->ngs, &c->gcap, sizeof(*w->gs), 256) ||
			    !gp_arena_grow(c->a, (void **)&c->gx, w->ngs, &cap, sizeof(*c->gx), 256)) {
				c->oom = 1;
				return;
			}
		}
		struct gx *x = &c->gx[w->ngs];
		x->waiting = gp_lget(l, p, GP_L_G_WAITING);
		x->sp = gp_lget(l, p, GP_L_G_SCHED_SP);
		x->hi = gp_lget(l, p, GP_L_G_STACK_HI);
		x->select_done = (uint32_t)gp_lget(l, p, GP_L_G_SELECTDONE);
		x->qsudog = 0;
		x->qobj = x->semidx = x->condobj = -1;
		c->bidx[i] = (int32_t)w->ngs;
		struct gp_wg *g = &w->gs[w->ngs];
		memset(g, 0, sizeof(*g));
		g->g = ga;
		g->goid = c->goid[i];
		g->status = st;
		g->waitreason = (uint32_t)gp_lget(l, p, GP_L_G_WAITREASON);
		g->cls = classify(l, g->waitreason);
		c->ncond += g->cls == GP_WAIT_COND;
		w->ngs++;
	}
	if (unreadable)
		w->problem = astr(c, "%zu of the %llu goroutines of allgs are not readable", unreadable,
				  (unsigned long long)c->nall);
}

struct gp_err *gp_waits_read(const struct gp_rt *rt, struct gp_pccache *cache, struct gp_arena *a,
			     struct gp_waits *out)
{
	memset(out, 0, sizeof(*out));
	struct ctx c;
	memset(&c, 0, sizeof(c));
	c.rt = rt;
	c.l = rt->l;
	c.cache = cache;
	c.a = a;
	c.w = out;
	gp_addrmap_init(&c.gmap);
	gp_addrmap_init(&c.omap);
	gp_addrmap_init(&c.sudogs);
	gp_addrmap_init(&c.semq);
	gp_addrmap_init(&c.tried);
	read_gs(&c);
	c.budget = (size_t)c.nall * 8 + (1u << 20);
	for (size_t k = 0; k < out->ngs && !c.oom; k++) {
		gp_target_release_every(rt->t, k); /* their stacks, sudogs and objects: bounded RSS */
		switch (out->gs[k].cls) {
		case GP_WAIT_CHAN:
		case GP_WAIT_SELECT:
			chan_waits(&c, k);
			break;
		case GP_WAIT_SEMA:
			sema_waits(&c, k);
			break;
		case GP_WAIT_COND:
			cond_waits(&c, k);
			break;
		case GP_WAIT_IO:
			io_waits(&c, k);
			break;
		default:
			break;
		}
	}
	if (c.oom)
		return &gp_err_nomem;
	if (c.sema_done && !c.st.addr && !out->problem)
		out->problem = c.sema_problem;
	return NULL;
}

const char *gp_wait_class_name(enum gp_wait_class k)
{
	switch (k) {
	case GP_WAIT_CHAN: return "chan";
	case GP_WAIT_SELECT: return "select";
	case GP_WAIT_NIL_CHAN: return "nil chan";
	case GP_WAIT_SELECT_NO_CASES: return "select (no cases)";
	case GP_WAIT_SEMA: return "semaphore";
	case GP_WAIT_COND: return "cond";
	case GP_WAIT_IO: return "io";
	case GP_WAIT_SLEEP: return "sleep";
	case GP_WAIT_OTHER: return "other";
	}
	return "?";
}

const char *gp_wobj_kind_name(enum gp_wobj_kind k)
{
	switch (k) {
	case GP_WOBJ_CHAN: return "chan";
	case GP_WOBJ_MUTEX: return "sync.Mutex";
	case GP_WOBJ_RWMUTEX: return "sync.RWMutex";
	case GP_WOBJ_WAITGROUP: return "sync.WaitGroup";
	case GP_WOBJ_SEMA: return "semaphore";
	case GP_WOBJ_COND: return "sync.Cond";
	case GP_WOBJ_POLLDESC: return "pollDesc";
	}
	return "?";
}

const char *gp_wobj_dir_name(enum gp_wobj_kind k, uint32_t dir)
{
	switch (k) {
	case GP_WOBJ_CHAN: return dir == 0 ? "recv" : dir == 1 ? "send" : NULL;
	case GP_WOBJ_RWMUTEX: return dir == 0 ? "readers" : dir == 1 ? "writers" : NULL;
	case GP_WOBJ_POLLDESC: return dir == 0 ? "read" : dir == 1 ? "write" : NULL;
	case GP_WOBJ_MUTEX: return dir == 0 ? "lock" : NULL;
	case GP_WOBJ_WAITGROUP:
	case GP_WOBJ_COND: return dir == 0 ? "wait" : NULL;
	case GP_WOBJ_SEMA: return dir == 0 ? "acquire" : NULL;
	}
	return NULL;
}
