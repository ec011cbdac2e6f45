/* sched.c — Ms, Ps and the scheduler summary (see sched.h). */
#include "rt/sched.h"
#include "base/sort.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers */

/* Field f of a struct whose bytes are at p, zero-extended from its size; dflt when absent. */
static int64_t fld(const struct gp_layout *l, const unsigned char *p, enum gp_lfield f, int64_t dflt)
{
	return gp_lhas(l, f) ? (int64_t)gp_lget(l, p, f) : dflt;
}

/* Signed 32-bit field (int32 counters). */
static int64_t fld32s(const struct gp_layout *l, const unsigned char *p, enum gp_lfield f, int64_t dflt)
{
	int64_t v = fld(l, p, f, dflt);
	if (v == dflt && gp_loff(l, f) < 0)
		return dflt;
	return gp_lsize(l, f) == 4 ? (int64_t)(int32_t)(uint32_t)v : v;
}

/* Scratch space for a struct the core holds in two pieces (m0 and sched are globals that may
 * straddle the boundary between two dumped segments). */
enum { M_BUF = 8192, P_BUF = 65536, SCHED_BUF = 32768 };

/* The struct of size GP_L_SIZEOF_x at addr: zero-copy, else copied into buf (cap bytes) when the
 * core has it in pieces; NULL when not all of it is in the target. */
static const unsigned char *struct_at(const struct gp_rt *rt, uint64_t addr, enum gp_lfield sizeof_f,
				      unsigned char *buf, size_t cap)
{
	int32_t size = gp_lsize(rt->l, sizeof_f);
	if (!addr || size <= 0)
		return NULL;
	const unsigned char *p = gp_target_ptr(rt->t, addr, (size_t)size);
	if (p || (size_t)size > cap)
		return p;
	struct gp_err *err = gp_target_read(rt->t, addr, buf, (size_t)size);
	if (err) {
		gp_err_free(err);
		return NULL;
	}
	return buf;
}

static int64_t goid_of(const struct gp_rt *rt, uint64_t g)
{
	uint64_t v = 0;
	if (!g)
		return -1;
	struct gp_err *err = gp_target_u64(rt->t, g + (uint64_t)gp_loff(rt->l, GP_L_G_GOID), &v);
	if (err) {
		gp_err_free(err);
		return -1;
	}
	return (int64_t)v;
}

static int32_t p_id_of(const struct gp_rt *rt, uint64_t p)
{
	int32_t id = -1;
	if (!p)
		return -1;
	struct gp_err *err = gp_target_read(rt->t, p + (uint64_t)gp_loff(rt->l, GP_L_P_ID), &id, 4);
	if (err) {
		gp_err_free(err);
		return -1;
	}
	return id;
}

static int64_t m_id_of(const struct gp_rt *rt, uint64_t m)
{
	uint64_t id = 0;
	if (!m)
		return -1;
	struct gp_err *err = gp_target_u64(rt->t, m + (uint64_t)gp_loff(rt->l, GP_L_M_ID), &id);
	if (err) {
		gp_err_free(err);
		return -1;
	}
	return (int64_t)id;
}

static const char *or_nomem(const char *s)
{
	return s ? s : "out of memory";
}
#define astr(a, ...) or_nomem(gp_arena_printf((a), __VA_ARGS__))

/* An address -> index map (open addressing, grown in the arena) for cycle-safe walks, dedup and
 * lookups by address. Keys are never 0. */
struct aset {
	uint64_t *k;
	uint32_t *v;
	size_t cap, n;
};

static size_t ahash(uint64_t x, size_t cap)
{
	return (size_t)((x * 0x9e3779b97f4a7c15ull) >> 17) & (cap - 1);
}

/* The value stored for x, or -1. */
static int64_t aset_get(const struct aset *s, uint64_t x)
{
	if (!s->cap || !x)
		return -1;
	for (size_t i = ahash(x, s->cap);; i = (i + 1) & (s->cap - 1)) {
		if (s->k[i] == x)
			return s->v[i];
		if (!s->k[i])
			return -1;
	}
}

static int aset_has(const struct aset *s, uint64_t x)
{
	return aset_get(s, x) >= 0;
}

