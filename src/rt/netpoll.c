/* netpoll.c — pollDescs (see netpoll.h); the rules copy runtime/netpoll.go netpollblock,
 * netpollblockcommit and pollCache.alloc. */
#include "rt/netpoll.h"

#include <string.h>

int gp_polldesc_read(const struct gp_rt *rt, uint64_t addr, struct gp_polldesc *out)
{
	const struct gp_layout *l = rt->l;
	int32_t size = gp_lsize(l, GP_L_SIZEOF_POLLDESC);
	if (!addr || (addr & 7) || size <= 0 || !gp_lhas(l, GP_L_POLLDESC_SELF) || !gp_lhas(l, GP_L_POLLDESC_RG) ||
	    !gp_lhas(l, GP_L_POLLDESC_WG))
		return -1;
	unsigned char buf[512];
	const unsigned char *p = gp_target_view(rt->t, addr, (size_t)size, buf, sizeof(buf));
	if (!p || gp_lget(l, p, GP_L_POLLDESC_SELF) != addr)
		return -1;
	out->addr = addr;
	out->fd = gp_lget(l, p, GP_L_POLLDESC_FD);
	out->rg = gp_lget(l, p, GP_L_POLLDESC_RG);
	out->wg = gp_lget(l, p, GP_L_POLLDESC_WG);
	out->closing = (gp_lget(l, p, GP_L_POLLDESC_CLOSING) & 0xff) != 0;
	return 0;
}

int gp_polldesc_for_word(const struct gp_rt *rt, uint64_t w, uint64_t g, struct gp_polldesc *out, uint32_t *dir)
{
	const struct gp_layout *l = rt->l;
	if (!w || (w & 7) || !g)
		return -1;
	uint64_t cand[3] = {w, w - (uint64_t)gp_loff(l, GP_L_POLLDESC_RG), w - (uint64_t)gp_loff(l, GP_L_POLLDESC_WG)};
	for (int i = 0; i < 3; i++) {
		if (gp_polldesc_read(rt, cand[i], out) != 0)
			continue;
		if (out->rg == g) {
			*dir = 0;
			return 0;
		}
		if (out->wg == g) {
			*dir = 1;
			return 0;
		}
	}
	return -1;
}
