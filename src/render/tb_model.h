/* tb_model.h — the traceback engine's sink that fills the goroutine model (model/model.h) instead of
 * printing: the same frames, elision lines, "created by" and ancestors the text would show, as
 * items, so that the analyses written for text dumps (analyze/buckets.h, summary.h: stack
 * identity, creation sites, suspects) run unchanged on a core. Strings are copied into a scratch
 * arena the caller resets for each goroutine.
 */
#ifndef GOPSY_RENDER_TB_MODEL_H
#define GOPSY_RENDER_TB_MODEL_H

#include "model/model.h"
#include "render/traceback.h"
#include "rt/goroutine.h"

struct gp_tb_model {
	struct gp_arena *scratch;  /* reset by the caller between goroutines */
	struct gp_mg g;
	size_t cap;
	int in_ancestor;
	int oom;                   /* an allocation failed: items are missing */
};

void gp_tb_model_sink(struct gp_tb_sink *sink, struct gp_tb_model *m);

/* Start goroutine g: the header fields (status text, minutes at now_ns, flags) and no items yet. */
void gp_tb_model_begin(struct gp_tb_model *m, const struct gp_rt *rt, const struct gp_g *g, int64_t now_ns,
		       int running_elsewhere);

#endif