/* Map x (!= 0) to val unless present: 1 added, 0 already there, -1 out of memory. */
static int aset_put(struct aset *s, uint64_t x, uint32_t val, struct gp_arena *a)
{
	if (aset_has(s, x))
		return 0;
	if ((s->n + 1) * 2 > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		uint64_t *nk = GP_NEWN(a, uint64_t, ncap);
		uint32_t *nv = GP_NEWN(a, uint32_t, ncap);
		if (!nk || !nv)
			return -1;
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->k[i])
				continue;
			size_t j = ahash(s->k[i], ncap);
			while (nk[j])
				j = (j + 1) & (ncap - 1);
			nk[j] = s->k[i];
			nv[j] = s->v[i];
		}
		s->k = nk;
		s->v = nv;
		s->cap = ncap;
	}
	size_t j = ahash(x, s->cap);
	while (s->k[j])
		j = (j + 1) & (s->cap - 1);
	s->k[j] = x;
	s->v[j] = val;
	s->n++;
	return 1;
}

static int aset_add(struct aset *s, uint64_t x, struct gp_arena *a)
{
	return aset_put(s, x, 0, a);
}

/* A growable array of records in the arena. */
static void *grow(struct gp_arena *a, void *old, size_t n, size_t *cap, size_t elem)
{
	if (n < *cap)
		return old;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *nw = gp_arena_calloc(a, ncap, elem);
	if (!nw)
		return NULL;
	if (n)
		memcpy(nw, old, n * elem);
	*cap = ncap;
	return nw;
}

/* ---- Ms */

/* An m at addr whose g0 points back to it (g0.m == m): what every M of the runtime satisfies. */
static int m_plausible(const struct gp_rt *rt, uint64_t addr)
{
	unsigned char buf[M_BUF];
	const unsigned char *p = struct_at(rt, addr, GP_L_SIZEOF_M, buf, sizeof(buf));
	if (!p)
		return 0;
	uint64_t g0 = (uint64_t)fld(rt->l, p, GP_L_M_G0, 0), back = 0;
	if (!g0)
		return 0;
	struct gp_err *err = gp_target_u64(rt->t, g0 + (uint64_t)gp_loff(rt->l, GP_L_G_M), &back);
	if (err) {
		gp_err_free(err);
		return 0;
	}
	return back == addr;
}

static struct gp_err *read_m(const struct gp_rt *rt, uint64_t addr, struct gp_m *m)
{
	const struct gp_layout *l = rt->l;
	memset(m, 0, sizeof(*m));
	m->addr = addr;
	unsigned char buf[M_BUF];
	const unsigned char *p = struct_at(rt, addr, GP_L_SIZEOF_M, buf, sizeof(buf));
	if (!p) {
		unsigned char probe;
		struct gp_err *err = gp_target_read(rt->t, addr, &probe, 1);
		if (!err)
			err = gp_errorf(GP_ERR_TRUNCATED, "its %d bytes are not all readable", gp_lsize(l, GP_L_SIZEOF_M));
		return gp_err_wrap(err, "reading m at 0x%llx", (unsigned long long)addr);
	}
	m->id = fld(l, p, GP_L_M_ID, -1);
	m->procid = (uint64_t)fld(l, p, GP_L_M_PROCID, 0);
	m->g0 = (uint64_t)fld(l, p, GP_L_M_G0, 0);
	m->gsignal = (uint64_t)fld(l, p, GP_L_M_GSIGNAL, 0);
	m->curg = (uint64_t)fld(l, p, GP_L_M_CURG, 0);
	m->p = (uint64_t)fld(l, p, GP_L_M_P, 0);
	m->nextp = (uint64_t)fld(l, p, GP_L_M_NEXTP, 0);
	m->oldp = (uint64_t)fld(l, p, GP_L_M_OLDP, 0);
	m->lockedg = (uint64_t)fld(l, p, GP_L_M_LOCKEDG, 0);
	m->mallocing = (int32_t)fld32s(l, p, GP_L_M_MALLOCING, 0);
	m->throwing = (int32_t)fld32s(l, p, GP_L_M_THROWING, 0);
	m->locks = (int32_t)fld32s(l, p, GP_L_M_LOCKS, 0);
	m->dying = (int32_t)fld32s(l, p, GP_L_M_DYING, 0);
	m->spinning = gp_lhas(l, GP_L_M_SPINNING) ? (fld(l, p, GP_L_M_SPINNING, 0) & 0xff) != 0 : -1;
	m->blocked = gp_lhas(l, GP_L_M_BLOCKED) ? (fld(l, p, GP_L_M_BLOCKED, 0) & 0xff) != 0 : -1;
	m->incgo = gp_lhas(l, GP_L_M_INCGO) ? (fld(l, p, GP_L_M_INCGO, 0) & 0xff) != 0 : -1;
	m->isextra = gp_lhas(l, GP_L_M_ISEXTRA) ? (fld(l, p, GP_L_M_ISEXTRA, 0) & 0xff) != 0 : -1;
	m->curg_goid = goid_of(rt, m->curg);
	m->lockedg_goid = goid_of(rt, m->lockedg);
	m->p_id = p_id_of(rt, m->p);
	m->nextp_id = p_id_of(rt, m->nextp);
	m->oldp_id = p_id_of(rt, m->oldp);
	m->tid = m->tls_tid = -1;
	return NULL;
}

