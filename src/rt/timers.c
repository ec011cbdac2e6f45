/* timers.c — reading the runtime's timer heaps and telling what each timer is for (see timers.h). */
#include "rt/timers.h"
#include "base/sort.h"

#include <stdlib.h>
#include <string.h>

#include "rt/godebug.h"
#include "rt/synctest.h"

/* time.Time (time/time.go): wall's top bit hasMonotonic; with it, wall bits 30..62 are seconds since
 * 1885 (wallToInternal) and ext the monotonic reading; without it, ext is seconds since year 1.
 * wall & nsecMask is the nanosecond either way. */
enum { NSEC_SHIFT = 30 };
#define NSEC_MASK ((1ull << NSEC_SHIFT) - 1)
#define HAS_MONOTONIC (1ull << 63)
#define SECONDS_PER_DAY 86400LL
#define WALL_TO_INTERNAL ((1884LL * 365 + 1884 / 4 - 1884 / 100 + 1884 / 400) * SECONDS_PER_DAY)
#define UNIX_TO_INTERNAL ((1969LL * 365 + 1969 / 4 - 1969 / 100 + 1969 / 400) * SECONDS_PER_DAY)

/* How many closure words are searched for the *timerCtx (context.WithDeadlineCause's closure
 * captures c and cause: c is the first word after the code pointer in every version seen). */
enum { CLOSURE_WORDS = 4 };

const char *gp_timer_kind_name(enum gp_timer_kind k)
{
	static const char *const names[GP_TIMER__KINDS] = {"other", "sleep", "afterfunc", "context", "chan",
							   "ticker", "netpoll"};
	return (unsigned)k < GP_TIMER__KINDS ? names[k] : "other";
}

static uint64_t u64_at(const struct gp_rt *rt, uint64_t addr, int *ok)
{
	uint64_t v = 0;
	struct gp_err *err = gp_target_u64(rt->t, addr, &v);
	*ok = err == NULL;
	gp_err_free(err);
	return v;
}

/* The pclntab name of run-time code pointer pc ("" when it is in no function). */
static const char *code_name(const struct gp_rt *rt, uint64_t pc)
{
	struct gp_func f;
	if (!pc || gp_pclntab_findfunc(&rt->b->pcln, pc - rt->t->bias, &f) != 0)
		return "";
	return gp_pclntab_funcname(&rt->b->pcln, &f);
}

static int prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

/* The *timerCtx in a context.WithDeadline[Cause] closure: a word of the closure pointing at a
 * timerCtx whose timer (*time.Timer) holds this runtime timer (Go 1.19–1.22: &Timer.r; 1.23+: the
 * Timer is the runtime's timeTimer, and its timer field). */
static uint64_t find_timerctx(const struct gp_rt *rt, uint64_t closure, uint64_t timer)
{
	const struct gp_layout *l = rt->l;
	int32_t in_timer = gp_lhas(l, GP_L_TIMETIMER_TIMER) ? gp_loff(l, GP_L_TIMETIMER_TIMER) : gp_loff(l, GP_L_TIME_TIMER_R);
	if (in_timer < 0)
		return 0;
	for (int k = 1; k <= CLOSURE_WORDS; k++) {
		int ok;
		uint64_t c = u64_at(rt, closure + 8 * (uint64_t)k, &ok);
		if (!ok || !c)
			continue;
		uint64_t tt = u64_at(rt, c + (uint64_t)gp_loff(l, GP_L_TIMERCTX_TIMER), &ok);
		if (ok && tt && tt + (uint64_t)in_timer == timer)
			return c;
	}
	return 0;
}

/* timerCtx.deadline as Unix seconds and nanoseconds (time.Time.Unix, Nanosecond). */
static int read_deadline(const struct gp_rt *rt, uint64_t ctx, int64_t *sec, int32_t *nsec)
{
	uint64_t w[2];
	struct gp_err *err = gp_target_read(rt->t, ctx + (uint64_t)gp_loff(rt->l, GP_L_TIMERCTX_DEADLINE), w, sizeof(w));
	if (err) {
		gp_err_free(err);
		return -1;
	}
	uint64_t wall = w[0];
	int64_t ext = (int64_t)w[1];
	int64_t s = (wall & HAS_MONOTONIC) ? WALL_TO_INTERNAL + (int64_t)(wall << 1 >> (NSEC_SHIFT + 1)) : ext;
	*sec = s - UNIX_TO_INTERNAL;
	*nsec = (int32_t)(wall & NSEC_MASK);
	return 0;
}

