/* chan.c — reading an hchan (see chan.h). */
#include "rt/chan.h"

#include <string.h>

#include "rt/value.h"

int gp_chan_read(const struct gp_rt *rt, uint64_t addr, struct gp_chan *out, const char **problem)
{
	const struct gp_layout *l = rt->l;
	memset(out, 0, sizeof(*out));
	out->addr = addr;
	int32_t size = gp_lsize(l, GP_L_SIZEOF_HCHAN);
	unsigned char buf[512];
	const unsigned char *p = addr && size > 0 ? gp_target_view(rt->t, addr, (size_t)size, buf, sizeof(buf)) : NULL;
	if (!p) {
		*problem = "the channel is not readable";
		return -1;
	}
	out->qcount = gp_lget(l, p, GP_L_HCHAN_QCOUNT);
	out->dataqsiz = gp_lget(l, p, GP_L_HCHAN_DATAQSIZ);
	out->elemtype = gp_lget(l, p, GP_L_HCHAN_ELEMTYPE);
	out->elemsize = (uint32_t)gp_lget(l, p, GP_L_HCHAN_ELEMSIZE);
	out->closed = (uint32_t)gp_lget(l, p, GP_L_HCHAN_CLOSED);
	out->timer = gp_lget(l, p, GP_L_HCHAN_TIMER);
	/* waitq{first, last}: the queue starts at first. */
	int32_t first = gp_loff(l, GP_L_WAITQ_FIRST);
	memcpy(&out->recvq, p + gp_loff(l, GP_L_HCHAN_RECVQ) + first, 8);
	memcpy(&out->sendq, p + gp_loff(l, GP_L_HCHAN_SENDQ) + first, 8);
	if (out->qcount > out->dataqsiz) {
		*problem = "not a channel: qcount > dataqsiz";
		return -1;
	}
	struct gp_type t;
	if (gp_type_read(rt, out->elemtype, &t) != 0) {
		*problem = "not a channel: its element type is not readable";
		return -1;
	}
	if (t.size != out->elemsize) {
		*problem = "not a channel: elemsize differs from its element type's size";
		return -1;
	}
	return 0;
}