uint64_t gp_thread_m(const struct gp_rt *rt, const struct gp_thread *th)
{
	uint64_t fs = th->regs[GP_X86_FS_BASE], g = 0, m = 0;
	if (!fs)
		return 0;
	struct gp_err *err = gp_target_u64(rt->t, fs - 8, &g);
	if (!err && g)
		err = gp_target_u64(rt->t, g + (uint64_t)gp_loff(rt->l, GP_L_G_M), &m);
	gp_err_free(err);
	return err ? 0 : m;
}

/* The address of runtime.allm: symbol, or the word among runtime.mcommoninit's RIP-relative
 * operands that holds a valid M. 0 and *why when not found. */
static uint64_t find_allm(const struct gp_rt *rt, struct gp_arena *a, const char **how, const char **why)
{
	uint64_t sym;
	struct gp_err *err = gp_exe_symbol(rt->b->exe, "runtime.allm", &sym, NULL);
	if (!err) {
		*how = "symbol runtime.allm";
		return sym + rt->t->bias;
	}
	gp_err_free(err);
	uint64_t tg[256];
	int n = gp_rip_targets(rt->b, "runtime.mcommoninit", tg, 256);
	if (n < 0) {
		*why = "no symbol runtime.allm, and runtime.mcommoninit is not in the pclntab";
		return 0;
	}
	for (int i = 0; i < n; i++) {
		uint64_t head = 0;
		err = gp_target_u64(rt->t, tg[i] + rt->t->bias, &head);
		if (err) {
			gp_err_free(err);
			continue;
		}
		if (m_plausible(rt, head)) {
			*how = "code of runtime.mcommoninit";
			return tg[i] + rt->t->bias;
		}
	}
	*why = astr(a, "no symbol runtime.allm, and none of the %d addresses runtime.mcommoninit references holds a readable m", n);
	return 0;
}

struct mlist {
	struct gp_sched *s;
	size_t cap;
	struct aset seen;
	struct gp_arena *a;
};

/* Append the M at addr (already known not to be in the list). -1 out of memory. */
static int add_m(struct mlist *ml, const struct gp_m *m)
{
	struct gp_sched *s = ml->s;
	struct gp_m *nw = grow(ml->a, s->ms, s->nms, &ml->cap, sizeof(*nw));
	if (!nw)
		return -1;
	s->ms = nw;
	s->ms[s->nms++] = *m;
	return aset_put(&ml->seen, m->addr, (uint32_t)(s->nms - 1), ml->a) < 0 ? -1 : 0;
}

/* Walk an alllink chain from head, adding the Ms not yet known with tag `from`. Returns 0, or -1
 * out of memory; *problem says why the walk stopped early (NULL when it reached the end or an M
 * already listed, which is where a chain from a thread's M joins allm's). */
