/* notifylist.c — sync.Cond's notifyList (see notifylist.h); the rules copy runtime/sema.go
 * notifyListWait and sync/cond.go Cond.Wait. */
#include "rt/notifylist.h"

int gp_notifylist_read(const struct gp_rt *rt, uint64_t addr, struct gp_notifylist *out)
{
	const struct gp_layout *l = rt->l;
	int32_t size = gp_lsize(l, GP_L_SIZEOF_NOTIFYLIST);
	if (!addr || (addr & 7) || size <= 0 || !gp_lhas(l, GP_L_NOTIFYLIST_HEAD) || !gp_lhas(l, GP_L_NOTIFYLIST_TAIL))
		return -1;
	unsigned char buf[256];
	const unsigned char *p = gp_target_view(rt->t, addr, (size_t)size, buf, sizeof(buf));
	if (!p)
		return -1;
	out->addr = addr;
	out->wait = (uint32_t)gp_lget(l, p, GP_L_NOTIFYLIST_WAIT);
	out->notify = (uint32_t)gp_lget(l, p, GP_L_NOTIFYLIST_NOTIFY);
	out->head = gp_lget(l, p, GP_L_NOTIFYLIST_HEAD);
	out->tail = gp_lget(l, p, GP_L_NOTIFYLIST_TAIL);
	if (!out->head != !out->tail || (out->head & 7) || (out->tail & 7))
		return -1;
	return 0;
}

uint64_t gp_notifylist_cond(const struct gp_rt *rt, uint64_t list)
{
	int32_t off = gp_loff(rt->l, GP_L_SYNC_COND_NOTIFY);
	return off >= 0 && list >= (uint64_t)off ? list - (uint64_t)off : 0;
}