/* Name the callback and interpret arg (the table in timers.h). */
static void classify(const struct gp_rt *rt, struct gp_timer *t)
{
	const struct gp_layout *l = rt->l;
	int ok;
	t->func = "";
	t->fn = t->f ? u64_at(rt, t->f, &ok) : 0;
	if (t->f && !ok) {
		t->problem = "the callback's func value is not readable";
		return;
	}
	t->func = code_name(rt, t->fn);
	const char *f = t->func;
	if (!strcmp(f, "runtime.goroutineReady")) { /* timeSleep: t.f = goroutineReady, t.arg = gp */
		t->kind = GP_TIMER_SLEEP;
		t->g = t->arg.data;
		t->goid = u64_at(rt, t->g + (uint64_t)gp_loff(l, GP_L_G_GOID), &ok);
		if (!ok)
			t->problem = "the sleeping g is not readable";
		else if (u64_at(rt, t->g + (uint64_t)gp_loff(l, GP_L_G_TIMER), &ok) != t->addr || !ok)
			t->problem = "the sleeping g's own timer (g.timer) is another one";
	} else if (!strcmp(f, "time.goFunc")) { /* AfterFunc: arg = the func() (a *funcval) */
		t->user_fv = t->arg.data;
		t->user_fn = t->user_fv ? u64_at(rt, t->user_fv, &ok) : 0;
		t->user_func = t->user_fn ? code_name(rt, t->user_fn) : "";
		if (prefix(t->user_func, "context.WithDeadline.func") || prefix(t->user_func, "context.WithDeadlineCause.func")) {
			t->kind = GP_TIMER_CONTEXT;
			t->ctx = find_timerctx(rt, t->user_fv, t->addr);
			if (!t->ctx)
				t->problem = "no timerCtx leading back to this timer in the closure";
			else
				t->has_deadline = read_deadline(rt, t->ctx, &t->deadline_sec, &t->deadline_nsec) == 0;
		} else {
			t->kind = GP_TIMER_AFTERFUNC;
			if (!*t->user_func)
				t->problem = "the AfterFunc function is not readable";
		}
	} else if (!strcmp(f, "time.sendTime")) { /* NewTimer, NewTicker: arg = the channel */
		t->kind = t->period > 0 ? GP_TIMER_TICKER : GP_TIMER_CHAN;
		t->chan = t->arg.data;
	} else if (!strcmp(f, "runtime.netpollReadDeadline") || !strcmp(f, "runtime.netpollWriteDeadline") ||
		   !strcmp(f, "runtime.netpollDeadline")) { /* poll_runtime_pollSetDeadline: arg = pd */
		t->kind = GP_TIMER_NETPOLL;
		t->pd = t->arg.data;
	}
}

/* Whether the runtime will still fire the timer, and when (the rules in timers.h). */
static void pending_rule(const struct gp_rt *rt, int impl, struct gp_timer *t, int64_t t_when, uint64_t nextwhen)
{
	const struct gp_layout *l = rt->l;
	if (impl == 2) {
		int64_t heaped = gp_layout_const(l, GP_K_TIMERSTATE_HEAPED), zombie = gp_layout_const(l, GP_K_TIMERSTATE_ZOMBIE);
		t->when = t_when;
		t->pending = (heaped == GP_K_ABSENT || (t->status & (uint32_t)heaped)) &&
			     (zombie == GP_K_ABSENT || !(t->status & (uint32_t)zombie)) && t_when > 0;
		return;
	}
	t->when = t_when;
	int64_t st = t->status;
	if (st == gp_layout_const(l, GP_K_TIMERSTATUS_MODIFIED_EARLIER) ||
	    st == gp_layout_const(l, GP_K_TIMERSTATUS_MODIFIED_LATER))
		t->when = (int64_t)nextwhen;
	t->pending = st == gp_layout_const(l, GP_K_TIMERSTATUS_WAITING) ||
		     st == gp_layout_const(l, GP_K_TIMERSTATUS_RUNNING) ||
		     st == gp_layout_const(l, GP_K_TIMERSTATUS_MODIFYING) ||
		     st == gp_layout_const(l, GP_K_TIMERSTATUS_MODIFIED_EARLIER) ||
		     st == gp_layout_const(l, GP_K_TIMERSTATUS_MODIFIED_LATER) ||
		     st == gp_layout_const(l, GP_K_TIMERSTATUS_MOVING);
}

/* Open-addressing set of timer addresses (a timer is in at most one heap). */
struct addrset {
	uint64_t *slot;
	size_t mask;
};

