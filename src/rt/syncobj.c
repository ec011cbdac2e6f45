/* syncobj.c — naming the object a semaphore belongs to (see syncobj.h). */
#include "rt/syncobj.h"

#include <string.h>

#include "unwind/gounwind.h"
#include "unwind/gstart.h"

enum { MAX_FRAMES = 16, MAX_INLINE = 32 };

static int is_wr(const struct gp_layout *l, uint32_t wr, enum gp_lconst k)
{
	int64_t v = gp_layout_const(l, k);
	return v != GP_K_ABSENT && (uint32_t)v == wr;
}

/* The semaphore machinery between gopark and whoever acquired: skipped when looking for the
 * acquirer. */
static int sema_code(const char *name)
{
	static const char *const exact[] = {
		"runtime.gopark", "runtime.goparkunlock", "runtime.semacquire1", "runtime.semacquire",
	};
	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (!strcmp(name, exact[i]))
			return 1;
	const char *dot = strrchr(name, '.');
	const char *base = dot ? dot + 1 : name;
	static const char *const prefix[] = {
		"runtime_Semacquire", "sync_runtime_Semacquire", "internal_sync_runtime_Semacquire",
		"poll_runtime_Semacquire",
	};
	for (size_t i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++)
		if (!strncmp(base, prefix[i], strlen(prefix[i])))
			return 1;
	return 0;
}

/* The first function above the semaphore code on g's stack, "" when not found. */
static const char *acquirer(const struct gp_rt *rt, struct gp_pccache *cache, const struct gp_g *g)
{
	struct gp_ustart st;
	if (!gp_g_unwind_start(rt, g, &st))
		return "";
	struct gp_unwinder u;
	gp_unwind_init(&u, rt->t, rt->b, &rt->ids, cache, st.pc, st.sp, st.is_syscall, st.trap);
	for (int n = 0; u.valid && n < MAX_FRAMES; n++, gp_unwind_next(&u)) {
		uint64_t pc = gp_unwind_sympc(&u) - rt->t->bias;
		const struct gp_pcsym *e = cache ? gp_pccache_sym(cache, &u.frame.fn, pc) : NULL;
		struct gp_inline_frame lf[MAX_INLINE];
		const struct gp_inline_frame *f = e ? e->lf : lf;
		size_t nf = e ? e->n : gp_pclntab_inline_frames(&rt->b->pcln, &u.frame.fn, pc, lf, MAX_INLINE);
		for (size_t i = 0; i < nf; i++)
			if (f[i].name && !sema_code(f[i].name))
				return f[i].name;
	}
	return "";
}

void gp_semobj_semas(const struct gp_rt *rt, enum gp_wobj_kind kind, uint64_t addr, uint64_t sema[2])
{
	const struct gp_layout *l = rt->l;
	sema[0] = sema[1] = 0;
	switch (kind) {
	case GP_WOBJ_MUTEX:
		sema[0] = addr + (uint64_t)gp_loff(l, GP_L_SYNC_MUTEX_SEMA);
		break;
	case GP_WOBJ_RWMUTEX:
		sema[0] = addr + (uint64_t)gp_loff(l, GP_L_SYNC_RWMUTEX_READERSEM);
		sema[1] = addr + (uint64_t)gp_loff(l, GP_L_SYNC_RWMUTEX_WRITERSEM);
		break;
	case GP_WOBJ_WAITGROUP:
		sema[0] = addr + (uint64_t)gp_loff(l, GP_L_SYNC_WAITGROUP_SEMA);
		break;
	default:
		sema[0] = addr;
		break;
	}
}

/* The object of kind k around sema, if the layout knows the offset (else a bare semaphore). */
static void enclose(const struct gp_rt *rt, enum gp_wobj_kind k, uint32_t dir, uint64_t sema, struct gp_semobj *out)
{
	const struct gp_layout *l = rt->l;
	enum gp_lfield f = k == GP_WOBJ_MUTEX       ? GP_L_SYNC_MUTEX_SEMA
			   : k == GP_WOBJ_WAITGROUP ? GP_L_SYNC_WAITGROUP_SEMA
			   : dir == 0               ? GP_L_SYNC_RWMUTEX_READERSEM
						    : GP_L_SYNC_RWMUTEX_WRITERSEM;
	int32_t off = gp_loff(l, f);
	if (off < 0 || sema < (uint64_t)off) {
		out->kind = GP_WOBJ_SEMA;
		out->addr = sema;
		out->dir = 0;
		return;
	}
	out->kind = k;
	out->addr = sema - (uint64_t)off;
	out->dir = k == GP_WOBJ_RWMUTEX ? dir : 0;
}

void gp_semobj_name(const struct gp_rt *rt, struct gp_pccache *cache, const struct gp_g *g, uint32_t wr,
		    uint64_t sema, struct gp_semobj *out)
{
	const struct gp_layout *l = rt->l;
	memset(out, 0, sizeof(*out));
	out->acquirer = "";
	if (is_wr(l, wr, GP_K_WAITREASON_SYNC_MUTEX_LOCK)) {
		enclose(rt, GP_WOBJ_MUTEX, 0, sema, out);
		return;
	}
	if (is_wr(l, wr, GP_K_WAITREASON_SYNC_RW_MUTEX_R_LOCK)) {
		enclose(rt, GP_WOBJ_RWMUTEX, 0, sema, out);
		return;
	}
	if (is_wr(l, wr, GP_K_WAITREASON_SYNC_RW_MUTEX_LOCK)) {
		enclose(rt, GP_WOBJ_RWMUTEX, 1, sema, out);
		return;
	}
	if (is_wr(l, wr, GP_K_WAITREASON_SYNC_WAIT_GROUP_WAIT) || is_wr(l, wr, GP_K_WAITREASON_SYNCTEST_WAIT_GROUP_WAIT)) {
		enclose(rt, GP_WOBJ_WAITGROUP, 0, sema, out);
		return;
	}
	/* semacquire: whoever called the semaphore code says what it is. */
	const char *who = g ? acquirer(rt, cache, g) : "";
	if (!strcmp(who, "sync.(*Mutex).lockSlow") || !strcmp(who, "sync.(*Mutex).Lock") ||
	    !strcmp(who, "internal/sync.(*Mutex).lockSlow") || !strcmp(who, "internal/sync.(*Mutex).Lock"))
		enclose(rt, GP_WOBJ_MUTEX, 0, sema, out);
	else if (!strcmp(who, "sync.(*RWMutex).RLock"))
		enclose(rt, GP_WOBJ_RWMUTEX, 0, sema, out);
	else if (!strcmp(who, "sync.(*RWMutex).Lock"))
		enclose(rt, GP_WOBJ_RWMUTEX, 1, sema, out);
	else if (!strcmp(who, "sync.(*WaitGroup).Wait"))
		enclose(rt, GP_WOBJ_WAITGROUP, 0, sema, out);
	else {
		out->kind = GP_WOBJ_SEMA;
		out->addr = sema;
	}
	out->acquirer = who;
}
