/* summary.h — what a dump says at a glance, computed over its buckets (buckets.h): goroutines per
 * status (wait reason) with the minutes waited, per creation site, and leak suspects with the reason
 * each is suspected. The rules (docs/parse.md):
 *  - leaked: the runtime itself marked the goroutines " (leaked)" (Go 1.26+ leak detector);
 *  - blocked forever: a nil channel or an empty select (goroutine 1's `select {}` excepted);
 *  - pile-up: at least GP_SUSPECT_PILE goroutines with one stack, blocked on a channel, select,
 *    lock, condition variable or wait group;
 *  - long wait: blocked that way for at least GP_SUSPECT_MINUTES minutes.
 */
#ifndef GOPSY_ANALYZE_SUMMARY_H
#define GOPSY_ANALYZE_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/buckets.h"

enum { GP_SUSPECT_PILE = 10, GP_SUSPECT_MINUTES = 10 };

struct gp_tally {
	const char *key;          /* status, or created-by function ("" when none was printed) */
	const char *file;         /* created-by site */
	int64_t line;
	uint64_t count, buckets;
	uint64_t with_minutes;
	int64_t min_minutes, max_minutes;
};

enum gp_suspect_why { GP_SUS_LEAKED, GP_SUS_FOREVER, GP_SUS_PILE, GP_SUS_LONG };

struct gp_suspect {
	const struct gp_bucket *b;
	size_t index;             /* b's place in the sorted bucket list */
	enum gp_suspect_why why;
};

struct gp_summary {
	struct gp_tally *states;
	size_t n_states;
	struct gp_tally *creators;
	size_t n_creators;
	struct gp_suspect *suspects;
	size_t n_suspects;
};

/* bs sorted (gp_buckets_sort); everything is allocated in a. */
struct gp_err *gp_summarize(const struct gp_buckets *bs, struct gp_arena *a, struct gp_summary *out) GP_MUST_USE;
const char *gp_suspect_why_text(enum gp_suspect_why why);

#endif
