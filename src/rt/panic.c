/* panic.c — reading _panic chains (see panic.h). */
#include "rt/panic.h"

#include <string.h>

int gp_panics_read(const struct gp_rt *rt, uint64_t first, struct gp_rpanic *out, int max, const char **problem)
{
	const struct gp_layout *l = rt->l;
	int32_t size = gp_lsize(l, GP_L_SIZEOF_PANIC);
	*problem = NULL;
	int n = 0;
	for (uint64_t p = first; p; p = out[n - 1].link) {
		if (n == max) {
			*problem = "the panic chain is longer than gopsy follows";
			break;
		}
		for (int i = 0; i < n; i++)
			if (out[i].addr == p) {
				*problem = "the panic chain loops";
				return n;
			}
		const unsigned char *b = size > 0 ? gp_target_ptr(rt->t, p, (size_t)size) : NULL;
		if (!b) {
			*problem = "a _panic record is not readable";
			break;
		}
		struct gp_rpanic *r = &out[n++];
		memset(r, 0, sizeof(*r));
		r->addr = p;
		int32_t arg = gp_loff(l, GP_L_PANIC_ARG);
		memcpy(&r->arg.type, b + arg, 8);
		memcpy(&r->arg.data, b + arg + 8, 8);
		r->link = gp_lget(l, b, GP_L_PANIC_LINK);
		r->recovered = gp_lget(l, b, GP_L_PANIC_RECOVERED) & 0xff;
		r->repanicked = gp_lget(l, b, GP_L_PANIC_REPANICKED) & 0xff;
		r->goexit = gp_lget(l, b, GP_L_PANIC_GOEXIT) & 0xff;
	}
	return n;
}