static int walk_alllink(const struct gp_rt *rt, struct mlist *ml, uint64_t head, unsigned from, const char *what,
			const char **problem)
{
	*problem = NULL;
	uint64_t cur = head;
	size_t steps = 0;
	int32_t off = gp_loff(rt->l, GP_L_M_ALLLINK);
	while (cur) {
		if (aset_has(&ml->seen, cur)) {
			if (from == GP_FROM_ALLM)
				*problem = astr(ml->a, "%s: m.alllink chain loops back to m at 0x%llx after %zu Ms", what,
						(unsigned long long)cur, steps);
			return 0;
		}
		if (steps++ >= GP_SCHED_MAX_MS) {
			*problem = astr(ml->a, "%s: more than %d Ms on the m.alllink chain; stopped there", what, GP_SCHED_MAX_MS);
			return 0;
		}
		struct gp_m m;
		struct gp_err *err = read_m(rt, cur, &m);
		if (err) {
			*problem = astr(ml->a, "%s: chain broken after %zu Ms: %s", what, steps - 1, gp_err_msg(err));
			gp_err_free(err);
			return 0;
		}
		if (!m_plausible(rt, cur)) {
			*problem = astr(ml->a, "%s: chain broken after %zu Ms: 0x%llx is not an m (its g0 does not point back to it)",
					what, steps - 1, (unsigned long long)cur);
			return 0;
		}
		m.from = from;
		if (add_m(ml, &m) < 0)
			return -1;
		uint64_t next = 0;
		err = gp_target_u64(rt->t, cur + (uint64_t)off, &next);
		if (err) {
			*problem = astr(ml->a, "%s: cannot read m.alllink of m %lld: %s", what, (long long)m.id, gp_err_msg(err));
			gp_err_free(err);
			return 0;
		}
		cur = next;
	}
	return 0;
}

const struct gp_m *gp_sched_m_at(const struct gp_sched *s, uint64_t addr)
{
	for (size_t i = 0; i < s->nms; i++)
		if (s->ms[i].addr == addr)
			return &s->ms[i];
	return NULL;
}

static struct gp_m *find_m(struct mlist *ml, uint64_t addr)
{
	int64_t i = aset_get(&ml->seen, addr);
	return i < 0 ? NULL : &ml->s->ms[i];
}

static int cmp_tid(const void *x, const void *y)
{
	int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
	return (a > b) - (a < b);
}

static int read_ms(const struct gp_rt *rt, struct gp_arena *a, struct gp_sched *s)
{
	struct mlist ml = {s, 0, {0}, a};
	const char *why = NULL, *problem = NULL;
	s->allm_addr = find_allm(rt, a, &s->allm_how, &why);
	if (s->allm_addr) {
		uint64_t head = 0;
		struct gp_err *err = gp_target_u64(rt->t, s->allm_addr, &head);
		if (err) {
			problem = astr(a, "reading runtime.allm at 0x%llx: %s", (unsigned long long)s->allm_addr, gp_err_msg(err));
			gp_err_free(err);
		} else if (!head) {
			problem = "runtime.allm is nil";
		} else if (walk_alllink(rt, &ml, head, GP_FROM_ALLM, "runtime.allm", &problem) < 0) {
			return -1;
		}
	} else {
		problem = why;
	}
	/* Threads: each one's TLS g names its M. An M missing from allm is added with the part of
	 * its alllink chain not yet listed (allm unknown or broken). */
	const struct gp_image *core = rt->t->img;
	for (size_t i = 0; i < core->nthreads; i++) {
		const struct gp_thread *th = &core->threads[i];
		uint64_t maddr = gp_thread_m(rt, th);
		if (!maddr)
			continue;
		struct gp_m *m = find_m(&ml, maddr);
		if (!m) {
			if (s->allm_addr && !problem)
				problem = astr(a, "thread %d runs m at 0x%llx, which is not on runtime.allm", th->tid,
					       (unsigned long long)maddr);
			if (!m_plausible(rt, maddr))
				continue;
			const char *p2 = NULL;
			size_t before = s->nms;
			if (walk_alllink(rt, &ml, maddr, GP_FROM_THREAD, "thread's m", &p2) < 0)
				return -1;
			if (s->nms > before)
				s->ms[before].from = GP_FROM_THREAD;
			m = find_m(&ml, maddr);
			if (!m)
				continue;
		}
		m->from |= GP_FROM_THREAD;
		m->tls_tid = th->tid;
	}
	/* Ms to threads by procid == tid. */
	int32_t *tids = GP_NEWN(a, int32_t, core->nthreads ? core->nthreads : 1);
	if (!tids)
		return -1;
	for (size_t k = 0; k < core->nthreads; k++)
		tids[k] = core->threads[k].tid;
	gp_sort(tids, core->nthreads, sizeof(tids[0]), cmp_tid);
	for (size_t i = 0; i < s->nms; i++) {
		if (!s->ms[i].procid || s->ms[i].procid > INT32_MAX)
			continue;
		int32_t key = (int32_t)s->ms[i].procid;
		if (core->nthreads && bsearch(&key, tids, core->nthreads, sizeof(tids[0]), cmp_tid))
			s->ms[i].tid = key;
	}
	s->ms_problem = problem;
	return 0;
}

