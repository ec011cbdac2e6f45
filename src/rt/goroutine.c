/* goroutine.c — reading goroutines (see goroutine.h). The rules mirror runtime/traceback.go's
 * isSystemGoroutine of each version. */
#include "rt/goroutine.h"

#include "rt/godebug.h"

#include <string.h>

/* In a stripped binary: the one global runtime.isSystemGoroutine reads, fingRunning (1.19: movzbl
 * disp(%rip)) or fingStatus (1.21+: a 32-bit mov disp(%rip)); 0 unless exactly one target is found. */
static uint64_t fing_by_code(const struct gp_rt *rt, int old)
{
	uint64_t entry, found = 0;
	size_t n;
	const unsigned char *c = gp_func_code(rt->b, "runtime.isSystemGoroutine", &entry, &n);
	for (size_t k = 0; c && k + 7 <= n; k++) {
		size_t len = 0, disp_at = 0;
		if (old && c[k] == 0x0f && c[k + 1] == 0xb6 && (c[k + 2] & 0xc7) == 0x05)
			len = 7, disp_at = 3;
		else if (!old && c[k] == 0x8b && (c[k + 1] & 0xc7) == 0x05 && (k == 0 || (c[k - 1] & 0xf8) != 0x48))
			len = 6, disp_at = 2;
		if (!len)
			continue;
		int32_t disp;
		memcpy(&disp, c + k + disp_at, 4);
		uint64_t t = entry + k + len + (uint64_t)(int64_t)disp;
		if (found && found != t)
			return 0;
		found = t;
	}
	return found;
}

/* fingRunning (bool, 1.19) or fingStatus & fingRunningFinalizer (later): by symbol, else from the
 * code of runtime.isSystemGoroutine (validated: a plausible value). */
static void read_fing(struct gp_rt *rt)
{
	uint64_t addr;
	int old = rt->b->bi.v.minor < 21;
	struct gp_err *err = gp_exe_symbol(rt->b->exe, old ? "runtime.fingRunning" : "runtime.fingStatus", &addr, NULL);
	if (err) {
		gp_err_free(err);
		if (!(addr = fing_by_code(rt, old)))
			return;
	}
	uint32_t v = 0;
	err = gp_target_read(rt->t, addr + rt->t->bias, &v, old ? 1 : 4);
	if (err) {
		gp_err_free(err);
		return;
	}
	int64_t bit = gp_layout_const(rt->l, GP_K_FINGSTATUS_RUNNING_FINALIZER);
	if ((old && (v & 0xff) > 1) || (!old && v > 0xf))
		return; /* not a fingRunning / fingStatus value: the recipe found something else */
	rt->fing_known = 1;
	rt->fing_running = old ? (v & 0xff) != 0 : (bit != GP_K_ABSENT && (v & (uint32_t)bit) != 0);
}

struct gp_err *gp_rt_init(struct gp_rt *rt, const struct gp_target *t, const struct gp_gobin *b,
			  const struct gp_layout *l)
{
	memset(rt, 0, sizeof(*rt));
	rt->t = t;
	rt->b = b;
	rt->l = l;
	gp_funcids_fill(&rt->ids, l);
	read_fing(rt);
	int minor = b->bi.v.minor;
	if (minor >= 26) /* runtime1.go dbgvars: def 0 in 1.26, 1 from 1.27 */
		rt->tracebacklabels = gp_godebug_int(t, t->img, b, "tracebacklabels", minor >= 27) == 1;
	return gp_find_allgs(t, b, &rt->allgs);
}

struct gp_err *gp_rt_allg(const struct gp_rt *rt, uint64_t i, uint64_t *gaddr)
{
	return gp_target_u64(rt->t, rt->allgs.s.ptr + 8 * i, gaddr);
}

struct gp_err *gp_rt_read_g(const struct gp_rt *rt, uint64_t addr, struct gp_g *g)
{
	const struct gp_layout *l = rt->l;
	memset(g, 0, sizeof(*g));
	g->addr = addr;
	int32_t size = gp_lsize(l, GP_L_SIZEOF_G);
	unsigned char buf[2048];
	const unsigned char *p = size > 0 ? gp_target_view(rt->t, addr, (size_t)size, buf, sizeof(buf)) : NULL;
	if (!p && size > 0 && (size_t)size <= sizeof(buf)) {
		/* a g in static data (m0's g0) may straddle two of the core's segments */
		struct gp_err *err = gp_target_read(rt->t, addr, buf, (size_t)size);
		if (err)
			return gp_err_wrap(err, "reading g at 0x%llx", (unsigned long long)addr);
		p = buf;
	}
	if (!p)
		return gp_errorf(GP_ERR_FORMAT, "reading g at 0x%llx: the layout's g size %d is not usable",
				 (unsigned long long)addr, size);
	g->goid = gp_lget(l, p, GP_L_G_GOID);
	g->status = (uint32_t)gp_lget(l, p, GP_L_G_ATOMICSTATUS);
	g->waitreason = (uint32_t)gp_lget(l, p, GP_L_G_WAITREASON);
	g->waitsince = (int64_t)gp_lget(l, p, GP_L_G_WAITSINCE);
	g->m = gp_lget(l, p, GP_L_G_M);
	g->lockedm = gp_lget(l, p, GP_L_G_LOCKEDM);
	g->sched_pc = gp_lget(l, p, GP_L_G_SCHED_PC);
	g->sched_sp = gp_lget(l, p, GP_L_G_SCHED_SP);
	g->syscallpc = gp_lget(l, p, GP_L_G_SYSCALLPC);
	g->syscallsp = gp_lget(l, p, GP_L_G_SYSCALLSP);
	g->stack_lo = gp_lget(l, p, GP_L_G_STACK_LO);
	g->stack_hi = gp_lget(l, p, GP_L_G_STACK_HI);
	g->gopc = gp_lget(l, p, GP_L_G_GOPC);
	g->startpc = gp_lget(l, p, GP_L_G_STARTPC);
	g->parent_goid = gp_lget(l, p, GP_L_G_PARENTGOID);
	g->ancestors = gp_lget(l, p, GP_L_G_ANCESTORS);
	g->labels = gp_lget(l, p, GP_L_G_LABELS);
	g->bubble = gp_lget(l, p, GP_L_G_BUBBLE);
	g->running_cleanups = gp_lhas(l, GP_L_G_RUNNINGCLEANUPS) && (gp_lget(l, p, GP_L_G_RUNNINGCLEANUPS) & 0xff);
	g->m_id = -1;
	if (g->m) {
		uint64_t id = 0;
		int32_t off = gp_loff(l, GP_L_M_ID);
		struct gp_err *err = off >= 0 ? gp_target_u64(rt->t, g->m + (uint64_t)off, &id) : NULL;
		if (err)
			gp_err_free(err);
		else
			g->m_id = (int64_t)id;
	}
	return NULL;
}