static int addrset_add(struct addrset *s, uint64_t a)
{
	size_t i = (size_t)((a >> 3) * 0x9e3779b97f4a7c15ull) & s->mask;
	for (size_t probes = 0; probes <= s->mask; probes++, i = (i + 1) & s->mask) {
		if (s->slot[i] == a)
			return 0;
		if (!s->slot[i]) {
			s->slot[i] = a;
			return 1;
		}
	}
	return 0;
}

struct heap_desc {
	int32_t p_id, bubble;
	uint64_t ptr, len;
};

struct heaps {
	struct heap_desc *h;
	size_t n, total;
	size_t esize;            /* bytes per heap entry: *timer, or timerWhen from 1.23 */
};

/* Take in the heap slice {ptr, len, cap} at addr if it is sane and in the core; else say why. */
static void add_heap(const struct gp_rt *rt, uint64_t addr, int32_t p_id, int32_t bubble, struct heaps *hs,
		     struct gp_timers *out)
{
	uint64_t sl[3];
	struct gp_err *err = gp_target_read(rt->t, addr, sl, sizeof(sl));
	if (err) {
		gp_err_free(err);
		out->problem = out->problem ? out->problem : "a timer heap's slice header is not readable";
		return;
	}
	if (p_id >= 0)
		out->nheaps++;
	if (!sl[1])
		return;
	if (sl[1] > sl[2] || sl[1] > GP_TIMERS_MAX_HEAP || hs->total + sl[1] > GP_TIMERS_MAX) {
		out->problem = out->problem ? out->problem : "a timer heap is larger than gopsy reads (or corrupt)";
		return;
	}
	if (!gp_target_ptr(rt->t, sl[0], (size_t)sl[1] * hs->esize)) {
		out->problem = out->problem ? out->problem : "a timer heap's array is not readable";
		return;
	}
	hs->h[hs->n++] = (struct heap_desc){p_id, bubble, sl[0], sl[1]};
	hs->total += (size_t)sl[1];
}

/* The synctest bubbles the goroutines are in (g.bubble; 1.24 g.syncGroup), each once. */
static struct gp_err *find_bubbles(const struct gp_rt *rt, struct gp_arena *a, struct gp_timers *out)
{
	const struct gp_layout *l = rt->l;
	if (!gp_lhas(l, GP_L_G_BUBBLE) || !gp_lhas(l, GP_L_SYNCTESTBUBBLE_TIMERS))
		return NULL;
	/* Only runtime.synctestRun (linknamed internal/synctest.Run, 1.24+) makes bubbles: a binary the
	 * linker left it out of has none, and the pass over every goroutine is not needed. */
	struct gp_func run;
	if (gp_pclntab_func_by_name(&rt->b->pcln, "internal/synctest.Run", &run, NULL) != 0)
		return NULL;
	size_t cap = 0;
	enum { SLOTS = 2 * GP_TIMERS_MAX_BUBBLES };
	struct addrset seen = {GP_NEWN(a, uint64_t, SLOTS), SLOTS - 1};
	if (!seen.slot)
		return &gp_err_nomem;
	for (uint64_t i = 0; i < rt->allgs.s.len; i++) {
		uint64_t ga = 0, b = 0;
		gp_target_release_every(rt->t, i);
		struct gp_err *err = gp_rt_allg(rt, i, &ga);
		if (!err)
			err = gp_target_u64(rt->t, ga + (uint64_t)gp_loff(l, GP_L_G_BUBBLE), &b);
		if (err) {
			gp_err_free(err);
			continue;
		}
		if (!b || !addrset_add(&seen, b)) /* the set holds twice GP_TIMERS_MAX_BUBBLES */
			continue;
		if (out->nbubbles == GP_TIMERS_MAX_BUBBLES) {
			out->problem = out->problem ? out->problem : "more synctest bubbles than gopsy reads";
			break;
		}
		struct gp_g g = {.addr = ga, .bubble = b};
		struct gp_bubble bb;
		uint64_t now = 0;
		if (gp_g_bubble(rt, &g, &bb) != 0 ||
		    (err = gp_target_u64(rt->t, b + (uint64_t)gp_loff(l, GP_L_SYNCTESTBUBBLE_NOW), &now))) {
			gp_err_free(err);
			out->problem = out->problem ? out->problem : "a goroutine's synctest bubble is not readable";
			continue;
		}
		if (out->nbubbles == cap &&
		    !gp_arena_grow(a, (void **)&out->bubbles, out->nbubbles, &cap, sizeof(*out->bubbles), 4))
			return &gp_err_nomem;
		out->bubbles[out->nbubbles++] = (struct gp_timer_bubble){b, bb.id, (int64_t)now, 0};
	}
	return NULL;
}

