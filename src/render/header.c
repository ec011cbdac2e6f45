/* header.c — runtime.goroutineheader (see header.h), with the pprof labels that Go 1.26+ print under
 * GODEBUG tracebacklabels=1 (printquoted in 1.26; quoting only where needed in 1.27), synctest
 * bubbles (1.24 groups, 1.25+ bubbles and "(durable)") and ", N minutes" from the estimated clock
 * (rt/clock.h). */
#include "render/header.h"

#include "render/goprint.h"
#include "render/textout.h"
#include "rt/clock.h"
#include "rt/synctest.h"

/* Go 1.27's tracebackStringNeedsQuoting */
static int needs_quoting(const unsigned char *s, size_t n)
{
	const unsigned char *end = s + n;
	while (s < end) {
		uint32_t r = gp_utf8_rune(&s, end);
		if (!((r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '.' ||
		      r == '/' || r == '_'))
			return 1;
	}
	return 0;
}

/* The labels of g, in the version's format. */
static void print_labels(struct gp_tout *out, const struct gp_rt *rt, const struct gp_g *g)
{
	struct gp_labels ls;
	if (gp_g_labels(rt, g, &ls) != 0)
		return;
	int v127 = rt->b->bi.v.minor >= 27;
	tout_str(out, v127 ? " {" : " labels:{");
	for (uint64_t i = 0; i < ls.n; i++) {
		struct gp_label l;
		if (gp_g_label(rt, &ls, i, &l) != 0) {
			tout_str(out, "<unreadable>");
			break;
		}
		const char *str[2] = {l.key, l.value};
		size_t len[2] = {l.key_len, l.value_len};
		for (int k = 0; k < 2; k++) {
			const unsigned char *u = (const unsigned char *)str[k];
			if (!v127 || needs_quoting(u, len[k]))
				gp_print_quoted(out, str[k], len[k]);
			else
				tout_mem(out, str[k], len[k]);
			if (k == 0)
				tout_str(out, ": ");
		}
		if (i + 1 < ls.n)
			tout_str(out, ", ");
	}
	tout_char(out, '}');
}

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

/* gp.m != nil && gp.m.throwing >= throwTypeRuntime && gp == gp.m.curg: goroutineheader prints
 * gp= m= mp= for the goroutine of a thread that is throwing a runtime error at any level. */
static int throwing_curg(const struct gp_rt *rt, const struct gp_g *g)
{
	const struct gp_layout *l = rt->l;
	if (!g->m)
		return 0;
	uint64_t curg = 0;
	uint32_t throwing = 0;
	struct gp_err *err = gp_target_u64(rt->t, g->m + (uint64_t)gp_loff(l, GP_L_M_CURG), &curg);
	if (!err)
		err = gp_target_read(rt->t, g->m + (uint64_t)gp_loff(l, GP_L_M_THROWING), &throwing, 4);
	gp_err_free(err);
	return !err && curg == g->addr && (int64_t)throwing >= gp_layout_const(l, GP_K_THROWTYPE_RUNTIME);
}

void gp_print_goroutine_header(struct gp_tout *out, const struct gp_rt *rt, const struct gp_g *g, int level,
			       int64_t now_ns)
{
	const struct gp_layout *l = rt->l;
	uint32_t st = gp_g_status(rt, g);
	int64_t scan = gp_layout_const(l, GP_K_GSTATUS_SCAN);
	tout_str(out, "goroutine ");
	tout_dec(out, (int64_t)g->goid);
	if (rt->b->bi.v.minor >= 22 && (level >= 2 || throwing_curg(rt, g))) { /* gp= m= mp= appeared in Go 1.22 */
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
	const char *status = gp_goroutine_status_text(rt, g);
	tout_str(out, status);
	int64_t leaked = gp_layout_const(l, GP_K_GSTATUS_LEAKED);
	if (leaked != GP_K_ABSENT && st == (uint32_t)leaked)
		tout_str(out, " (leaked)");
	if (scan != GP_K_ABSENT && (g->status & (uint32_t)scan))
		tout_str(out, " (scan)");
	if (gp_g_durable(rt, g, status))
		tout_str(out, " (durable)");
	int64_t minutes = gp_g_wait_minutes(rt, g, now_ns);
	if (minutes >= 1) {
		tout_str(out, ", ");
		tout_dec(out, minutes);
		tout_str(out, " minutes");
	}
	if (g->lockedm)
		tout_str(out, ", locked to thread");
	struct gp_bubble bubble;
	if (gp_g_bubble(rt, g, &bubble) == 0) {
		tout_str(out, bubble.group ? ", synctest group " : ", synctest bubble ");
		tout_dec(out, (int64_t)bubble.id);
	}
	if (rt->tracebacklabels && rt->b->bi.v.minor < 27)
		print_labels(out, rt, g);
	tout_char(out, ']');
	if (rt->tracebacklabels && rt->b->bi.v.minor >= 27)
		print_labels(out, rt, g);
	tout_str(out, ":\n");
}
