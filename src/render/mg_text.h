/* mg_text.h — a goroutine of the model (model/model.h) printed back in the runtime's own text: the
 * header as goroutineheader writes it, frames as traceback2, "created by", ancestors, elision lines,
 * raw lines verbatim; a pprof debug=1 record as runtime/pprof writes it. `gopsy parse --emit` uses
 * it, and what the dump parser read comes out byte for byte. */
#ifndef GOPSY_RENDER_MG_TEXT_H
#define GOPSY_RENDER_MG_TEXT_H

#include "model/model.h"
#include "render/textout.h"

void gp_mg_text(struct gp_tout *o, const struct gp_mg *g);

#endif