struct gp_err *gp_rt_thread_curg(const struct gp_rt *rt, const struct gp_thread *th, uint64_t *curg)
{
	*curg = 0;
	uint64_t fs = th->regs[GP_X86_FS_BASE], g = 0, m = 0;
	if (!fs)
		return NULL;
	struct gp_err *err = gp_target_u64(rt->t, fs - 8, &g);
	if (err || !g)
		return err;
	if ((err = gp_target_u64(rt->t, g + (uint64_t)gp_loff(rt->l, GP_L_G_M), &m)) || !m)
		return err;
	return gp_target_u64(rt->t, m + (uint64_t)gp_loff(rt->l, GP_L_M_CURG), curg);
}

int gp_g_labels(const struct gp_rt *rt, const struct gp_g *g, struct gp_labels *out)
{
	uint64_t list[2];
	if (!g->labels || rt->b->bi.v.minor < 26)
		return -1;
	struct gp_err *err = gp_target_read(rt->t, g->labels, list, sizeof(list));
	if (err) {
		gp_err_free(err);
		return -1;
	}
	if (list[1] == 0 || list[1] > 4096)
		return -1;
	out->ptr = list[0];
	out->n = list[1];
	return 0;
}

int gp_g_label(const struct gp_rt *rt, const struct gp_labels *ls, uint64_t i, struct gp_label *out)
{
	uint64_t kv[4];
	struct gp_err *err = gp_target_read(rt->t, ls->ptr + 32 * i, kv, sizeof(kv));
	if (err) {
		gp_err_free(err);
		return -1;
	}
	const char **s[2] = {&out->key, &out->value};
	size_t *len[2] = {&out->key_len, &out->value_len};
	for (int k = 0; k < 2; k++) {
		size_t n = kv[2 * k + 1] > 65536 ? 65536 : (size_t)kv[2 * k + 1];
		const char *p = n ? gp_target_ptr(rt->t, kv[2 * k], n) : "";
		*s[k] = p ? p : "";
		*len[k] = p ? n : 0;
	}
	return 0;
}

uint64_t gp_rt_field(const struct gp_rt *rt, uint64_t addr, enum gp_lfield f)
{
	if (!addr || !gp_lhas(rt->l, f))
		return 0;
	uint64_t v = 0;
	int32_t size = gp_lsize(rt->l, f);
	struct gp_err *err = gp_target_read(rt->t, addr + (uint64_t)gp_loff(rt->l, f), &v,
					    size > 0 && size < 8 ? (size_t)size : 8);
	if (err) {
		gp_err_free(err);
		return 0;
	}
	return v;
}

uint32_t gp_g_status(const struct gp_rt *rt, const struct gp_g *g)
{
	int64_t scan = gp_layout_const(rt->l, GP_K_GSTATUS_SCAN);
	return scan == GP_K_ABSENT ? g->status : g->status & ~(uint32_t)scan;
}

int gp_g_is_dead(const struct gp_rt *rt, const struct gp_g *g)
{
	/* readgstatus(gp) == _Gdead || == _Gdeadextra (1.26+): compared with the scan bit, as the runtime does */
	int64_t dead = gp_layout_const(rt->l, GP_K_GSTATUS_DEAD), extra = gp_layout_const(rt->l, GP_K_GSTATUS_DEADEXTRA);
	return g->status == (uint32_t)dead || (extra != GP_K_ABSENT && g->status == (uint32_t)extra);
}

int gp_g_is_system(const struct gp_rt *rt, const struct gp_g *g)
{
	struct gp_func f;
	if (gp_pclntab_findfunc(&rt->b->pcln, g->startpc - rt->t->bias, &f) != 0)
		return 0;
	const struct gp_funcids *ids = &rt->ids;
	int id = f.funcid;
	if (id == ids->runtime_main || id == ids->handleasyncevent || (ids->corostart >= 0 && id == ids->corostart))
		return 0;
	if ((ids->runfinq >= 0 && id == ids->runfinq) || (ids->runfinalizers >= 0 && id == ids->runfinalizers)) {
		if (rt->fing_known)
			return !rt->fing_running;
		/* Stripped: no fingStatus symbol. A finalizer goroutine parked in "finalizer wait" is not
		 * running a finalizer; otherwise assume it is. */
		return g->waitreason == (uint32_t)gp_layout_const(rt->l, GP_K_WAITREASON_FINALIZER_WAIT);
	}
	if (ids->runcleanups >= 0 && id == ids->runcleanups)
		return !g->running_cleanups;
	return !strncmp(gp_pclntab_funcname(&rt->b->pcln, &f), "runtime.", 8);
}
