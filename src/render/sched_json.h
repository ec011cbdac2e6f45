/* sched_json.h — the Ms, Ps and scheduler summary of `gopsy goroutines --json` ("sched", "ms", "ps";
 * docs/json.md), from the model of rt/sched.h. */
#ifndef GOPSY_RENDER_SCHED_JSON_H
#define GOPSY_RENDER_SCHED_JSON_H

#include "render/json.h"
#include "rt/sched.h"

/* Writes the keys "sched", "ms" and "ps" into the open object. */
void gp_json_sched(struct gp_json *j, const struct gp_rt *rt, const struct gp_sched *s);

#endif
