/* synctest.c — synctest bubbles of goroutines (see synctest.h); runtime/traceback.go goroutineheader
 * and runtime2.go isIdleInSynctest of Go 1.24-1.27. */
#include "rt/synctest.h"

#include <string.h>

int gp_g_bubble(const struct gp_rt *rt, const struct gp_g *g, struct gp_bubble *out)
{
	const struct gp_layout *l = rt->l;
	int minor = rt->b->bi.v.minor;
	memset(out, 0, sizeof(*out));
	if (!g->bubble || minor < 24)
		return -1;
	out->addr = g->bubble;
	struct gp_err *err;
	if (minor == 24) { /* print(", synctest group ", sg.root.goid) */
		uint64_t root = 0;
		int32_t roff = gp_loff(l, GP_L_SYNCTESTBUBBLE_ROOT), goff = gp_loff(l, GP_L_G_GOID);
		if (roff < 0)
			return -1;
		err = gp_target_u64(rt->t, g->bubble + (uint64_t)roff, &root);
		if (!err && root)
			err = gp_target_u64(rt->t, root + (uint64_t)goff, &out->id);
		if (err || !root) {
			gp_err_free(err);
			return -1;
		}
		out->group = 1;
		return 0;
	}
	int32_t ioff = gp_loff(l, GP_L_SYNCTESTBUBBLE_ID); /* print(", synctest bubble ", bubble.id) */
	if (ioff < 0)
		return -1;
	if ((err = gp_target_u64(rt->t, g->bubble + (uint64_t)ioff, &out->id))) {
		gp_err_free(err);
		return -1;
	}
	return 0;
}

/* runtime2.go isIdleInSynctest (identical in 1.25, 1.26 and 1.27) */
static int idle_in_synctest(const struct gp_layout *l, uint32_t reason)
{
	static const enum gp_lconst idle[] = {
		GP_K_WAITREASON_CHAN_RECEIVE_NIL_CHAN, GP_K_WAITREASON_CHAN_SEND_NIL_CHAN,
		GP_K_WAITREASON_SELECT_NO_CASES,       GP_K_WAITREASON_SLEEP,
		GP_K_WAITREASON_SYNC_COND_WAIT,        GP_K_WAITREASON_SYNCTEST_WAIT_GROUP_WAIT,
		GP_K_WAITREASON_COROUTINE,             GP_K_WAITREASON_SYNCTEST_RUN,
		GP_K_WAITREASON_SYNCTEST_WAIT,         GP_K_WAITREASON_SYNCTEST_CHAN_RECEIVE,
		GP_K_WAITREASON_SYNCTEST_CHAN_SEND,    GP_K_WAITREASON_SYNCTEST_SELECT,
	};
	for (size_t i = 0; i < sizeof(idle) / sizeof(idle[0]); i++) {
		int64_t v = gp_layout_const(l, idle[i]);
		if (v != GP_K_ABSENT && (uint32_t)v == reason)
			return 1;
	}
	return 0;
}

int gp_g_durable(const struct gp_rt *rt, const struct gp_g *g, const char *status_text)
{
	int minor = rt->b->bi.v.minor;
	if (minor < 25 || !g->bubble)
		return 0;
	/* 1.25 tests the wait reason whatever the status; 1.26 added gpstatus == _Gwaiting */
	if (minor >= 26 && gp_g_status(rt, g) != (uint32_t)gp_layout_const(rt->l, GP_K_GSTATUS_WAITING))
		return 0;
	if (!idle_in_synctest(rt->l, g->waitreason))
		return 0;
	size_t n = strlen(status_text), k = strlen("(durable)");
	return !(n >= k && !strcmp(status_text + n - k, "(durable)"));
}