/* ---- Ps */

/* 0 and *p, or -1 when the P is not all in the core. */
static int read_p(const struct gp_rt *rt, uint64_t addr, struct gp_p *p)
{
	const struct gp_layout *l = rt->l;
	memset(p, 0, sizeof(*p));
	p->addr = addr;
	unsigned char buf[P_BUF];
	const unsigned char *b = struct_at(rt, addr, GP_L_SIZEOF_P, buf, sizeof(buf));
	if (!b)
		return -1;
	p->id = (int32_t)fld32s(l, b, GP_L_P_ID, -1);
	p->status = (uint32_t)fld(l, b, GP_L_P_STATUS, 0);
	p->link = (uint64_t)fld(l, b, GP_L_P_LINK, 0);
	p->m = (uint64_t)fld(l, b, GP_L_P_M, 0);
	p->m_id = m_id_of(rt, p->m);
	p->runqhead = (uint32_t)fld(l, b, GP_L_P_RUNQHEAD, 0);
	p->runqtail = (uint32_t)fld(l, b, GP_L_P_RUNQTAIL, 0);
	p->runnext = (uint64_t)fld(l, b, GP_L_P_RUNNEXT, 0);
	p->runnext_goid = goid_of(rt, p->runnext);
	p->schedtick = gp_lhas(l, GP_L_P_SCHEDTICK) ? (int64_t)(uint32_t)fld(l, b, GP_L_P_SCHEDTICK, 0) : -1;
	p->syscalltick = gp_lhas(l, GP_L_P_SYSCALLTICK) ? (int64_t)(uint32_t)fld(l, b, GP_L_P_SYSCALLTICK, 0) : -1;
	return 0;
}

static int p_status_ok(const struct gp_rt *rt, uint32_t st)
{
	int64_t dead = gp_layout_const(rt->l, GP_K_PSTATUS_DEAD);
	return st <= (uint32_t)(dead == GP_K_ABSENT ? 4 : dead);
}

/* allp {ptr, len, cap} whose entries are Ps numbered by index. */
static int allp_plausible(const struct gp_rt *rt, const uint64_t w[3])
{
	if (w[1] < 1 || w[1] > w[2] || w[2] > GP_SCHED_MAX_PS || !w[0])
		return 0;
	const uint64_t *arr = gp_target_ptr(rt->t, w[0], w[1] * 8);
	if (!arr)
		return 0;
	for (uint64_t i = 0; i < w[1]; i++) {
		struct gp_p p;
		if (read_p(rt, arr[i], &p) < 0 || p.id != (int32_t)i || !p_status_ok(rt, p.status))
			return 0;
	}
	return 1;
}