struct gp_err *gp_timers_read(const struct gp_rt *rt, const struct gp_sched *s, struct gp_arena *a,
			      struct gp_timers *out)
{
	const struct gp_layout *l = rt->l;
	memset(out, 0, sizeof(*out));
	int minor = rt->b->bi.v.minor;
	out->impl = gp_lhas(l, GP_L_P_TIMERS) && gp_lhas(l, GP_L_TIMER_STATE) ? 2 : gp_lhas(l, GP_L_TIMER_STATUS) ? 1 : 0;
	if (!out->impl) {
		out->problem = "this Go version's timer layout is unknown";
		return NULL;
	}
	if (out->impl == 2)
		out->lazy_chan = minor >= 27 || gp_godebug_int(rt->t, rt->t->img, rt->b, "asynctimerchan", 0) != 1;
	if (out->lazy_chan)
		out->note = "channel timers nobody is blocked on are in no heap (not listed)";
	if (s->ps_problem)
		out->problem = s->ps_problem;
	struct gp_err *err = out->impl == 2 ? find_bubbles(rt, a, out) : NULL;
	if (err)
		return err;

	/* The heap slice of each P (p.timers []*timer before 1.23, p.timers.heap []timerWhen after)
	 * and of each bubble (bubble.timers.heap). */
	struct heaps hs = {GP_NEWN(a, struct heap_desc, s->nps + out->nbubbles + 1), 0, 0,
			   out->impl == 2 ? (size_t)gp_lsize(l, GP_L_SIZEOF_TIMERWHEN) : 8};
	if (!hs.h)
		return &gp_err_nomem;
	for (size_t i = 0; i < s->nps; i++)
		add_heap(rt, s->ps[i].addr + (uint64_t)gp_loff(l, GP_L_P_TIMERS_HEAP), s->ps[i].id, -1, &hs, out);
	for (size_t i = 0; i < out->nbubbles; i++)
		add_heap(rt, out->bubbles[i].addr + (uint64_t)gp_loff(l, GP_L_SYNCTESTBUBBLE_TIMERS) +
				     (uint64_t)gp_loff(l, GP_L_TIMERS_HEAP), -1, (int32_t)i, &hs, out);
	size_t esize = hs.esize, nh = hs.n, total = hs.total;
	/* The records grow with the timers actually read (each must be in the core), not with what
	 * the heap headers claim. */
	size_t cap = 16, tcap = 0;
	while (cap < 2 * total)
		cap <<= 1;
	struct addrset set = {GP_NEWN(a, uint64_t, cap), cap - 1};
	if (!set.slot)
		return &gp_err_nomem;

	int32_t tsize = gp_lsize(l, GP_L_SIZEOF_TIMER);
	for (size_t h = 0; h < nh; h++) {
		const struct heap_desc *hd = &hs.h[h];
		const unsigned char *arr = gp_target_ptr(rt->t, hd->ptr, (size_t)hd->len * esize);
		for (uint64_t i = 0; arr && i < hd->len; i++) {
			uint64_t taddr, hwhen = 0;
			memcpy(&taddr, arr + i * esize + (out->impl == 2 ? (size_t)gp_loff(l, GP_L_TIMERWHEN_TIMER) : 0), 8);
			if (out->impl == 2)
				memcpy(&hwhen, arr + i * esize + (size_t)gp_loff(l, GP_L_TIMERWHEN_WHEN), 8);
			unsigned char tbuf[512];
			const unsigned char *p = taddr && tsize > 0 ? gp_target_view(rt->t, taddr, (size_t)tsize, tbuf, sizeof(tbuf)) : NULL;
			if (!p) {
				out->problem = out->problem ? out->problem : "a timer of a heap is not readable";
				continue;
			}
			if (!addrset_add(&set, taddr)) {
				out->problem = out->problem ? out->problem : "a timer is in a heap twice (corrupt heap)";
				continue;
			}
			if (out->n == tcap && !gp_arena_grow(a, (void **)&out->t, out->n, &tcap, sizeof(*out->t), 64))
				return &gp_err_nomem;
			struct gp_timer *t = &out->t[out->n++];
			memset(t, 0, sizeof(*t));
			t->addr = taddr;
			t->p_id = hd->p_id;
			t->bubble = hd->bubble;
			if (hd->bubble >= 0)
				out->bubbles[hd->bubble].ntimers++;
			t->index = (uint32_t)i;
			t->status = (uint32_t)gp_lget(l, p, out->impl == 2 ? GP_L_TIMER_STATE : GP_L_TIMER_STATUS);
			int64_t when = (int64_t)gp_lget(l, p, GP_L_TIMER_WHEN);
			t->heap_when = out->impl == 2 ? (int64_t)hwhen : when;
			t->period = (int64_t)gp_lget(l, p, GP_L_TIMER_PERIOD);
			t->seq = gp_lget(l, p, GP_L_TIMER_SEQ);
			t->is_chan = (int)(gp_lget(l, p, GP_L_TIMER_ISCHAN) & 0xff);
			t->is_fake = (int)(gp_lget(l, p, GP_L_TIMER_ISFAKE) & 0xff);
			t->blocked = (uint32_t)gp_lget(l, p, GP_L_TIMER_BLOCKED);
			t->f = gp_lget(l, p, GP_L_TIMER_F);
			int32_t arg = gp_loff(l, GP_L_TIMER_ARG);
			memcpy(&t->arg.type, p + arg, 8);
			memcpy(&t->arg.data, p + arg + 8, 8);
			pending_rule(rt, out->impl, t, when, gp_lget(l, p, GP_L_TIMER_NEXTWHEN));
			out->npending += t->pending != 0;
			classify(rt, t);
		}
	}
	return NULL;
}

