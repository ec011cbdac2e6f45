/* logprefix.h — the text a logging pipeline puts in front of every line of a dump ("2026-11-22T03:04:05.123Z
 * stderr F ", "[pid 42] ", a container name...). It is learnt from the first goroutine header of a
 * dump (whatever precedes "goroutine N") as a shape: literal characters, with every run of digits
 * matching any run of digits, so timestamps that change from line to line still match. Lines that
 * do not start with the shape are read as they are.
 */
#ifndef GOPSY_DUMP_LOGPREFIX_H
#define GOPSY_DUMP_LOGPREFIX_H

#include <stddef.h>

#include "base/sv.h"

enum { GP_LOGPREFIX_MAX = 256 };

struct gp_logprefix {
	size_t n;                     /* 0: no prefix */
	char shape[GP_LOGPREFIX_MAX]; /* literal bytes; '\0' stands for a run of digits */
};

/* Learn the prefix p[0..n) (n > GP_LOGPREFIX_MAX: returns 0 and learns nothing). */
int gp_logprefix_learn(struct gp_logprefix *lp, const char *p, size_t n);
/* Length of the prefix at the start of line, or 0 when the line does not start with the shape. */
size_t gp_logprefix_match(const struct gp_logprefix *lp, struct gp_sv line);

#endif
