/* panic.h — a goroutine's panics (g._panic, a chain through _panic.link, newest first), as the
 * runtime's printpanics reads them: the value (an eface; preprintpanics has already replaced an
 * error or Stringer by the string its method returned, so a core holds what was printed), and the
 * recovered / repanicked (Go 1.25+) / goexit flags.
 */
#ifndef GOPSY_RT_PANIC_H
#define GOPSY_RT_PANIC_H

#include <stdint.h>

#include "rt/goroutine.h"
#include "rt/value.h"

struct gp_rpanic {
	uint64_t addr;
	struct gp_eface arg;
	uint64_t link;
	int recovered, repanicked, goexit;
};

enum { GP_PANIC_MAX = 64 };

/* The chain from first (g._panic), newest first: at most max records into out. Returns how many
 * were read; *problem is NULL, or says why the chain ends early (unreadable, a loop, too long). */
int gp_panics_read(const struct gp_rt *rt, uint64_t first, struct gp_rpanic *out, int max, const char **problem);

#endif