/* ---- grouping */

static int strcmp0(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int key_cmp(const struct gp_timer *x, const struct gp_timer *y)
{
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	int c = strcmp0(x->func, y->func);
	return c ? c : strcmp0(x->user_func, y->user_func);
}

static int by_key(const void *a, const void *b)
{
	const struct gp_timer *x = *(const struct gp_timer *const *)a, *y = *(const struct gp_timer *const *)b;
	int c = key_cmp(x, y);
	return c ? c : (x->addr < y->addr ? -1 : x->addr > y->addr);
}

static int by_count(const void *a, const void *b)
{
	const struct gp_timer_group *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	int c = strcmp0(x->func, y->func);
	return c ? c : strcmp0(x->user_func, y->user_func);
}

static int dl_less(int64_t s1, int32_t n1, int64_t s2, int32_t n2)
{
	return s1 < s2 || (s1 == s2 && n1 < n2);
}

struct gp_err *gp_timers_group(const struct gp_timers *ts, struct gp_arena *a, struct gp_timer_group **out,
			       size_t *n)
{
	*out = NULL;
	*n = 0;
	const struct gp_timer **v = GP_NEWN(a, const struct gp_timer *, ts->npending ? ts->npending : 1);
	if (!v)
		return &gp_err_nomem;
	size_t m = 0;
	for (size_t i = 0; i < ts->n && m < ts->npending; i++)
		if (ts->t[i].pending)
			v[m++] = &ts->t[i];
	gp_sort(v, m, sizeof(*v), by_key);
	size_t ng = 0;
	for (size_t i = 0; i < m; i++)
		ng += i == 0 || key_cmp(v[i - 1], v[i]) != 0;
	struct gp_timer_group *g = GP_NEWN(a, struct gp_timer_group, ng ? ng : 1);
	if (!g)
		return &gp_err_nomem;
	size_t k = 0;
	for (size_t i = 0; i < m; i++) {
		const struct gp_timer *t = v[i];
		struct gp_timer_group *cur = &g[k ? k - 1 : 0];
		if (i == 0 || key_cmp(v[i - 1], t) != 0) {
			cur = &g[k++];
			cur->kind = t->kind;
			cur->func = t->func;
			cur->user_func = t->user_func;
			cur->when_min = cur->when_max = t->when;
			cur->period = t->period;
		}
		cur->count++;
		if (t->when < cur->when_min)
			cur->when_min = t->when;
		if (t->when > cur->when_max)
			cur->when_max = t->when;
		if (t->period != cur->period)
			cur->period = -1;
		if (t->has_deadline) {
			if (!cur->ndeadlines || dl_less(t->deadline_sec, t->deadline_nsec, cur->dl_min_sec, cur->dl_min_nsec)) {
				cur->dl_min_sec = t->deadline_sec;
				cur->dl_min_nsec = t->deadline_nsec;
			}
			if (!cur->ndeadlines || dl_less(cur->dl_max_sec, cur->dl_max_nsec, t->deadline_sec, t->deadline_nsec)) {
				cur->dl_max_sec = t->deadline_sec;
				cur->dl_max_nsec = t->deadline_nsec;
			}
			cur->ndeadlines++;
		}
	}
	gp_sort(g, k, sizeof(*g), by_count);
	*out = g;
	*n = k;
	return NULL;
}
