/* report.h — `gopsy report` rendered: text for an 80-column terminal (the cause of death first, one
 * screen; details after; colour only when asked for, e.g. on a TTY without NO_COLOR) and JSON
 * ("gopsy.report/1", docs/report.md). The data is analyze/report.h's; nothing is computed here.
 */
#ifndef GOPSY_RENDER_REPORT_H
#define GOPSY_RENDER_REPORT_H

#include <stdio.h>

#include "analyze/report.h"

void gp_report_print_text(FILE *out, const struct gp_report *r, int color);
void gp_report_print_json(FILE *out, const struct gp_report *r);

#endif
