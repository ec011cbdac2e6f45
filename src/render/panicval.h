/* panicval.h — a panic's value as the runtime prints it after "panic: " (runtime/error.go: Go 1.19–
 * 1.22 printany, Go 1.23+ printpanicval, both ending in printanycustomtype): the predeclared basic
 * types by value (a string as is; from Go 1.23 with a tab after each newline), a named basic type as
 * T(v) / T("s"), anything else as (T) 0xaddr. An error or Stringer was already turned into its
 * string by preprintpanics, so that is what the core holds. A value whose bytes are not in the
 * core is printed as <...> naming what is missing.
 */
#ifndef GOPSY_RENDER_PANICVAL_H
#define GOPSY_RENDER_PANICVAL_H

#include "render/textout.h"
#include "rt/value.h"

void gp_print_panicval(struct gp_tout *out, const struct gp_rt *rt, const struct gp_eface *v);

#endif
