/* header.c — runtime.goroutineheader (see header.h). Labels (1.26 with GODEBUG tracebacklabels=1,
 * 1.27 by default for go1.27 modules) and synctest bubbles are not printed yet. */
#include "render/header.h"

#include "render/textout.h"

const char *gp_goroutine_status_text(const struct gp_rt *rt, const struct gp_g *g)
{
	const struct gp_layout *l = rt->l;
	uint32_t st = gp_g_status(rt, g);
	const char *s = gp_layout_string(l, GP_S_GSTATUS, st);
	if (!s)
		s = "???";
	int64_t leaked = gp_layout_const(l, GP_K_GSTATUS_LEAKED);
	if ((st == (uint32_t)gp_layout_const(l, GP_K_GSTATUS_WAITING) || (leaked != GP_K_ABSENT && st == (uint32_t)leaked)) &&
	    g->waitreason != 0) {
		s = gp_layout_string(l, GP_S_WAITREASON, g->waitreason);
		if (!s)
			s = "unknown wait reason";
	}
	return s;
}

void gp_print_goroutine_header(struct gp_tout *out, const struct gp_rt *rt, const struct gp_g *g, int level,
			       int64_t now_ns)
{
	const struct gp_layout *l = rt->l;
	uint32_t st = gp_g_status(rt, g);
	int64_t scan = gp_layout_const(l, GP_K_GSTATUS_SCAN);
	tout_str(out, "goroutine ");
	tout_dec(out, (int64_t)g->goid);
	if (rt->b->bi.v.minor >= 22 && level >= 2) { /* gp= m= mp= appeared in Go 1.22 */
		tout_str(out, " gp=");
		tout_hex(out, g->addr);
		if (g->m) {
			tout_str(out, " m=");
			tout_dec(out, g->m_id);
			tout_str(out, " mp=");
			tout_hex(out, g->m);
		} else {
			tout_str(out, " m=nil");
		}
	}
	tout_str(out, " [");
	tout_str(out, gp_goroutine_status_text(rt, g));
	int64_t leaked = gp_layout_const(l, GP_K_GSTATUS_LEAKED);
	if (leaked != GP_K_ABSENT && st == (uint32_t)leaked)
		tout_str(out, " (leaked)");
	if (scan != GP_K_ABSENT && (g->status & (uint32_t)scan))
		tout_str(out, " (scan)");
	if (now_ns && g->waitsince &&
	    (st == (uint32_t)gp_layout_const(l, GP_K_GSTATUS_WAITING) || st == (uint32_t)gp_layout_const(l, GP_K_GSTATUS_SYSCALL))) {
		int64_t minutes = (now_ns - g->waitsince) / 60000000000LL;
		if (minutes >= 1) {
			tout_str(out, ", ");
			tout_dec(out, minutes);
			tout_str(out, " minutes");
		}
	}
	if (g->lockedm)
		tout_str(out, ", locked to thread");
	tout_str(out, "]:\n");
}