static uint64_t find_allp(const struct gp_rt *rt, struct gp_arena *a, const char **how, const char **why)
{
	uint64_t sym;
	struct gp_err *err = gp_exe_symbol(rt->b->exe, "runtime.allp", &sym, NULL);
	if (!err) {
		*how = "symbol runtime.allp";
		return sym + rt->t->bias;
	}
	gp_err_free(err);
	uint64_t tg[256];
	int n = gp_rip_targets(rt->b, "runtime.procresize", tg, 256);
	if (n < 0) {
		*why = "no symbol runtime.allp, and runtime.procresize is not in the pclntab";
		return 0;
	}
	uint64_t sl[256];
	int shaped = gp_rip_slices(tg, n, sl);
	for (int i = 0; i < shaped; i++) {
		uint64_t w[3];
		err = gp_target_read(rt->t, sl[i] + rt->t->bias, w, sizeof(w));
		if (err) {
			gp_err_free(err);
			continue;
		}
		if (allp_plausible(rt, w)) {
			*how = "code of runtime.procresize";
			return sl[i] + rt->t->bias;
		}
	}
	*why = astr(a, "no symbol runtime.allp, and of the %d addresses runtime.procresize references (%d shaped like a slice) none holds readable Ps",
		    n, shaped);
	return 0;
}

struct plist {
	struct gp_sched *s;
	size_t cap;
	struct aset seen;
	struct gp_arena *a;
};

/* Add the P at addr unless known; 1 added, 0 known or unreadable, -1 out of memory. */
static int add_p(const struct gp_rt *rt, struct plist *pl, uint64_t addr, unsigned from)
{
	if (!addr)
		return 0;
	int64_t known = aset_get(&pl->seen, addr);
	if (known >= 0) {
		pl->s->ps[known].from |= from;
		return 0;
	}
	struct gp_p p;
	if (read_p(rt, addr, &p) < 0 || p.id < 0 || p.id >= GP_SCHED_MAX_PS || !p_status_ok(rt, p.status))
		return 0;
	p.from = from;
	struct gp_p *nw = grow(pl->a, pl->s->ps, pl->s->nps, &pl->cap, sizeof(*nw));
	if (!nw)
		return -1;
	pl->s->ps = nw;
	pl->s->ps[pl->s->nps++] = p;
	return aset_put(&pl->seen, addr, (uint32_t)(pl->s->nps - 1), pl->a) < 0 ? -1 : 1;
}

static int cmp_p(const void *x, const void *y)
{
	const struct gp_p *a = x, *b = y;
	return (a->id > b->id) - (a->id < b->id);
}

/* Ps from runtime.allp; *problem when it is missing or unreadable. */
static int read_allp(const struct gp_rt *rt, struct plist *pl)
{
	struct gp_sched *s = pl->s;
	struct gp_arena *a = pl->a;
	const char *why = NULL, *problem = NULL;
	s->allp_addr = find_allp(rt, a, &s->allp_how, &why);
	if (s->allp_addr) {
		uint64_t w[3];
		struct gp_err *err = gp_target_read(rt->t, s->allp_addr, w, sizeof(w));
		const uint64_t *arr = NULL;
		if (err) {
			problem = astr(a, "reading runtime.allp at 0x%llx: %s", (unsigned long long)s->allp_addr, gp_err_msg(err));
			gp_err_free(err);
		} else if (w[1] > w[2] || w[1] > GP_SCHED_MAX_PS || !(arr = gp_target_ptr(rt->t, w[0], w[1] * 8))) {
			problem = astr(a, "runtime.allp holds {ptr 0x%llx, len %llu, cap %llu}: not a readable list of Ps",
				       (unsigned long long)w[0], (unsigned long long)w[1], (unsigned long long)w[2]);
		} else {
			for (uint64_t i = 0; i < w[1]; i++) {
				int r = add_p(rt, pl, arr[i], GP_FROM_ALLP);
				if (r < 0)
					return -1;
				if (r == 0 && !problem)
					problem = astr(a, "allp[%llu] = 0x%llx is not a readable p", (unsigned long long)i,
						       (unsigned long long)arr[i]);
			}
		}
	} else {
		problem = why;
	}
	s->ps_problem = problem;
	return 0;
}

