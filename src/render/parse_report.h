/* parse_report.h — what `gopsy parse` prints about one dump: why it was printed (crash), the
 * status and creation-site tallies, leak suspects, the stacks largest first — as text for a human
 * or as one JSON object (schema in docs/parse.md). */
#ifndef GOPSY_RENDER_PARSE_REPORT_H
#define GOPSY_RENDER_PARSE_REPORT_H

#include <stdio.h>

#include "analyze/buckets.h"
#include "analyze/crash.h"
#include "model/model.h"
#include "analyze/summary.h"
#include "render/json.h"

struct gp_dump_report {
	const struct gp_dump_info *info;
	const struct gp_crash *crash;
	const struct gp_buckets *bs;      /* sorted */
	const struct gp_summary *sum;
	size_t top;                       /* stacks shown in text; 0 = all */
	size_t ids;                       /* goroutine ids listed per stack in text; 0 = all */
};

void gp_report_text(FILE *out, const struct gp_dump_report *r);
void gp_report_json(struct gp_json *j, const struct gp_dump_report *r);

#endif
