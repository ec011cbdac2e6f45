/* sudog.c — reading sudogs and walking their lists (see sudog.h). */
#include "rt/sudog.h"

#include <string.h>

int gp_sudog_read(const struct gp_rt *rt, uint64_t addr, struct gp_sudog *out)
{
	const struct gp_layout *l = rt->l;
	int32_t size = gp_lsize(l, GP_L_SIZEOF_SUDOG);
	unsigned char buf[512];
	const unsigned char *p = addr && size > 0 ? gp_target_view(rt->t, addr, (size_t)size, buf, sizeof(buf)) : NULL;
	if (!p)
		return -1;
	out->addr = addr;
	out->g = gp_lget(l, p, GP_L_SUDOG_G);
	out->next = gp_lget(l, p, GP_L_SUDOG_NEXT);
	out->prev = gp_lget(l, p, GP_L_SUDOG_PREV);
	out->parent = gp_lget(l, p, GP_L_SUDOG_PARENT);
	out->waitlink = gp_lget(l, p, GP_L_SUDOG_WAITLINK);
	out->waittail = gp_lget(l, p, GP_L_SUDOG_WAITTAIL);
	out->elem = gp_lget(l, p, GP_L_SUDOG_ELEM);
	out->c = gp_lget(l, p, GP_L_SUDOG_C);
	out->ticket = (uint32_t)gp_lget(l, p, GP_L_SUDOG_TICKET);
	out->is_select = (gp_lget(l, p, GP_L_SUDOG_ISSELECT) & 0xff) != 0;
	return 0;
}

size_t gp_sudog_walk(const struct gp_rt *rt, uint64_t first, enum gp_sudog_link link, size_t max,
		     gp_sudog_fn *fn, void *ctx, const char **problem)
{
	*problem = NULL;
	size_t n = 0;
	/* Brent: the tortoise jumps to the hare at each power of two; meeting it again is a loop. */
	uint64_t tortoise = 0;
	size_t power = 1, lam = 0;
	for (uint64_t p = first; p;) {
		if (p == tortoise) {
			*problem = "the list loops";
			break;
		}
		if (n == max) {
			*problem = "the list is longer than gopsy follows";
			break;
		}
		struct gp_sudog s;
		if (gp_sudog_read(rt, p, &s) != 0) {
			*problem = "a sudog of the list is not readable";
			break;
		}
		n++;
		if (fn && fn(ctx, &s))
			break;
		if (++lam == power) {
			tortoise = p;
			power *= 2;
			lam = 0;
		}
		p = link == GP_SUDOG_LINK_NEXT ? s.next : s.waitlink;
	}
	return n;
}