/* Without a complete allp: the Ps the Ms hold (p, nextp, oldp) and the sched.pidle list. */
static int ps_from_ms(const struct gp_rt *rt, struct plist *pl)
{
	struct gp_sched *s = pl->s;
	for (size_t i = 0; i < s->nms; i++) {
		const struct gp_m *m = &s->ms[i];
		if (add_p(rt, pl, m->p, GP_FROM_M) < 0 || add_p(rt, pl, m->nextp, GP_FROM_M) < 0 ||
		    add_p(rt, pl, m->oldp, GP_FROM_M) < 0)
			return -1;
	}
	if (s->s.present) {
		struct aset walked = {0};
		for (uint64_t cur = s->s.pidle; cur && walked.n < GP_SCHED_MAX_PS;) {
			int r = aset_add(&walked, cur, pl->a);
			if (r <= 0) {
				if (r < 0)
					return -1;
				break; /* a loop */
			}
			if (add_p(rt, pl, cur, GP_FROM_PIDLE) < 0)
				return -1;
			uint64_t next = 0;
			struct gp_err *err = gp_target_u64(rt->t, cur + (uint64_t)gp_loff(rt->l, GP_L_P_LINK), &next);
			if (err) {
				gp_err_free(err);
				break;
			}
			cur = next;
		}
	}
	gp_sort(s->ps, s->nps, sizeof(s->ps[0]), cmp_p);
	return 0;
}

/* ---- sched */

static void read_schedt(const struct gp_rt *rt, const unsigned char *b, struct gp_schedt *o)
{
	const struct gp_layout *l = rt->l;
	memset(o, 0, sizeof(*o));
	o->present = 1;
	o->goidgen = (uint64_t)fld(l, b, GP_L_SCHED_GOIDGEN, 0);
	o->lastpoll = (uint64_t)fld(l, b, GP_L_SCHED_LASTPOLL, 0);
	o->mnext = fld(l, b, GP_L_SCHED_MNEXT, -1);
	o->nmfreed = fld(l, b, GP_L_SCHED_NMFREED, -1);
	o->maxmcount = fld32s(l, b, GP_L_SCHED_MAXMCOUNT, -1);
	o->nmidle = fld32s(l, b, GP_L_SCHED_NMIDLE, -1);
	o->nmidlelocked = fld32s(l, b, GP_L_SCHED_NMIDLELOCKED, -1);
	o->nmsys = fld32s(l, b, GP_L_SCHED_NMSYS, -1);
	o->midle = (uint64_t)fld(l, b, GP_L_SCHED_MIDLE, 0);
	o->pidle = (uint64_t)fld(l, b, GP_L_SCHED_PIDLE, 0);
	o->npidle = fld32s(l, b, GP_L_SCHED_NPIDLE, -1);
	o->nmspinning = fld32s(l, b, GP_L_SCHED_NMSPINNING, -1);
	o->runqsize = fld32s(l, b, GP_L_SCHED_RUNQ_SIZE, -1);
	o->gcwaiting = gp_lhas(l, GP_L_SCHED_GCWAITING) ? (fld(l, b, GP_L_SCHED_GCWAITING, 0) & 0xff) != 0 : -1;
	o->stopwait = fld32s(l, b, GP_L_SCHED_STOPWAIT, -1);
	o->sysmonwait = gp_lhas(l, GP_L_SCHED_SYSMONWAIT) ? (fld(l, b, GP_L_SCHED_SYSMONWAIT, 0) & 0xff) != 0 : -1;
}

/* How well a schedt candidate agrees with the Ms and Ps: 0 implausible, 1 plausible, 2 its mcount
 * equals the number of Ms on allm. */
static int sched_score(const struct gp_sched *s, const struct gp_schedt *c)
{
	if (c->mnext < 1 || c->mnext > 10000000 || c->nmfreed < 0 || c->nmfreed > c->mnext)
		return 0;
	if (c->nmidle < 0 || c->nmidle > c->mnext || c->npidle < 0 || c->npidle > GP_SCHED_MAX_PS)
		return 0;
	if (s->allp_how && !s->ps_problem) {
		if ((size_t)c->npidle > s->nps)
			return 0;
		int found = !c->pidle;
		for (size_t i = 0; i < s->nps && !found; i++)
			found = s->ps[i].addr == c->pidle;
		if (!found)
			return 0;
	}
	return !s->ms_problem && (size_t)(c->mnext - c->nmfreed) == s->nms ? 2 : 1;
}

