/* header.c — runtime.goroutineheader (see header.h). Labels (1.26 with GODEBUG tracebacklabels=1,
 * 1.27 by default for go1.27 modules) and synctest bubbles are not printed yet. */
#include "render/header.h"

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

void gp_print_goroutine_header(FILE *out, const struct gp_rt *rt, const struct gp_g *g, int level, int64_t now_ns)
{
	const struct gp_layout *l = rt->l;
	uint32_t st = gp_g_status(rt, g);
	int64_t scan = gp_layout_const(l, GP_K_GSTATUS_SCAN);
	fprintf(out, "goroutine %llu", (unsigned long long)g->goid);
	if (rt->b->bi.v.minor >= 22 && level >= 2) { /* gp= m= mp= appeared in Go 1.22 */
		fprintf(out, " gp=0x%llx", (unsigned long long)g->addr);
		if (g->m)
			fprintf(out, " m=%lld mp=0x%llx", (long long)g->m_id, (unsigned long long)g->m);
		else
			fputs(" m=nil", out);
	}
	fprintf(out, " [%s", gp_goroutine_status_text(rt, g));
	int64_t leaked = gp_layout_const(l, GP_K_GSTATUS_LEAKED);
	if (leaked != GP_K_ABSENT && st == (uint32_t)leaked)
		fputs(" (leaked)", out);
	if (scan != GP_K_ABSENT && (g->status & (uint32_t)scan))
		fputs(" (scan)", out);
	if (now_ns && g->waitsince &&
	    (st == (uint32_t)gp_layout_const(l, GP_K_GSTATUS_WAITING) || st == (uint32_t)gp_layout_const(l, GP_K_GSTATUS_SYSCALL))) {
		int64_t minutes = (now_ns - g->waitsince) / 60000000000LL;
		if (minutes >= 1)
			fprintf(out, ", %lld minutes", (long long)minutes);
	}
	if (g->lockedm)
		fputs(", locked to thread", out);
	fputs("]:\n", out);
}
