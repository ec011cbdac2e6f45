/* header.h — the goroutine header line exactly as runtime.goroutineheader prints it for each Go
 * version: "goroutine N[ gp=… m=… mp=…] [status[ (leaked)][ (scan)][ (durable)][, N minutes]
 * [, locked to thread][, synctest group N|, synctest bubble N][ labels:{…}]][ {…}]:".
 */
#ifndef GOPSY_RENDER_HEADER_H
#define GOPSY_RENDER_HEADER_H

#include <stdio.h>

#include "rt/goroutine.h"

/* level: GOTRACEBACK level (1 all, 2 system/crash). now_ns: the estimated nanotime() for
 * ", N minutes" (rt/clock.h gp_now_estimate), or 0 when unknown (then minutes are not printed). */
struct gp_tout;
void gp_print_goroutine_header(struct gp_tout *out, const struct gp_rt *rt, const struct gp_g *g, int level,
			       int64_t now_ns);

/* The status text alone ("chan receive", "running", ...). */
const char *gp_goroutine_status_text(const struct gp_rt *rt, const struct gp_g *g);

#endif
