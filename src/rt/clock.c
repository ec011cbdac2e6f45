/* clock.c — estimating nanotime() at death (see clock.h). */
#include "rt/clock.h"

#include <string.h>

#include "rt/sched.h"

/* The end of g's last completed time.Sleep, or 0. A goroutine sleeping now holds the future end of
 * its current sleep (and a running one may be between setting it and parking): neither counts. */
static int64_t sleep_end(const struct gp_rt *rt, const unsigned char *p, uint32_t st, uint32_t reason,
			 const char **how)
{
	const struct gp_layout *l = rt->l;
	int64_t waiting = gp_layout_const(l, GP_K_GSTATUS_WAITING);
	int64_t sleep = gp_layout_const(l, GP_K_WAITREASON_SLEEP);
	if (st == (uint32_t)gp_layout_const(l, GP_K_GSTATUS_RUNNING) ||
	    st == (uint32_t)gp_layout_const(l, GP_K_GSTATUS_COPYSTACK) ||
	    (st == (uint32_t)waiting && sleep != GP_K_ABSENT && reason == (uint32_t)sleep))
		return 0;
	if (gp_lhas(l, GP_L_G_SLEEPWHEN)) { /* Go 1.23+: timeSleep sets gp.sleepWhen = nanotime() + ns */
		*how = "g.sleepWhen";
		return (int64_t)gp_lget(l, p, GP_L_G_SLEEPWHEN);
	}
	/* Go 1.19-1.22: the g's own sleep timer; once it has fired it is timerNoStatus with when kept. */
	uint64_t t = gp_lget(l, p, GP_L_G_TIMER);
	int64_t nostatus = gp_layout_const(l, GP_K_TIMERSTATUS_NO_STATUS);
	if (!t || nostatus == GP_K_ABSENT || !gp_lhas(l, GP_L_TIMER_STATUS))
		return 0;
	int64_t when = 0;
	uint32_t status = 0;
	struct gp_err *err = gp_target_read(rt->t, t + (uint64_t)gp_loff(l, GP_L_TIMER_WHEN), &when, 8);
	if (!err)
		err = gp_target_read(rt->t, t + (uint64_t)gp_loff(l, GP_L_TIMER_STATUS), &status, 4);
	if (err) {
		gp_err_free(err);
		return 0;
	}
	*how = "g.timer.when";
	return status == (uint32_t)nostatus ? when : 0;
}

struct gp_err *gp_now_estimate(const struct gp_rt *rt, struct gp_arena *a, struct gp_now *out)
{
	memset(out, 0, sizeof(*out));
	const struct gp_layout *l = rt->l;
	struct gp_sched s;
	struct gp_err *err = gp_sched_read(rt, a, &s);
	if (err)
		return err;
	out->sched_how = s.sched_how;
	if (s.s.present && (int64_t)s.s.lastpoll > 0)
		out->lastpoll = (int64_t)s.s.lastpoll;
	uint64_t sleep_goid = 0, ws_goid = 0;
	const char *sleep_how = NULL;
	int32_t size = gp_lsize(l, GP_L_SIZEOF_G);
	int64_t scan = gp_layout_const(l, GP_K_GSTATUS_SCAN);
	for (uint64_t i = 0; i < rt->allgs.s.len && size > 0; i++) {
		uint64_t ga;
		gp_target_release_every(rt->t, i);
		if ((err = gp_rt_allg(rt, i, &ga))) {
			gp_err_free(err);
			continue;
		}
		unsigned char buf[2048];
		const unsigned char *p = gp_target_view(rt->t, ga, (size_t)size, buf, sizeof(buf));
		if (!p)
			continue;
		uint32_t st = (uint32_t)gp_lget(l, p, GP_L_G_ATOMICSTATUS);
		if (scan != GP_K_ABSENT)
			st &= ~(uint32_t)scan;
		uint32_t reason = (uint32_t)gp_lget(l, p, GP_L_G_WAITREASON);
		int64_t ws = (int64_t)gp_lget(l, p, GP_L_G_WAITSINCE);
		if (ws > out->waitsince) {
			out->waitsince = ws;
			ws_goid = gp_lget(l, p, GP_L_G_GOID);
		}
		const char *how = NULL;
		int64_t se = sleep_end(rt, p, st, reason, &how);
		if (se > out->sleep_end) {
			out->sleep_end = se;
			sleep_goid = gp_lget(l, p, GP_L_G_GOID);
			sleep_how = how;
		}
	}
	/* The newest wins; on a tie the order below (most frequently refreshed first). */
	if (out->lastpoll >= out->sleep_end && out->lastpoll >= out->waitsince && out->lastpoll) {
		out->ns = out->lastpoll;
		out->source = "sched.lastpoll";
	} else if (out->sleep_end >= out->waitsince && out->sleep_end) {
		out->ns = out->sleep_end;
		out->source = sleep_how;
		out->goid = sleep_goid;
	} else if (out->waitsince) {
		out->ns = out->waitsince;
		out->source = "g.waitsince";
		out->goid = ws_goid;
	}
	return NULL;
}

int gp_g_has_wait_time(const struct gp_rt *rt, const struct gp_g *g)
{
	uint32_t st = gp_g_status(rt, g);
	return g->waitsince != 0 && (st == (uint32_t)gp_layout_const(rt->l, GP_K_GSTATUS_WAITING) ||
				     st == (uint32_t)gp_layout_const(rt->l, GP_K_GSTATUS_SYSCALL));
}

int64_t gp_g_wait_minutes(const struct gp_rt *rt, const struct gp_g *g, int64_t now_ns)
{
	if (!now_ns || !gp_g_has_wait_time(rt, g))
		return -1;
	return (now_ns - g->waitsince) / 60000000000LL; /* Go's int64 division truncates, as C's does */
}