static void read_sched(const struct gp_rt *rt, struct gp_arena *a, struct gp_sched *s)
{
	unsigned char buf[SCHED_BUF];
	uint64_t sym;
	struct gp_err *err = gp_exe_symbol(rt->b->exe, "runtime.sched", &sym, NULL);
	if (!err) {
		s->sched_addr = sym + rt->t->bias;
		const unsigned char *b = struct_at(rt, s->sched_addr, GP_L_SIZEOF_SCHED, buf, sizeof(buf));
		if (!b) {
			s->sched_problem = astr(a, "runtime.sched at 0x%llx is not readable", (unsigned long long)s->sched_addr);
			return;
		}
		s->sched_how = "symbol runtime.sched";
		read_schedt(rt, b, &s->s);
		return;
	}
	gp_err_free(err);
	uint64_t tg[256];
	int n = gp_rip_targets(rt->b, "runtime.mcommoninit", tg, 256);
	if (n < 0) {
		s->sched_problem = "no symbol runtime.sched, and runtime.mcommoninit is not in the pclntab";
		return;
	}
	int32_t lockoff = gp_loff(rt->l, GP_L_SCHED_LOCK);
	int best = 0;
	for (int i = 0; i < n; i++) {
		uint64_t base = tg[i] + rt->t->bias - (uint64_t)lockoff;
		const unsigned char *b = struct_at(rt, base, GP_L_SIZEOF_SCHED, buf, sizeof(buf));
		if (!b)
			continue;
		struct gp_schedt c;
		read_schedt(rt, b, &c);
		int sc = sched_score(s, &c);
		if (sc > best) {
			best = sc;
			s->s = c;
			s->sched_addr = base;
		}
	}
	if (best) {
		s->sched_how = "code of runtime.mcommoninit (lock(&sched.lock))";
		return;
	}
	memset(&s->s, 0, sizeof(s->s));
	s->sched_problem = astr(a, "no symbol runtime.sched, and none of the %d addresses runtime.mcommoninit references is the schedt lock of a plausible runtime.sched",
				n);
}

static void read_gomaxprocs(const struct gp_rt *rt, struct gp_sched *s)
{
	uint64_t sym;
	s->gomaxprocs = -1;
	struct gp_err *err = gp_exe_symbol(rt->b->exe, "runtime.gomaxprocs", &sym, NULL);
	if (!err) {
		int32_t v = 0;
		err = gp_target_read(rt->t, sym + rt->t->bias, &v, 4);
		if (!err) {
			s->gomaxprocs = v;
			s->gomaxprocs_how = "symbol runtime.gomaxprocs";
			return;
		}
	}
	gp_err_free(err);
	if (s->allp_how && !s->ps_problem) {
		s->gomaxprocs = (int64_t)s->nps;
		s->gomaxprocs_how = "len(allp)";
	}
}

struct gp_err *gp_sched_read(const struct gp_rt *rt, struct gp_arena *a, struct gp_sched *out)
{
	memset(out, 0, sizeof(*out));
	out->gomaxprocs = -1;
	if (read_ms(rt, a, out) < 0)
		return &gp_err_nomem;
	/* allp before sched (the sched recipe checks sched.pidle against allp); Ps from the Ms and
	 * sched.pidle only when allp is missing or incomplete. */
	struct plist pl = {out, 0, {0}, a};
	if (read_allp(rt, &pl) < 0)
		return &gp_err_nomem;
	read_sched(rt, a, out);
	if (out->ps_problem && ps_from_ms(rt, &pl) < 0)
		return &gp_err_nomem;
	read_gomaxprocs(rt, out);
	return NULL;
}

const char *gp_p_status_name(const struct gp_layout *l, uint32_t status)
{
	static const struct {
		enum gp_lconst k;
		const char *name;
	} names[] = {
		{GP_K_PSTATUS_IDLE, "idle"},       {GP_K_PSTATUS_RUNNING, "running"},
		{GP_K_PSTATUS_SYSCALL, "syscall"}, {GP_K_PSTATUS_SYSCALL_UNUSED, "syscall"},
		{GP_K_PSTATUS_GCSTOP, "gcstop"},   {GP_K_PSTATUS_DEAD, "dead"},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int64_t v = gp_layout_const(l, names[i].k);
		if (v != GP_K_ABSENT && (uint32_t)v == status)
			return names[i].name;
	}
	return "???";
}
